"""How long a realistic check-in takes in a real browser at 1280x720, in actions and scrolls (issue 17, item 4).

A check-in is meant to take about a minute. The walk counts what a person does, not what they type: every click and
every key press that picks something (Enter in a list), but no typed characters; and every time the next thing to
act on was outside the 1280x720 window and had to be scrolled to (measured from its bounding box before each
action). The figures are printed (run with -s to see them) and the check-in must be saved as chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from models.startup import get_database
from models.store.entities import CheckIn, CheckInItem, CheckInReferral, Client
from tests.browser.conftest import LiveServer
from tests.browser.helpers import click_and_wait, open_app, run_and_wait, screenshot, seed_client, sign_in

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

    def pick_many(self, box: Locator, text: str, what: str) -> None:
        """A list that stays open for more: as pick, then Escape to close it."""
        self.pick(box, text, what)
        self.actions += 1
        box.press("Escape")

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


def test_a_realistic_check_in_takes_few_actions(page: Page, live_server: LiveServer, users):
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=30)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Record a check-in"))
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()
    page.mouse.move(5, 5)
    height = _form_height(page)

    walk = Walk(page)
    walk.pick(page.get_by_role("combobox", name="Client code"), code, "client")
    walk.pick(page.get_by_role("combobox", name="How you were in contact"), "Phone", "contact mode")
    for sign in SIGNS:
        walk.click(page.get_by_text(sign, exact=False), sign)
    walk.click(page.locator(".st-key-ci_harm").get_by_text("Some contact", exact=True), "harm contact")
    walk.click(page.locator(".st-key-ci_concern").get_by_text("High", exact=True), "concern")
    walk.pick_many(page.get_by_role("combobox", name="Referrals offered"), "National Domestic", "referral")
    walk.type_into(page.get_by_role("textbox", name="Note (optional)"), NOTE, "note")
    screenshot(page, f"checkin-speed-{live_server.backend}-before-save")
    walk.click(page.get_by_role("button", name="Save check-in").last, "save")
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False).first).to_be_visible()
    screenshot(page, f"checkin-speed-{live_server.backend}-saved")

    print(f"\ncheck-in at {WIDTH}x{HEIGHT}: {walk.actions} actions, {walk.scrolls} scrolls, form {height} px tall "
          f"({', '.join(walk.steps)})")
    db = get_database(live_server.database_url)
    with db.reading() as s:
        saved = s.scalars(select(CheckIn).join(Client).where(Client.code == code)).one()
        items = set(s.scalars(select(CheckInItem.code).where(CheckInItem.check_in_id == saved.id)))
        referrals = list(s.scalars(select(CheckInReferral.resource_code)
                                   .where(CheckInReferral.check_in_id == saved.id)))
    assert items == SIGN_CODES
    assert (saved.contact_mode, saved.harm_contact, saved.concern) == ("phone", "some", "high")
    assert referrals == ["ndvh"]
    assert db.notes.decrypt(saved.note) == NOTE
