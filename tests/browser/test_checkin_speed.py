"""How long a realistic check-in takes in a real browser at 1280x720, in actions and scrolls (issue 17, item 4).

A check-in is meant to take about a minute. The walk counts what a person does, not what they type: every click and
every key press that picks something (Enter in a list), but no typed characters; and every time the next thing to
act on was outside the 1280x720 window and had to be scrolled to (measured from its bounding box before each
action). The figures are printed (run with -s to see them) and the check-in must be saved as chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from models.startup import get_database
from models.store.entities import CheckIn, CheckInItem, CheckInReferral, Client
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    SCREENSHOTS,
    click_and_wait,
    open_app,
    option_button,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)

WIDTH, HEIGHT = 1280, 720
SIGNS = ("Defends or explains away", "Blames themself for the harm", "Has less contact with family",
         "Anxiety or worry", "Trouble falling or staying asleep", "Sadness or low mood")
SIGN_CODES = {"signs.explains-away-harm", "signs.self-blame", "signs.cut-off-from-others", "emotional.anxiety",
              "physical.sleep", "emotional.sadness"}
NOTE = "Talked through the week; she felt calmer."
MOST_ACTIONS = 12


@dataclass
class Walk:
    """Counts actions and the scrolls each one needed."""

    page: Page
    actions: int = 0
    scrolls: int = 0
    steps: list[str] = field(default_factory=list)

    def _reach(self, target: Locator) -> None:
        target.wait_for(state="attached")
        top, bottom = target.evaluate("e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }")
        if top < 0 or bottom > HEIGHT:
            self.scrolls += 1
            target.scroll_into_view_if_needed()

    def click(self, target: Locator, what: str) -> None:
        """One click that makes the app run (a tick, an option, a button)."""
        self._reach(target)
        self.actions += 1
        self.steps.append(what)
        run_and_wait(self.page, target.click)

    def pick(self, box: Locator, text: str, what: str) -> None:
        """A list: click it, type part of the option (not counted), take it with Enter."""
        self._reach(box)
        box.click()
        box.press_sequentially(text)
        self.actions += 2
        self.steps.append(what)
        run_and_wait(self.page, lambda: box.press("Enter"))

    def type_into(self, box: Locator, text: str, what: str) -> None:
        """Click into a text box and type (the characters are not counted; Save commits the text)."""
        self._reach(box)
        box.click()
        self.actions += 1
        self.steps.append(what)
        box.press_sequentially(text)


def _form_height(page: Page) -> int:
    return int(page.evaluate(
        "() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect().height"))


def _open_form(page: Page, live_server: LiveServer, users) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Record a check-in"))
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()
    page.mouse.move(5, 5)


def _saved(database_url: str, code: str):  # type: ignore[no-untyped-def]
    """The newest check-in of `code`: (row, item codes, referral codes, note)."""
    db = get_database(database_url)
    with db.reading() as s:
        saved = s.scalars(select(CheckIn).join(Client).where(Client.code == code).order_by(CheckIn.id.desc())).first()
        items = set(s.scalars(select(CheckInItem.code).where(CheckInItem.check_in_id == saved.id)))
        referrals = list(s.scalars(select(CheckInReferral.resource_code)
                                   .where(CheckInReferral.check_in_id == saved.id)))
    return saved, items, referrals, db.notes.decrypt(saved.note)


def _finish(walk: Walk, page: Page, code: str, shot: str) -> None:
    """Concern, one referral, a short note, Save; the confirmation must be in the window, where the person is."""
    walk.click(page.locator(".st-key-ci_concern").get_by_text("High", exact=True), "concern")
    walk.click(option_button(page, "ci_offered", "National Domestic Violence Hotline"), "referral")
    walk.type_into(page.get_by_role("textbox", name="Note (optional)"), NOTE, "note")
    screenshot(page, f"{shot}-before-save")
    walk.click(page.get_by_role("button", name="Save check-in"), "save")
    said = page.locator(".st-key-ci_savebar").get_by_text(f"Check-in for {code} saved.", exact=False)
    expect(said).to_be_visible()
    top, bottom = said.evaluate("e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }")
    assert top >= 0 and bottom <= HEIGHT, (top, bottom)  # seen without scrolling
    screenshot(page, f"{shot}-saved")
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-saved-window.png"))  # the window only: what the person sees


def test_a_realistic_check_in_takes_few_actions(page: Page, live_server: LiveServer, users):
    """The client was seen before: start from that check-in, change what differs today."""
    earlier = [*SIGN_CODES - {"emotional.sadness"}, "emotional.anger"]
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=30, items=earlier,
                       contact_mode="phone", harm_contact="some", concern="moderate", note="Earlier words.",
                       referrals_offered=["rainn"])
    _open_form(page, live_server, users)
    height = _form_height(page)

    walk = Walk(page)
    walk.pick(page.get_by_role("combobox", name="Client code"), code, "client")
    walk.click(page.get_by_role("button", name="Start from this client's last check-in"), "start from last")
    expect(page.get_by_text("Copied from the check-in of", exact=False)).to_be_visible()
    walk.click(page.get_by_text("Sadness or low mood", exact=True), "tick a sign seen today")
    walk.click(page.get_by_text("Anger", exact=True), "untick a sign not seen today")
    _finish(walk, page, code, f"checkin-speed-{live_server.backend}")

    print(f"\ncheck-in from the last one at {WIDTH}x{HEIGHT}: {walk.actions} actions, {walk.scrolls} scrolls, "
          f"form {height} px tall ({', '.join(walk.steps)})")
    saved, items, referrals, note = _saved(live_server.database_url, code)
    assert items == SIGN_CODES
    assert (saved.contact_mode, saved.harm_contact, saved.concern) == ("phone", "some", "high")
    assert referrals == ["ndvh"] and note == NOTE  # not the earlier note or referral
    assert walk.actions <= MOST_ACTIONS, walk.steps


def test_a_first_check_in_needs_no_scrolling_to_reach_save(page: Page, live_server: LiveServer, users):
    """No check-in to start from: every answer by hand. Counted for the report; Save is always in the window."""
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=30)
    _open_form(page, live_server, users)
    save = page.get_by_role("button", name="Save check-in")
    top, bottom = save.evaluate("e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }")
    assert top >= 0 and bottom <= HEIGHT, (top, bottom)  # in reach before anything is filled in
    walk = Walk(page)
    walk.pick(page.get_by_role("combobox", name="Client code"), code, "client")
    walk.click(option_button(page, "ci_mode", "Phone"), "contact mode")
    for sign in SIGNS:
        walk.click(page.get_by_text(sign, exact=False), sign)
    walk.click(page.locator(".st-key-ci_harm").get_by_text("Some contact", exact=True), "harm contact")
    _finish(walk, page, code, f"checkin-first-{live_server.backend}")
    print(f"\nfirst check-in at {WIDTH}x{HEIGHT}: {walk.actions} actions, {walk.scrolls} scrolls")
    saved, items, referrals, note = _saved(live_server.database_url, code)
    assert items == SIGN_CODES and referrals == ["ndvh"] and note == NOTE


def _in_window(target: Locator) -> bool:
    top, bottom = target.evaluate("e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; }")
    return top >= 0 and bottom <= HEIGHT


def test_problems_are_summed_up_by_save_and_each_link_goes_to_its_field(page: Page, live_server: LiveServer,
                                                                         users):
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=30)
    _open_form(page, live_server, users)
    run_and_wait(page, lambda: page.get_by_role("combobox", name="Client code").click())
    box = page.get_by_role("combobox", name="Client code")
    box.press_sequentially(code)
    run_and_wait(page, lambda: box.press("Enter"))
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    bar = page.locator(".st-key-ci_savebar")
    expect(bar).to_contain_text("3 things to fix")
    expect(page.get_by_text("or “Not known” if you are not sure", exact=False)).to_have_count(1)
    assert _in_window(bar.get_by_text("3 things to fix", exact=False))  # by Save, where the person is
    page.mouse.move(5, 5)
    page.screenshot(path=str(SCREENSHOTS / f"checkin-errors-{live_server.backend}-window.png"))
    screenshot(page, f"checkin-errors-{live_server.backend}")
    concern = page.locator(".st-key-ci_concern")
    assert not _in_window(concern)
    bar.get_by_role("link", name="Level of concern").click()
    expect(page).to_have_url(re.compile("#ci-fix-concern$"))
    page.wait_for_function("() => { const e = document.querySelector('.st-key-ci_concern').getBoundingClientRect();"
                           f" return e.top >= 0 && e.bottom <= {HEIGHT}; }}")
    assert _in_window(page.locator("#ci-fix-concern"))
    page.screenshot(path=str(SCREENSHOTS / f"checkin-errors-{live_server.backend}-after-link.png"))
    bar.get_by_role("link", name="How you were in contact").click()
    page.wait_for_function("() => { const e = document.querySelector('.st-key-ci_mode').getBoundingClientRect();"
                           f" return e.top >= 0 && e.bottom <= {HEIGHT}; }}")
    expect(page.get_by_role("combobox", name="Client code")).to_have_value(code)  # nothing lost on the way
    with get_database(live_server.database_url).reading() as s:
        assert s.scalar(select(CheckIn.id)) is None


FOCUSED_BORDER = "rgb(29, 78, 216)"  # dashboard/checkin_form.py FOCUS, #1d4ed8
RED = "rgb(180, 35, 24)"  # the theme's primary colour


def test_a_focused_box_has_a_blue_border_not_red(page: Page, live_server: LiveServer, users):
    seed_client(live_server.database_url, users["advocate"][0], days_ago=30)
    _open_form(page, live_server, users)
    boxes = {
        "client": (page.get_by_role("combobox", name="Client code"), ".st-key-ci_client .react-aria-ComboBox > div"),
        "date": (page.get_by_role("spinbutton", name="day, Date"), ".st-key-ci_date [data-testid=stDateInputField]"),
        "note": (page.get_by_role("textbox", name="Note (optional)"),
                 ".st-key-ci_note [data-testid=stTextAreaRootElement]"),
    }
    for name, (box, frame) in boxes.items():
        box.focus()
        colour = page.locator(frame).first.evaluate("e => getComputedStyle(e).borderTopColor")
        ring = page.locator(frame).first.evaluate("e => getComputedStyle(e).boxShadow")
        assert colour == FOCUSED_BORDER and colour != RED, (name, colour)
        assert FOCUSED_BORDER in ring, (name, ring)  # a ring a keyboard user can see, 2 px in all
        if name == "client":
            page.screenshot(path=str(SCREENSHOTS / f"checkin-focus-{live_server.backend}-window.png"))
        page.keyboard.press("Escape")


def test_the_correction_form_on_the_timeline_keeps_save_in_reach(page: Page, live_server: LiveServer, users):
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=30, concern="high",
                       items=sorted(SIGN_CODES))
    _open_form(page, live_server, users)
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Client timeline"))
    box = page.get_by_role("combobox", name="Client", exact=True)
    box.click()
    box.press_sequentially(code)
    run_and_wait(page, lambda: box.press("Enter"))
    run_and_wait(page, lambda: page.get_by_test_id("stExpander").first.locator("summary").click())
    click_and_wait(page, page.get_by_role("button", name="Correct this check-in"))
    save = page.get_by_role("button", name="Save correction")
    save.wait_for()
    page.locator(".st-key-tl_concern").scroll_into_view_if_needed()
    assert _in_window(save)  # the bar sticks inside the card too
    screenshot(page, f"checkin-correction-{live_server.backend}")
    run_and_wait(page, lambda: page.locator(".st-key-tl_concern").get_by_text("Moderate", exact=True).click())
    expect(page.locator(".st-key-tl_due_choice").get_by_role("radio", name="On a date I choose")).to_be_checked()
    click_and_wait(page, save)
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Correction saved", exact=False)).to_be_visible()
