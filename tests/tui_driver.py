"""Drive the app's decision screen through Textual's Pilot, as a practitioner would, step by step.

Fields are found by their record key (a widget's name); choices are made on the real radio
buttons and lists, so every answer goes through the same events as a key press.
"""

from __future__ import annotations

from textual.widgets import Input, OptionList, RadioSet, SelectionList, TextArea

PRACTITIONER = "Test Practitioner <test.practitioner@example.invalid>"


def widget(app, name: str):
    found = [w for w in app.screen.query("Input, TextArea, RadioSet, SelectionList, OptionList") if w.name == name]
    assert found, f"no field {name!r} on step {getattr(app.screen, 'step_id', '?')}"
    return found[0]


async def fill(pilot, name: str, text: str) -> None:
    w = widget(pilot.app, name)
    w.focus()
    if isinstance(w, Input):
        w.value = text
    elif isinstance(w, TextArea):
        w.text = text
    await pilot.pause()


async def choose(pilot, name: str, value: str) -> None:
    radio = widget(pilot.app, name)
    assert isinstance(radio, RadioSet)
    radio.focus()
    button = next(b for b in radio.query("RadioButton") if b.name == value)
    button.value = True
    await pilot.pause()


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
    await pilot.pause()
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
