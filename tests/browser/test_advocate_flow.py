"""An advocate's day in a real browser: add a client, record a check-in that needs a crisis response, be stopped
by a phone number in the note and fix it without retyping, find the overdue client first, correct a check-in."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.startup import get_database
from models.store.entities import CheckIn, Client
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    click_and_wait,
    fill_check_in,
    open_app,
    run_and_wait,
    screenshot,
    seed_client,
    sign_in,
)

CODE = re.compile(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}")
NOTE_WITH_PHONE = ("Talked about the weekend. She wants to stay with her sister, who she said is on "
                   "(555) 201-3344, and felt calmer by the end.")
NOTE_FIXED = "Talked about the weekend. She wants to stay with her sister and felt calmer by the end."


def _type_date(page: Page, label: str, value: date) -> None:
    """Streamlit's date field is three spin buttons (year, month, day): type into each, as a person would."""
    def act() -> None:
        for part, digits in (("year", f"{value.year:04d}"), ("month", f"{value.month:02d}"),
                             ("day", f"{value.day:02d}")):
            page.get_by_role("spinbutton", name=f"{part}, {label}").click()
            page.keyboard.type(digits)
        page.keyboard.press("Escape")
        page.get_by_role("heading").first.click()  # leaving the field commits the date
    run_and_wait(page, act)
    expect(page.get_by_role("spinbutton", name=f"day, {label}")).to_have_attribute("aria-valuenow", str(value.day))


def test_advocate_adds_a_client_records_check_ins_and_corrects_one(page: Page, live_server: LiveServer, users):
    # Another client of the same advocate, checked in yesterday and not due: the overdue one must come first.
    seed_client(live_server.database_url, users["advocate"][0], days_ago=10, occurred_at=utcnow() - timedelta(days=1),
                concern="low")
    shot = f"advocate-{live_server.backend}"
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    nav = page.get_by_test_id("stSidebarNav")

    # 1. A new client: the app makes the code and shows it once.
    click_and_wait(page, nav.get_by_role("link", name="New client"))
    expect(page.get_by_role("heading", name="Open a new client")).to_be_visible()
    for word in ("name", "birth", "address", "phone"):  # no field asks who the person is
        expect(page.get_by_label(re.compile(word, re.IGNORECASE))).to_have_count(0)
    run_and_wait(page, lambda: page.get_by_text("Intimate partner or ex-partner", exact=True).click())
    _type_date(page, "Opened on", date.today() - timedelta(days=30))
    click_and_wait(page, page.get_by_role("button", name="Open client and make a code"))
    shown = page.get_by_test_id("stCode").first.inner_text().strip()
    assert CODE.fullmatch(shown), shown
    code = shown
    screenshot(page, f"{shot}-1-new-client-code")

    # 2. A check-in 20 days ago with a flagged item: the crisis panel shows before anything is saved.
    click_and_wait(page, page.get_by_role("link", name="Record the first check-in"))
    expect(page.get_by_role("heading", name="Record a check-in")).to_be_visible()
    expect(page.get_by_role("combobox", name="Client code")).to_have_value(code)
    _type_date(page, "Date", date.today() - timedelta(days=20))
    run_and_wait(page, lambda: page.get_by_text("Defends or explains away", exact=False).click())
    run_and_wait(page, lambda: page.get_by_text("Has had thoughts of suicide", exact=False).click())
    panel = page.locator(".st-key-ci_crisis")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(panel).to_contain_text("Are you thinking about ending your life?")
    panel.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-2-crisis-panel")

    # 3. The rest of the form, with a phone number in the note: refused, highlighted, nothing lost.
    fill_check_in(page, concern="High", note=NOTE_WITH_PHONE)
    note = page.get_by_role("textbox", name="Note (optional)")
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text("The note seems to include a phone number", exact=False)).to_be_visible()
    expect(page.locator("mark")).to_contain_text("(555) 201-3344")
    expect(note).to_have_value(NOTE_WITH_PHONE)
    expect(page.get_by_role("checkbox", name=re.compile("Has had thoughts of suicide"))).to_be_checked()
    with get_database(live_server.database_url).reading() as s:
        assert s.scalar(select(CheckIn.id).join(Client).where(Client.code == code)) is None
    page.locator("mark").first.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-3-phone-in-note-refused")

    # 4. Remove just the number and save: one check-in, the form is cleared, the client needs attention.
    note.fill(NOTE_FIXED)
    run_and_wait(page, lambda: note.press("Tab"))
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False)).to_be_visible()
    expect(page.get_by_text("needs-attention list", exact=False).first).to_be_visible()
    expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value("")
    db = get_database(live_server.database_url)
    with db.reading() as s:
        saved = s.scalars(select(CheckIn).join(Client).where(Client.code == code)).all()
    assert len(saved) == 1 and saved[0].needs_attention
    assert saved[0].note != NOTE_FIXED and db.notes.decrypt(saved[0].note) == NOTE_FIXED  # encrypted at rest
    screenshot(page, f"{shot}-4-saved")

    # 5. My caseload: the overdue client comes first, clearly marked.
    click_and_wait(page, nav.get_by_role("link", name="My caseload"))
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    expect(page.get_by_text("2 open clients, 1 overdue", exact=False)).to_be_visible()
    screenshot(page, f"{shot}-5-caseload-overdue-first")

    # 6. The grid is drawn on a canvas, so its first row is checked the way a person does: select it, and the
    # timeline that opens must be the overdue client's (the calm one is due later and must not be first).
    box = table.bounding_box()
    assert box is not None
    run_and_wait(page, lambda: page.mouse.click(box["x"] + 18, box["y"] + 35 + 17))
    expect(page.get_by_role("heading", name="Client timeline")).to_be_visible()
    expect(page.get_by_role("heading", name=code)).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    expect(page.get_by_text("Chart in words", exact=False)).to_be_visible()
    screenshot(page, f"{shot}-6-timeline")

    # 7. Correct the check-in: concern was high, make it moderate; the earlier version is kept.
    run_and_wait(page, lambda: page.get_by_test_id("stExpander").first.locator("summary").click())
    click_and_wait(page, page.get_by_role("button", name="Correct this check-in"))
    run_and_wait(page, lambda: page.locator(".st-key-tl_concern").get_by_text("Moderate", exact=True).click())
    click_and_wait(page, page.get_by_role("button", name="Save correction"))
    expect(page.get_by_test_id("stAlertContentSuccess").get_by_text("Correction saved", exact=False)).to_be_visible()
    with get_database(live_server.database_url).reading() as s:
        row = s.scalars(select(CheckIn).join(Client).where(Client.code == code)).one()
    assert row.concern == "moderate" and row.version == 2
    expect(page.get_by_test_id("stExpander").first).to_contain_text(re.compile("concern moderate.*corrected"))
    run_and_wait(page, lambda: page.get_by_text("Show correction history", exact=True).click())
    expect(page.get_by_text("level of concern: High → Moderate", exact=False)).to_be_visible()
    screenshot(page, f"{shot}-7-corrected-with-history")
