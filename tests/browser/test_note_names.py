"""Names in a note, in a real browser: a name is refused and highlighted, reworded and saved; "Hope" the word
saves as written; a word the advocate confirms is no one's name saves too, and the log counts it without it."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from models.startup import get_database
from models.store.entities import AuditEvent, CheckIn, Client
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

NOTE_WITH_NAME = "Her ex, Darnell, keeps texting her from new numbers. Hope she blocks them tonight."
NOTE_REWORDED = "Her ex keeps texting her from new numbers. Hope she blocks them tonight."
NOTE_WITH_WORD = "Talked about Faith and how it keeps her going."


def _saved_notes(database_url: str, code: str) -> list[str]:
    db = get_database(database_url)
    with db.reading() as s:
        rows = s.scalars(select(CheckIn).join(Client).where(Client.code == code).order_by(CheckIn.id)).all()
        return [db.notes.decrypt(r.note) for r in rows]


def _fill_and_save(page: Page, code: str, text: str) -> None:
    fill_check_in(page, code=code, note=text)
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))


def test_a_name_is_refused_highlighted_reworded_and_saved(page: Page, live_server: LiveServer, users):
    code = seed_client(live_server.database_url, users["advocate"][0], days_ago=10)
    shot = f"note-names-{live_server.backend}"
    open_app(page, live_server.url)
    sign_in(page, *users["advocate"])
    click_and_wait(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Record a check-in"))

    # 1. A name: refused, the name highlighted (and only the name: "Hope" the word is not), nothing saved.
    _fill_and_save(page, code, NOTE_WITH_NAME)
    expect(page.get_by_text("The note seems to include a person's name", exact=False)).to_be_visible()
    marks = page.locator("mark.screening-finding")
    expect(marks).to_have_count(1)
    expect(marks.first).to_have_text("Darnell")
    expect(marks.first).to_have_attribute("data-kind", "name")
    expect(page.get_by_text("write 'her partner', 'her sister'", exact=False).first).to_be_visible()
    expect(page.get_by_role("textbox", name="Note (optional)")).to_have_value(NOTE_WITH_NAME)
    assert _saved_notes(live_server.database_url, code) == []
    marks.first.scroll_into_view_if_needed()
    screenshot(page, f"{shot}-1-name-refused")

    # 2. Reworded: saved, with "Hope" as written.
    note = page.get_by_role("textbox", name="Note (optional)")
    note.fill(NOTE_REWORDED)
    run_and_wait(page, lambda: note.press("Tab"))
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False)).to_be_visible()
    assert _saved_notes(live_server.database_url, code) == [NOTE_REWORDED]
    screenshot(page, f"{shot}-2-reworded-saved")

    # 3. A word the screening reads as a name: the advocate confirms it is not one, and the note saves.
    _fill_and_save(page, code, NOTE_WITH_WORD)
    expect(page.locator("mark.screening-finding")).to_have_text(["Faith"])
    box = page.get_by_role("checkbox", name="“Faith” is not a person's name")
    found = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert [v["id"] for v in found if v["impact"] in ("serious", "critical")] == []  # the findings and the box
    # As a person does: click the words beside the box (the input itself is drawn hidden under Streamlit's box).
    run_and_wait(page, lambda: page.get_by_text("“Faith” is not a person's name", exact=True).click())
    expect(box).to_be_checked()
    screenshot(page, f"{shot}-3-not-a-name-ticked")
    click_and_wait(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text(f"Check-in for {code} saved.", exact=False)).to_be_visible()
    assert _saved_notes(live_server.database_url, code) == [NOTE_REWORDED, NOTE_WITH_WORD]
    with get_database(live_server.database_url).reading() as s:
        details = list(s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "note_name_dismissed")))
    assert len(details) == 1 and details[0].endswith("name finding dismissed: 1") and "Faith" not in details[0]
