"""The admin's audit log page as Streamlit runs it: filters, table, a CSV button that audits only when clicked,
and erasing a client on request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models.services.checkins import CheckInForm, correct_check_in, get_check_in
from models.store.entities import AuditEvent, CheckIn, Client
from tests.pages.helpers import actor, advocate_client, open_page, sign_in, texts

pytestmark = pytest.mark.pages


def _actions(db) -> list[str]:
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def client_code(db, people, content) -> str:
    return advocate_client(db, content, people, days_ago=None)


def _rows(at):  # type: ignore[no-untyped-def]
    """The log's table as shown: a static table of Markdown-escaped plain text, unescaped."""
    return at.table[0].value.map(lambda v: re.sub(r"\\(.)", r"\1", str(v)))


def _admin(app):  # type: ignore[no-untyped-def]
    at = open_page(app, "alex", "audit")
    assert not at.exception
    return at


def test_admin_sees_the_log_and_filters_it(app, db, people, client_code):
    at = _admin(app)
    assert at.title[0].value == "Audit log"
    frame = _rows(at)
    assert "Opened a client" in set(frame["Action"]) and "Signed in" in set(frame["Action"])
    at.text_input(key="au_code").input(client_code.lower()).run()
    frame = _rows(at)
    assert list(frame["Action"]) == ["Opened a client"] and list(frame["About"]) == [client_code]
    at.text_input(key="au_code").input("").run()
    at.selectbox(key="au_action").select("sign_in").run()
    assert set(_rows(at)["Action"]) == {"Signed in"}
    at.text_input(key="au_person").input("nobody").run()
    assert "Nothing in the log matches" in texts(at)


def test_showing_the_download_button_exports_nothing(app, db, people, client_code):
    at = _admin(app)
    assert at.button(key="au_csv_prepare")  # the button is there (issue 15: prepared in a script run, then served)
    at.text_input(key="au_person").input("alex").run()
    assert "audit_exported" not in _actions(db)  # only a click on Prepare is an export


def test_advocates_and_supervisors_have_no_audit_page(app, people):
    for username in ("ada", "sam"):
        at = sign_in(app(), username)
        with pytest.raises(ValueError):
            at.switch_page("views/audit.py")


def test_erasing_a_client_needs_the_code_twice_and_then_leaves_no_code_behind(app, db, people, client_code):
    at = _admin(app)
    at.text_input(key="au_erase_code").input(client_code)
    at.text_input(key="au_erase_confirm").input("ZZZ-ZZZ")
    at.button(key="au_erase_submit").click().run()
    assert "The two codes differ" in texts(at)
    with db.reading() as s:
        assert s.scalar(select(Client.id).where(Client.code == client_code)) is not None
    at.text_input(key="au_erase_confirm").input(client_code)
    at.button(key="au_erase_submit").click().run()
    assert not at.exception
    assert "The client was erased" in texts(at)
    with db.reading() as s:
        assert s.scalar(select(Client.id).where(Client.code == client_code)) is None
        assert client_code not in [e.target for e in s.scalars(select(AuditEvent))]
    assert "Erased a client" in set(_rows(at)["Action"])


def test_details_name_no_check_in_ids_or_versions(app, db, people, content):
    """Issue 17 (E): "check-in 1215 to version 2: concern" read as database ids; the page says it in words, the
    stored log keeps the numbers."""
    ada = actor(people)
    code = advocate_client(db, content, people, concern="low")
    with db.reading() as s:
        first = s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "check_in_recorded"))
    assert first and re.search(r"check-in \d+", first)
    with db.reading() as s:
        check_in_id = s.scalar(select(CheckIn.id).join(Client).where(Client.code == code))
    view = get_check_in(db, ada, check_in_id)
    correct_check_in(db, ada, content, view.id,
                     CheckInForm(**{**CheckInForm.from_view(view).__dict__, "concern": "high"}),
                     expected_version=view.version)
    at = _admin(app)
    at.text_input(key="au_code").input(code).run()
    frame = _rows(at)
    details = dict(zip(frame["Action"], frame["Detail"], strict=False))
    assert details["Recorded a check-in"] == "a check-in"
    assert details["Corrected a check-in"] == "corrected: level of concern"
    assert not any(re.search(r"\d{2,}|version", str(d)) for d in frame["Detail"])
    with db.reading() as s:  # the log itself is unchanged
        stored = s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "check_in_corrected"))
    assert re.fullmatch(r"check-in \d+ to version 2: concern", stored)
