"""Each step of the decision: its title, the question it asks, the guidance shown beside it and its
fields, drawn from the ruleset and the guidance (never written into the screen). Pure: no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from isp_tui.record.model import departs
from isp_tui.record.schema import SHARING_DECISIONS
from isp_tui.record.law import LAW_FIELDS
from isp_tui.tui.forms.fields import (ANSWER_LABELS, CONSENT_BY, CONSENT_HOW, OUTCOME_LABELS, SHORT, STEP_TITLES,
                                      SUBJECTS, YES_NO, YES_NO_UNSURE, Field, get, response_due_hint)
from isp_tui.tui.forms.law import asked_by_law, cites

if TYPE_CHECKING:
    from isp_tui.guidance import Guidance
    from isp_tui.tui.forms.form import DecisionForm


class Spec(NamedTuple):
    title: str
    question: str
    guidance: str
    fields: list[Field]


def spec(form: DecisionForm, step: str) -> Spec:
    """The title, question, guidance and fields of a step."""
    g, rs, data = form.guidance, form.ruleset, form.data
    rule = {r.number: r for r in rs.rules}
    principle = {p.id: p for p in rs.principles}
    if step == "subject":
        return Spec(STEP_TITLES[step], "Who is deciding, and who is the information about? The name stays in "
                "the record only: never in a file name or a commit message.",
                f"Golden rule 7: {rule[7].title}\n\n{rule[7].text}" if 7 in rule else "", [
                    Field("decided.role", "Your role"),
                    Field("decided.organisation", "Your organisation"),
                    Field("subject.name", "Name of the child or person"),
                    Field("subject.reference", "Case reference"),
                    Field("subject.date_of_birth", "Date of birth (YYYY-MM-DD)", "date"),
                    Field("context.subject", "Who is the information about?", "choice", SUBJECTS),
                    Field("context.over_16", "Is the child 16 or over? (capacity to consent is then presumed; "
                          "optional)", "bool", YES_NO, show=lambda d: get(d, "context.subject") == "child"),
                    Field("context.capacity", "Can the adult at risk consent (Mental Capacity Act 2005)?", "choice",
                          YES_NO_UNSURE, show=lambda d: get(d, "context.subject") == "adult-at-risk"),
                    Field("context.early_help", "Is this an Early Help referral?", "bool", YES_NO),
                ])
    if step == "request":
        timely = principle.get("timely")
        return Spec(STEP_TITLES[step], "Were you asked for the information? Leave this step blank if you are "
                "sharing on your own initiative.", f"{timely.title}\n\n{timely.text}" if timely else "", [
                    Field("request.requester", "Who asked (name or role)"),
                    Field("request.agency", "From which agency"),
                    Field("request.asked_for", "What was asked for", "long"),
                    Field("request.received", "Received on (YYYY-MM-DD)", "date", dynamic_hint=response_due_hint),
                    Field("request.in_writing", "Was the request made in writing?", "bool", YES_NO),
                    Field("request.urgent", "Is it urgent?", "bool", YES_NO),
                ])
    if step == "recipient":
        how = {s.id: s for s in rs.how}.get("right-person")
        return Spec(STEP_TITLES[step], "Who would receive the information? Choose from the partner register "
                "(type to filter, Enter to choose) or type the agency in.",
                f"{how.step}\n\n{how.guidance}" if how else "", [
                    Field("recipient.pick", "Partner register", "agency"),
                    Field("recipient.agency", "Recipient agency"),
                    Field("context.recipient_statutory", "Is the recipient a statutory body? (some gateways, such as "
                          "s115, only work between statutory bodies)", "bool", YES_NO),
                    Field("recipient.person", "Person or role at the recipient"),
                ])
    if step.startswith("when:"):
        node = step.partition(":")[2]
        question = rs.question(node)
        n = [q.id for q in rs.when].index(node) + 1
        title = f"Question {n} of {len(rs.when)}: {SHORT.get(node, node)}"
        guidance = question.guidance
        fields: list[Field]
        if node == "lawful_basis":
            fields = lawful_basis_fields(form)
        else:
            options = tuple((answer, ANSWER_LABELS.get(answer, answer)) for answer in question.next)
            fields = [Field(f"when.{node}", "Your answer", "choice", options)]
        if node == "consent":
            fields += consent_given_fields(g)
            informed = g.checklists.get("informed-consent")
            if informed and get(data, "when.consent") == "given":
                guidance += f"\n\n{informed.title}\n\n{informed.intro}\n" + "\n".join(
                    f"- {i.text}" for i in informed.items)
            checklist = g.checklists.get("consent-not-sought")
            if checklist:
                fields.append(Field("when.consent_not_sought_reason", "Why was consent not sought?", "choice",
                                    tuple((i.id, i.text) for i in checklist.items),
                                    show=lambda d: get(d, "when.consent") == "not-sought"))
                guidance += f"\n\n{checklist.title}\n\n{checklist.intro}"
            capacity = g.checklists.get("child-capacity")
            if get(data, "context.subject") == "child" and capacity:
                # its questions answered as the 16 are: space chooses, Enter chooses and goes to the next not answered
                fields.append(Field("checklists.child-capacity", f"{capacity.title} Can the child...", "note"))
                fields += checklist_fields(capacity)
                fields.append(Field("context.child_capacity", "So: can the child give informed consent?",
                                    "choice", (("yes", "Yes"), ("no", "No"), ("unsure", "Unsure"))))
                guidance += f"\n\n{capacity.title}\n\n{capacity.intro}"
        return Spec(title, question.question, guidance, fields)
    if step == "advice":
        r3 = rule.get(3)
        return Spec(STEP_TITLES[step], "If you are in any doubt, seek advice from other practitioners or your "
                "information governance lead, without disclosing the identity of the person where possible.",
                f"Golden rule 3: {r3.title}\n\n{r3.text}" if r3 else "", [
                    Field("advice.sought", "Have you sought advice?", "bool", YES_NO),
                    Field("advice.from", "From whom: their role (do not name the child or family to them)"),
                    Field("advice.on", "On (YYYY-MM-DD)", "date"),
                    Field("advice.summary", "The advice given", "long"),
                ])
    if step == "decision":
        # the reasons in words, their sources one key (F2) away (labels of record keys would ask this step again)
        reasons = "\n".join(f"- {r.text}" + (f"\n  ({r.source})" if form.sources and r.source else "")
                             for r in (form.decision.reasons if form.decision else ()))
        if reasons and not form.sources:
            reasons += "\n(F2 shows the sources)"
        r7 = rule.get(7)
        fields = [
            Field("decision.recorded", "Your decision", "choice",
                  (("share", "Share"), ("share-part", "Share part"), ("do-not-share", "Do not share"))),
            Field("decision.reasons", "Your reasons (always required, whether you share or not)", "long"),
            Field("decision.override_reason", "Why your decision departs from the flowchart's outcome", "long",
                  show=lambda d: departs(form.outcome, get(d, "decision.recorded"))),
        ]
        fields.append(Field("consent.explanation", "Why you share without consent", "long",
                            show=lambda d: get(d, "decision.recorded") in SHARING_DECISIONS
                            and asked_by_law(d, g, "consent.explanation")))
        fields.append(Field("decision.necessity", LAW_FIELDS["decision.necessity"][0], "long",
                            show=lambda d: get(d, "decision.recorded") in SHARING_DECISIONS))
        fields.append(Field("decision.public_interest", "The public-interest reasoning for sharing confidential "
                            "information without consent (000 13.3.4)", "long",
                            show=lambda d: asked_by_law(d, g, "decision.public_interest")))
        return Spec(STEP_TITLES[step], f"The flowchart's outcome: {OUTCOME_LABELS[form.outcome]}. Record your own "
                "decision and your reasons: your judgement stands beside the flowchart's.",
                f"Why the flowchart says so:\n{reasons}\n\nGolden rule 7: {r7.title}\n\n{r7.text}" if r7 else reasons,
                fields)
    if step.startswith("how:"):
        how = {s.id: s for s in rs.how}[step.partition(":")[2]]
        return Spec(f"How: {how.step}", "", how.guidance, how_fields(g, how.id, rs.era))
    if step == "retention":
        record = principle.get("record")
        return Spec(STEP_TITLES[step], "When should this decision be reviewed, or until when must the record be kept? "
                "One of the two is required.", f"{record.title}\n\n{record.text}" if record else "", [
                    Field("retention.review_on", "Review on (YYYY-MM-DD)", "date"),
                    Field("retention.retain_until", "Retain until (YYYY-MM-DD)", "date"),
                ])
    if step == "checklist":
        checklist = g.checklists["sixteen-questions"]
        return Spec("Final check: the 16 questions", "A final check before you save. Answers already given elsewhere "
                "are filled in. Space chooses, Enter chooses and goes to the next question not yet answered.",
                f"{checklist.title}\n\n{checklist.intro}\n\n" + "\n\n".join(
                    f"{n}. {i.text}\n{checklist.guidance_for(i, rs.era)}" for n, i in enumerate(checklist.items, 1)),
                checklist_fields(checklist))
    return Spec(STEP_TITLES["review"], "", "", [])


def checklist_fields(checklist) -> list[Field]:
    """One field a question, of the kind of answer it asks for: a choice (yes / no / not applicable, or its own),
    a text or a date (templates/checklists.toml `answer_kind`)."""
    out = []
    for n, item in enumerate(checklist.items, 1):
        key, label = f"checklists.{checklist.id}.{item.id}", f"{n}. {item.text}"
        if item.kind == "choice":
            out.append(Field(key, label, "choice", item.options))
        else:
            out.append(Field(key, label + (" (YYYY-MM-DD)" if item.kind == "date" else ""), item.kind))
    return out


def consent_given_fields(g: Guidance) -> list[Field]:
    """Who consented, whether it was informed, how and when (003 App A; 004; 001 3.3): asked once consent is given;
    the child's own view where the law asks it (record.law.missing_by_law: a parent consented for a competent child)."""
    given = lambda d: get(d, "when.consent") == "given"  # noqa: E731
    return [
        Field("when.consent_by", LAW_FIELDS["when.consent_by"][0], "choice", CONSENT_BY, show=given),
        Field("when.consent_informed", LAW_FIELDS["when.consent_informed"][0], "bool", YES_NO, show=given),
        Field("when.consent_how", "How was consent given?", "choice", CONSENT_HOW, show=given),
        Field("consent.on", "Consent given on (YYYY-MM-DD)", "date", show=given),
        Field("consent.child_view", "The child's own view (a competent child's view is recorded beside a "
              "parent's consent)", "long", show=lambda d: asked_by_law(d, g, "consent.child_view")),
    ]


def lawful_basis_fields(form: DecisionForm) -> list[Field]:
    """The lawful-basis step: the data's kind, the bases and conditions, and the facts a cited basis turns on."""
    fields = []
    if "confidential" not in {q.id for q in form.ruleset.when}:
        fields.append(Field("when.confidential", "Is the information confidential (the common-law duty of "
                            "confidence)?", "choice", YES_NO_UNSURE))
    fields += [
        Field("context.special_category", "Is special category data involved (health, ethnicity, religion, sex "
              "life...)? Set for you from the data categories shared.", "bool", YES_NO),
        Field("context.criminal_offence", "Is criminal offence data involved (UK GDPR Art 10)?", "bool", YES_NO),
        Field("lawful_basis.unsure", "Not sure which lawful basis applies?", "choice",
              (("no", "I can identify the basis (choose below)"), ("yes", "Unsure: seek advice (golden rule 3)"))),
        Field("when.lawful_basis", "Lawful bases (select any that apply; select none if no lawful reason is "
              "identified)", "bases", only="general"),
        Field("when.lawful_basis", "Special-category condition (UK GDPR Art 9 / DPA Schedule 3): needed as well "
              "as a general basis", "bases", only="condition",
              show=lambda d: get(d, "context.special_category") is True or get(d, "context.criminal_offence") is True),
        Field("context.sharer_public_authority", "Is your organisation a public authority? (Art 6(1)(f) and (ea) "
              "are not for a public authority's own tasks)", "bool", YES_NO,
              show=lambda d: cites(d, "ukgdpr-art6-1f", "ukgdpr-art6-1ea")),
        Field("context.law_enforcement", "Are you a competent authority sharing for a law enforcement purpose "
              "(DPA 2018 Part 3)?", "bool", YES_NO, show=lambda d: cites(d, "dpa2018-s35", "dpa2018-sch8-para4")),
        Field("context.more_detrimental", "Would disclosure be more detrimental to the child than not disclosing "
              "(the exception in CA 2004 s16LA)?", "bool", YES_NO, show=lambda d: cites(d, "ca2004-s16la")),
    ]
    return fields


def how_fields(g: Guidance, how_id: str, era: str = "gdpr") -> list[Field]:
    """The fields of one of the How steps (the ruleset's "how" list), as a ruleset of `era` shows them."""
    if how_id == "how-much":
        return [Field("sharing.information", "What information is shared", "long"),
                Field("sharing.data_categories", "Data categories", "multi",
                      tuple((c.id, c.title + (" (special category)" if c.special_category else ""))
                            for c in g.categories.values())),
                Field("sharing.purpose", "For what purpose")]
    if how_id == "fact-and-opinion":
        return [Field("sharing.fact_and_opinion", "Is fact told apart from opinion in what you share?", "bool", YES_NO)]
    if how_id == "right-person":
        return [Field("recipient.person", "Person or role at the recipient"),
                Field("sharing.onward_sharing", "Limits on onward sharing", "long"),
                Field("sharing.time_limits", "Time limits, if any")]
    if how_id == "securely":
        def requirements(d: dict[str, Any]) -> str:
            method = g.methods.get(get(d, "sharing.method") or "")
            return ("Requirements:\n" + "\n".join(f"- {r}" for r in method.requirements_for(era))) if method else ""

        return [Field("sharing.method", "Secure method of transfer", "choice",
                      tuple((m.id, m.title) for m in g.methods.values() if m.stage == "transfer"),
                      dynamic_hint=requirements),
                Field("sharing.shared_on", "Shared on (YYYY-MM-DD)", "date")]
    if how_id == "transparent":
        return [Field("transparency.told", "Was the person told that the information is shared?", "bool", YES_NO),
                Field("transparency.not_told_reason", "If not, why not", "long")]
    return []
