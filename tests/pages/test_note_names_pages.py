"""The check-in form with names in the note: highlighted, reworded, or confirmed as no one's name (AppTest)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.checkin_form import not_name_key
from models.base.settings import Settings
from models.content.loader import load_content
from models.store.entities import AuditEvent, CheckIn
from tests.pages.helpers import advocate_client, count_rows, fill_check_in, open_page

pytestmark = pytest.mark.pages


@pytest.fixture(scope="module")
def content():
    s = Settings.from_env()
    return load_content(s.content_dir, s.resource_packs)


def _form(app, db, people, content):  # type: ignore[no-untyped-def]
    """The check-in page with a client of ada's chosen and the rest of the form filled in, but no note yet."""
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code)
    return at


def _html(at) -> str:  # type: ignore[no-untyped-def]
    return "".join(h.proto.body for h in at.get("html"))


def test_a_name_is_highlighted_and_the_reworded_note_saves(app, db, people, content):
    at = _form(app, db, people, content)
    at.text_area(key="ci_note").input("Her ex, Darnell, keeps texting her.")
    at.button(key="ci_save").click().run()
    assert not at.exception and count_rows(db, CheckIn) == 0
    assert "a person's name" in " ".join(e.value for e in at.error)
    assert 'data-kind="name"' in _html(at) and ">Darnell</mark>" in _html(at)
    assert "her partner" in _html(at)  # the suggestion
    assert [c.label for c in at.checkbox if "not a person's name" in c.label] == ["“Darnell” is not a person's name"]
    at.text_area(key="ci_note").input("Her ex keeps texting her.")
    at.button(key="ci_save").click().run()
    assert count_rows(db, CheckIn) == 1 and count_rows(db, AuditEvent, AuditEvent.action == "note_name_dismissed") == 0


def test_a_word_confirmed_as_no_name_saves_for_that_note_and_is_audited(app, db, people, content):
    at = _form(app, db, people, content)
    note = "Talked about Faith and what keeps her going."
    at.text_area(key="ci_note").input(note)
    at.button(key="ci_save").click().run()
    assert count_rows(db, CheckIn) == 0 and ">Faith</mark>" in _html(at)
    at.checkbox(key=not_name_key("ci", "Faith")).check().run()
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert count_rows(db, CheckIn) == 1
    with db.reading() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "note_name_dismissed")).one()
    assert row.detail.endswith("name finding dismissed: 1") and "Faith" not in row.detail
    # The form is clear again, and the next note with the word is screened afresh.
    assert at.text_area(key="ci_note").value == ""
    assert not [c for c in at.checkbox if "not a person's name" in c.label]


def test_only_name_findings_offer_the_choice(app, db, people, content):
    at = _form(app, db, people, content)
    at.text_area(key="ci_note").input("Hope called from 555-201-7788; her sister Hope is scared.")
    at.button(key="ci_save").click().run()
    labels = [c.label for c in at.checkbox if "not a person's name" in c.label]
    assert labels == ["“Hope” is not a person's name"]  # one box per word, none for the phone number
    at.checkbox(key=not_name_key("ci", "Hope")).check().run()
    at.button(key="ci_save").click().run()
    assert count_rows(db, CheckIn) == 0  # the phone number still stops the save
    assert 'data-kind="phone"' in _html(at) and 'data-kind="name"' not in _html(at)
    at.text_area(key="ci_note").input("Hope called; her sister Hope is scared.")
    at.button(key="ci_save").click().run()
    assert count_rows(db, CheckIn) == 1  # the confirmation was kept while the note was reworded
