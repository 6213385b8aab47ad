"""Each step of the decision: its title, the question it asks, the guidance shown beside it and its
fields, drawn from the ruleset and the guidance (never written into the screen). Pure: no Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from isp_tui.record.schema import SHARING_DECISIONS
from isp_tui.tui.forms.fields import (ANSWER_LABELS, OUTCOME_LABELS, SHORT, STEP_TITLES, YES_NO, Field, get,
                                      response_due_hint)

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
        return Spec(STEP_TITLES[step], "Who is the information about, and who is deciding? The name stays in the "
                "record only: never in a file name or a commit message.",
                f"Golden rule 7: {rule[7].title}\n\n{rule[7].text}" if 7 in rule else "", [
                    Field("subject.name", "Name of the child or person"),
                    Field("subject.reference", "Case reference"),
                    Field("subject.date_of_birth", "Date of birth (YYYY-MM-DD)", "date"),
                    Field("context.subject_is_child", "Is the person a child?", "bool", YES_NO),
                    Field("context.early_help", "Is this an Early Help referral?", "bool", YES_NO),
                    Field("decided.role", "Your role"),
                    Field("decided.organisation", "Your organisation"),
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
            fields = [
                Field("context.special_category", "Is special category data involved (health, ethnicity, "
                      "religion, sex life...)?", "bool", YES_NO),
                Field("when.lawful_basis", "Lawful bases (select any that apply; select none if no lawful "
                      "reason is identified)", "bases", only="general"),
            ]
            fields.append(Field("when.lawful_basis", "Special-category condition (UK GDPR Art 9 / DPA "
                                "Schedule 3): needed as well as a general basis", "bases", only="condition",
                                show=lambda d: get(d, "context.special_category") is True))
        else:
            options = tuple((answer, ANSWER_LABELS.get(answer, answer)) for answer in question.next)
            fields = [Field(f"when.{node}", "Your answer", "choice", options)]
        if node == "consent":
            checklist = g.checklists.get("consent-not-sought")
            if checklist:
                fields.append(Field("when.consent_not_sought_reason", "Why was consent not sought?", "choice",
                                    tuple((i.id, i.text) for i in checklist.items),
                                    show=lambda d: get(d, "when.consent") == "not-sought"))
                guidance += f"\n\n{checklist.title}\n\n{checklist.intro}"
            capacity = g.checklists.get("child-capacity")
            if get(data, "context.subject_is_child") and capacity:
                fields.append(Field("checklists.child-capacity", f"{capacity.title} Can the child... "
                                    "(Enter cycles yes / no / not applicable)", "checklist",
                                    tuple((i.id, i.text) for i in capacity.items)))
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
        reasons = "\n".join(f"- {r.text} ({r.source})" for r in form.decision.reasons) if form.decision else ""
        r7 = rule.get(7)
        fields = [
            Field("decision.recorded", "Your decision", "choice",
                  (("share", "Share"), ("share-part", "Share part"), ("do-not-share", "Do not share"))),
            Field("decision.reasons", "Your reasons (always required, whether you share or not)", "long"),
            Field("decision.override_reason", "Why your decision departs from the flowchart's outcome (if it does)",
                  "long"),
        ]
        fields.append(Field("consent.explanation", "Why you share without consent", "long",
                            show=lambda d: get(d, "when.consent") in ("refused", "withdrawn", "not-sought")
                            and get(d, "decision.recorded") in SHARING_DECISIONS))
        return Spec(STEP_TITLES[step], f"The flowchart's outcome: {OUTCOME_LABELS[form.outcome]}. Record your own "
                "decision and your reasons: your judgement stands beside the flowchart's.",
                f"Why the flowchart says so:\n{reasons}\n\nGolden rule 7: {r7.title}\n\n{r7.text}" if r7 else reasons,
                fields)
    if step.startswith("how:"):
        how = {s.id: s for s in rs.how}[step.partition(":")[2]]
        return Spec(f"How: {how.step}", "", how.guidance, how_fields(g, how.id))
    if step == "retention":
        record = principle.get("record")
        return Spec(STEP_TITLES[step], "When should this decision be reviewed, or until when must the record be kept? "
                "One of the two is required.", f"{record.title}\n\n{record.text}" if record else "", [
                    Field("retention.review_on", "Review on (YYYY-MM-DD)", "date"),
                    Field("retention.retain_until", "Retain until (YYYY-MM-DD)", "date"),
                ])
    if step == "checklist":
        checklist = g.checklists["sixteen-questions"]
        return Spec("Final check: the 16 questions", "A final check before you save (optional): Enter on a question cycles "
                "its answer through yes, no and not applicable.",
                f"{checklist.title}\n\n{checklist.intro}\n\n" + "\n\n".join(
                    f"{n}. {i.text}\n{i.guidance}" for n, i in enumerate(checklist.items, 1)), [
                    Field("checklists.sixteen-questions", "The 16 questions", "checklist",
                          tuple((i.id, i.text) for i in checklist.items))])
    return Spec(STEP_TITLES["review"], "", "", [])


def how_fields(g: Guidance, how_id: str) -> list[Field]:
    """The fields of one of the How steps (the ruleset's "how" list)."""
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
            return ("Requirements:\n" + "\n".join(f"- {r}" for r in method.requirements)) if method else ""

        return [Field("sharing.method", "Secure method of transfer", "choice",
                      tuple((m.id, m.title) for m in g.methods.values() if m.stage == "transfer"),
                      dynamic_hint=requirements),
                Field("sharing.shared_on", "Shared on (YYYY-MM-DD)", "date")]
    if how_id == "transparent":
        return [Field("transparency.told", "Was the person told that the information is shared?", "bool", YES_NO),
                Field("transparency.not_told_reason", "If not, why not", "long")]
    return []
