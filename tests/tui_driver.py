"""Drive the app's decision screen through Textual's Pilot, as a practitioner would, step by step.

Fields are found by their record key (a widget's name); choices are made on the real radio
buttons and lists, so every answer goes through the same events as a key press.
"""

from __future__ import annotations

from textual.widgets import Input, OptionList, SelectionList, TextArea

from isp_tui.tui.widgets.choice import ChoiceList

PRACTITIONER = "Test Practitioner <test.practitioner@example.invalid>"


def widget(app, name: str):
    found = [w for w in app.screen.query("Input, TextArea, SelectionList, OptionList") if w.name == name]
    assert found, f"no field {name!r} on step {getattr(app.screen, 'step_id', '?')}"
    return found[0]


async def fill(pilot, name: str, text: str) -> None:
    w = widget(pilot.app, name)
    w.focus()
    if isinstance(w, Input):
        w.value = text
    elif isinstance(w, TextArea):
        w.text = text


async def choose(pilot, name: str, value: str) -> None:
    choice = widget(pilot.app, name)
    assert isinstance(choice, ChoiceList)
    choice.focus()
    choice.highlighted = [ident for ident, _ in choice.choices].index(value)
    await pilot.press("enter")


async def select(pilot, name: str, *values: str, filter_text: str = "") -> None:
    lists = [w for w in pilot.app.screen.query(SelectionList) if w.name == name]
    for selection in lists:
        for value in values:
            try:
                selection.select(value)
            except Exception:
                pass
    await pilot.pause()


async def pick_agency(pilot, query: str) -> None:
    app = pilot.app
    flt = widget(app, "filter:agency")
    flt.focus()
    flt.value = query
    await pilot.pause()
    options = app.screen.query_one("#agencies", OptionList)
    options.focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def step(pilot) -> str:
    await pilot.press("ctrl+n")
    return pilot.app.screen.step_id


async def start(pilot) -> None:
    await pilot.app.loaded.wait()
    await pilot.pause()
    await pilot.press("n")
    await pilot.pause()
    assert pilot.app.screen.step_id == "subject"


async def about(pilot) -> None:
    await fill(pilot, "subject.name", "Test Child Alpha")
    await fill(pilot, "subject.reference", "TEST-0001")
    await choose(pilot, "context.early_help", "no")
    await fill(pilot, "decided.role", "Test social worker")
    await fill(pilot, "decided.organisation", "Test Borough Children's Services")


# The flowchart's paths, each to a committed final record: (answers in order, engine outcome, recorded decision)
SPECIAL = ["ca1989-s47", "ukgdpr-art6-1e", "ukgdpr-art9-2g", "dpa2018-sch1-pt2-para18"]
PATHS = {
    "purpose-no": ([("legitimate_purpose", "no")], "do-not-share", "do-not-share"),
    "purpose-unsure": ([("legitimate_purpose", "unsure")], "seek-advice", "do-not-share"),
    "consent-given": ([("legitimate_purpose", "yes"), ("consent", "given")], "share", "share"),
    "consent-unsure": ([("legitimate_purpose", "yes"), ("consent", "unsure")], "seek-advice", "do-not-share"),
    "refused-not-identifiable": ([("legitimate_purpose", "yes"), ("consent", "refused"), ("identifiable", "no")],
                                 "share", "share"),
    "withdrawn-identifiable-unsure": ([("legitimate_purpose", "yes"), ("consent", "withdrawn"),
                                       ("identifiable", "unsure")], "seek-advice", "do-not-share"),
    "not-sought-lawful-basis": ([("legitimate_purpose", "yes"), ("consent", "not-sought"), ("identifiable", "yes"),
                                 ("lawful_basis", SPECIAL)], "share", "share"),
    "refused-no-lawful-basis": ([("legitimate_purpose", "yes"), ("consent", "refused"), ("identifiable", "yes"),
                                 ("lawful_basis", [])], "do-not-share", "do-not-share"),
}


async def answer_when(pilot, node: str, value) -> None:
    assert pilot.app.screen.step_id == f"when:{node}", pilot.app.screen.step_id
    if node == "lawful_basis":
        await choose(pilot, "context.special_category", "yes" if value else "no")
        await select(pilot, "when.lawful_basis", *value)
    else:
        await choose(pilot, f"when.{node}", value)
    if (node, value) == ("consent", "not-sought"):
        await choose(pilot, "when.consent_not_sought_reason", "increased-risk")
    if node == "consent":
        await choose(pilot, "checklists.child-capacity.alternatives", "yes")  # the first capacity question: yes
        await choose(pilot, "context.child_capacity", "yes")
    if (node, value) == ("consent", "given"):  # who consented and whether it was informed (issue 12)
        await choose(pilot, "when.consent_by", "subject")
        await choose(pilot, "when.consent_informed", "yes")


async def walk(pilot, answers, engine: str, recorded: str) -> None:
    """From Home to the review, answering as given; then save final."""
    await start(pilot)
    await about(pilot)
    assert await step(pilot) == "request"
    await fill(pilot, "request.requester", "Test Requester")
    await fill(pilot, "request.agency", "Test Police Force")
    await fill(pilot, "request.asked_for", "Attendance and welfare concerns (test)")
    await fill(pilot, "request.received", "2026-11-02")
    assert await step(pilot) == "recipient"
    await pick_agency(pilot, "police")
    await step(pilot)
    for node, value in answers:
        await answer_when(pilot, node, value)
        await step(pilot)
    screen = pilot.app.screen
    assert screen.outcome == engine
    if engine == "seek-advice":
        assert screen.step_id == "advice"
        await choose(pilot, "advice.sought", "yes")
        await fill(pilot, "advice.from", "Designated safeguarding lead (test)")
        await step(pilot)
    assert screen.step_id == "decision"
    await choose(pilot, "decision.recorded", recorded)
    await fill(pilot, "decision.reasons", "Fictional test reasons.")
    if recorded == "share" and dict(answers).get("consent") in ("refused", "withdrawn", "not-sought"):
        await fill(pilot, "consent.explanation", "Fictional: seeking consent would increase the risk.")
    if engine == "do-not-share" and recorded != "do-not-share":
        await fill(pilot, "decision.override_reason", "Fictional override.")
    if recorded in ("share", "share-part"):
        await fill(pilot, "decision.necessity", "Fictional: the enquiry needs the attendance record.")
    await step(pilot)
    if recorded == "share":
        assert screen.step_id == "how:how-much"
        await fill(pilot, "sharing.information", "Fictional attendance summary.")
        await select(pilot, "sharing.data_categories", "names-and-alias")
        await fill(pilot, "sharing.purpose", "Section 47 enquiry (test)")
        await step(pilot)
        await choose(pilot, "sharing.fact_and_opinion", "yes")
        await step(pilot)
        await fill(pilot, "sharing.onward_sharing", "Not to be shared further (test).")
        await step(pilot)
        await choose(pilot, "sharing.method", "internal-email")
        await fill(pilot, "sharing.shared_on", "2026-11-03")
        await step(pilot)
        await choose(pilot, "transparency.told", "no")
        await fill(pilot, "transparency.not_told_reason", "Telling the family would increase the risk (test).")
        await step(pilot)
    assert screen.step_id == "retention"
    await fill(pilot, "retention.review_on", "2027-11-03")
    assert await step(pilot) == "checklist"
    await choose(pilot, "checklists.sixteen-questions.q10", "yes")
    assert await step(pilot) == "review"
    assert screen.missing() == []


async def save_final(pilot):
    button = pilot.app.screen.query_one("#save-final")
    button.focus()
    await pilot.press("enter")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return pilot.app.screen
