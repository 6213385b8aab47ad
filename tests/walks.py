"""The typical case of issue 15, as keys a practitioner presses: one script that Pilot (tests, bench/tui_walk.py)
and tmux (tests/test_e2e_tmux.py) both play, so the key count is the same everywhere.

The case: a police request in writing for a child's attendance and welfare concerns for a s47 enquiry; the
parents not asked because asking would increase the risk; health information included; Children Act 1989 s47,
UK GDPR Article 6(1)(e), 9(2)(g) with DPA 2018 Schedule 1 paragraph 18 (and, the information being confidential,
the common-law public interest the engine then asks for); secure email; a review in twelve months; the 16
questions answered. All of it fictional.

Each entry is (what, value):
- ("key", name): one key, in Textual's names ("tab", "ctrl+n", "down", "enter"): it counts;
- ("type", text): text typed into the focused field, one key a character: it does not count;
- ("step", (step_id, words)): the step now shown (Pilot checks the step id; tmux waits for the words).
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Callable

KEY, TYPE, STEP = "key", "type", "step"


def twelve_months(day: date) -> date:
    """The review date the walk types: twelve months on (the 28th of February for a 29th)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def keys(*names: str) -> list[tuple[str, str]]:
    return [(KEY, name) for name in names]


def step(step_id: str, words: str) -> list[tuple[str, object]]:
    return [(STEP, (step_id, words))]


def typed(text: str) -> list[tuple[str, str]]:
    return [(TYPE, text)]


def typical(today: date, *, role: str = "", organisation: str = "") -> list[tuple[str, object]]:
    """The walk from Home to the saved record and back to Home, on `today` (the review is a year on). `role` and
    `organisation` are typed first when given (a practitioner's first decision); otherwise they are remembered
    (or in the config). The words of each step are those its heading starts with at 80 columns."""
    first = typed(role) + keys("enter") + typed(organisation) + keys("enter") if role else []
    return [
        *keys("n"), *step("subject", "About: About the decision"),
        *first,
        *typed("Test Child Alpha"), *keys("tab"), *typed("TEST-0001"), *keys("ctrl+n"),
        *step("request", "About: The request"),
        *typed("Test Officer 0000"), *keys("enter"), *typed("Leicestershire Police"), *keys("enter"),
        *typed("Attendance and welfare concerns for a section 47 enquiry (test)"),
        *keys("tab", "enter"),  # the received date is today's: Enter goes on to "in writing?"
        *keys("enter"),  # in writing: yes
        *keys("ctrl+n"),
        *step("recipient", "About: The recipient"),  # the requester's agency is the recipient
        *keys("enter", "ctrl+n"),  # a statutory body: yes
        *step("when:legitimate_purpose", "Question 1 of 4"),
        *keys("enter", "ctrl+n"),  # yes
        *step("when:consent", "Question 2 of 4"),
        *keys("down", "down", "enter"),  # not sought
        *keys("enter"),  # because asking would increase the risk (the first reason)
        *keys("ctrl+n"),
        *step("when:identifiable", "Question 3 of 4"),
        *keys("enter", "ctrl+n"),  # yes
        *step("when:lawful_basis", "Question 4 of 4"),
        *keys("enter"),  # confidential: yes
        *keys("enter"),  # special category data: yes
        *keys("down", "enter"),  # criminal offence data: no
        *typed("s47"), *keys("enter"), *typed("6(1)(e)"), *keys("enter"), *typed("public interest"), *keys("enter"),
        *keys("enter"),  # the filter empty: on to the special-category conditions
        *typed("9(2)(g)"), *keys("enter"), *typed("para 18"), *keys("enter"),
        *keys("ctrl+n"),
        *step("decision", "Stage 3 of 6"),
        *keys("enter"),  # share (the flowchart's outcome)
        *typed("Fictional: the police need the attendance record and the health concerns for a s47 enquiry."),
        *keys("tab"), *typed("Fictional: asking the parents would increase the risk to the child."),
        *keys("tab"), *typed("Fictional: the enquiry cannot be made without it."),
        *keys("tab"), *typed("Fictional: the risk of significant harm outweighs the duty of confidence."),
        *keys("ctrl+n"),
        *step("how:how-much", "Sharing: How: Identify"),
        *typed("Attendance record and health concerns (test)."), *keys("tab"),
        *typed("health"), *keys("enter"), *typed("attendance"), *keys("enter"), *keys("enter"),
        *typed("Section 47 enquiry (test)"), *keys("ctrl+n"),
        *step("how:fact-and-opinion", "Sharing: How: Distinguish"),
        *keys("enter", "ctrl+n"),  # yes
        *step("how:right-person", "Sharing: How: Ensure that"),
        *keys("tab"), *typed("Not to be shared further (test)."), *keys("ctrl+n"),
        *step("how:securely", "Sharing: How: Ensure where"),
        *keys("down", "enter", "ctrl+n"),  # secure email; shared today
        *step("how:transparent", "Sharing: How: Where"),
        *keys("down", "enter"), *typed("Telling the parents would increase the risk (test)."), *keys("ctrl+n"),
        *step("retention", "Keeping the record: Review"),
        *typed(twelve_months(today).isoformat()), *keys("ctrl+n"),
        *step("checklist", "Keeping the record: Final"),  # nine of the 16 are filled in from the answers above
        *keys("down", "enter"),  # 3. Do I need consent to share? no
        *keys("enter"),  # 4. a legal duty or power? yes
        *keys("down", "enter"),  # 5. whose consent? a person with parental responsibility
        *typed("The child's, and the family's (test)."), *keys("enter"),  # 6. whose information?
        *keys("down", "enter"),  # 8. would sharing without consent cause more harm than not? no
        *keys("enter"),  # 10. the right person? yes
        *keys("enter"),  # 12. do they know it is confidential? yes
        *keys("ctrl+n"),
        *step("review", "Nothing: it can be saved as final"),
        *keys("ctrl+f"),
        *step("saved", "Press Enter to return home"),
        *keys("enter"),
        *step("home", "New decision"),
    ]


def count(walk: list[tuple[str, object]]) -> int:
    """The keys a walk presses besides the text typed into fields."""
    return sum(1 for what, _ in walk if what == KEY)


def typed_characters(walk: list[tuple[str, object]]) -> int:
    return sum(len(str(value)) for what, value in walk if what == TYPE)


# -- Pilot -------------------------------------------------------------------------------------------------


def where(app) -> str:
    from isp_tui.tui.screens.decision_view import SavedScreen

    screen = app.screen
    if isinstance(screen, SavedScreen):
        return "saved"
    return getattr(screen, "step_id", None) or "home"


async def settle(pilot, limit: float = 30) -> None:
    """Until every key sent is handled and the app's workers (a save) are done."""
    deadline = time.monotonic() + limit
    await pilot.pause()
    while pilot.app.keys_pending or any(w.is_running for w in pilot.app.workers):
        if time.monotonic() > deadline:
            raise AssertionError("the app never settled")
        await asyncio.sleep(0.01)
    await pilot.pause()


async def play(pilot, walk: list[tuple[str, object]],
               on_step: Callable[[str, float, int], None] | None = None, *, paste: bool = False) -> None:
    """Press the walk's keys through Pilot, one at a time as a person would; at each step, check the app shows
    it and report (step left, seconds spent in it, keys and characters pressed in it). `paste`: the text goes in
    as a bracketed paste, one event a field (quicker for a test; the keys between are pressed all the same)."""
    started, pressed, current = time.perf_counter(), 0, "home"
    for what, value in walk:
        if what == STEP:
            step_id, _ = value  # type: ignore[misc]
            await settle(pilot)
            assert where(pilot.app) == step_id, (step_id, where(pilot.app), getattr(pilot.app.screen, "missing",
                                                                                      lambda: None)())
            if on_step is not None:
                on_step(current, time.perf_counter() - started, pressed)
            started, pressed, current = time.perf_counter(), 0, step_id
        elif what == KEY:
            await pilot.press(str(value))
            pressed += 1
        elif paste:
            from textual import events

            pilot.app._driver.send_message(events.Paste(str(value)))
            await settle(pilot)
            pressed += 1
        else:
            await pilot.press(*str(value))
            pressed += len(str(value))


async def walk_to(pilot, today: date, step_id: str, keys_after: int) -> None:
    """The typical walk up to `step_id`, and then `keys_after` more of its entries (keys or typed text), settled:
    a test that starts part way through the typical case."""
    walk = typical(today)
    at = next(n for n, (what, value) in enumerate(walk) if what == STEP and value[0] == step_id)  # type: ignore[index]
    await pilot.app.loaded.wait()
    await play(pilot, walk[:at + 1 + keys_after])
    await settle(pilot)
