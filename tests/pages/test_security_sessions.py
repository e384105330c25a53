"""Issue 15, item 1: a check-in typed while the session ended is kept for the same person, and only for them.

Every way a tab is signed out without asking (an admin ended the session, the idle limit, the absolute limit, the
connection changed) keeps the unsaved form in this tab's memory; after the same account signs in again, Home and
"Record a check-in" say it is waiting, with Restore and Discard. An explicit "Sign out" discards it and says so,
anyone else signing in on the tab never sees it, it expires, and nothing of it reaches the database or the audit log.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models.services.account_admin import end_sessions
from models.store.entities import AuditEvent, AuthSession, CheckIn
from tests.pages.helpers import (
    PASSWORD,
    actor,
    advocate_client,
    count_rows,
    fill_check_in,
    open_page,
    texts,
)

pytestmark = pytest.mark.pages

NOTE = "Talked through the plan for the weekend at the library."
WAITING = "Your unsaved check-in for client {code} is waiting"


def _typed(app, db, people, content):  # type: ignore[no-untyped-def]
    """Ada's check-in page with a check-in typed and not saved; returns (the tab, the client code)."""
    code = advocate_client(db, content, people, days_ago=20)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, note=NOTE, concern="high")
    at.run()
    assert at.text_area(key="ci_note").value == NOTE
    return at, code


def _age(db, **fields: timedelta) -> None:  # type: ignore[no-untyped-def]
    """Move every session's clock back, as if time had passed without anyone touching the app."""
    with db.writing() as s:
        for row in s.scalars(select(AuthSession)):
            for name, by in fields.items():
                setattr(row, name, getattr(row, name) - by)


def _sign_in_here(at, username: str = "ada"):  # type: ignore[no-untyped-def]
    """Sign in on the same tab (the same browser session), as a person coming back to it does."""
    assert at.text_input(key="signin_username"), "not on the sign-in page"
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at


def _nothing_saved_or_recorded(db) -> None:  # type: ignore[no-untyped-def]
    assert count_rows(db, CheckIn) == 0
    assert count_rows(db, AuditEvent, AuditEvent.action == "check_in_recorded") == 0
    with db.reading() as s:  # the draft itself never reaches the audit log
        details = " ".join(d or "" for d in s.scalars(select(AuditEvent.detail)))
    assert "library" not in details and "weekend" not in details


def _restored_on_the_check_in_page(at, code: str) -> None:  # type: ignore[no-untyped-def]
    at.switch_page("views/check_in.py").run()
    assert WAITING.format(code=code) in texts(at)
    assert at.text_area(key="ci_note").value == ""  # waiting, not poured into the form unasked
    at.button(key="draft_restore_ci").click().run()
    assert not at.exception
    assert at.text_area(key="ci_note").value == NOTE
    assert at.radio(key="ci_concern").value == "high"
    assert at.selectbox(key="ci_client").value == code
    assert "Restored what you had typed" in texts(at)
    assert WAITING.format(code=code) not in texts(at)


def _signed_out_with_draft_kept(at) -> None:  # type: ignore[no-untyped-def]
    assert at.text_input(key="signin_username")
    shown = texts(at)
    assert "kept in this tab" in shown and "for you only" in shown
    assert not at.sidebar.get("button") and not at.sidebar.get("markdown")  # nothing of the signed-in sidebar


def test_an_admin_ends_the_session_and_save_is_pressed(app, db, people, content, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    at, code = _typed(app, db, people, content)
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.button(key="ci_save").click().run()
    assert not at.exception
    _nothing_saved_or_recorded(db)
    assert "signed out before that could be saved" in texts(at)
    _signed_out_with_draft_kept(at)
    assert code not in texts(at)  # the sign-in page names no client
    _sign_in_here(at)
    assert WAITING.format(code=code) in texts(at)  # Home says where it waits
    _restored_on_the_check_in_page(at, code)
    at.button(key="ci_save").click().run()
    assert count_rows(db, CheckIn) == 1  # and it saves once restored
    assert "library" not in caplog.text  # no log record ever held the draft


def test_the_idle_limit_passes_and_any_click_signs_the_tab_out(app, db, people, content):
    at, code = _typed(app, db, people, content)
    _age(db, last_seen_at=timedelta(minutes=16))
    at.toggle(key="ci_guidance").set_value(True).run()  # any other click
    assert not at.exception
    assert "session ended" in texts(at)
    _signed_out_with_draft_kept(at)
    assert count_rows(db, AuditEvent, AuditEvent.action == "session_ended", AuditEvent.detail == "idle_timeout") == 1
    _sign_in_here(at)
    _restored_on_the_check_in_page(at, code)
    _nothing_saved_or_recorded(db)


def test_the_absolute_limit_passes_and_save_is_pressed_with_a_field_missing(app, db, people, content):
    at, code = _typed(app, db, people, content)
    at.radio(key="ci_harm").set_value(None)  # a field missing: the save refuses before any service is asked
    _age(db, expires_at=timedelta(hours=13), created_at=timedelta(hours=13))
    at.button(key="ci_save").click().run()
    assert not at.exception
    _nothing_saved_or_recorded(db)
    _signed_out_with_draft_kept(at)
    _sign_in_here(at)
    _restored_on_the_check_in_page(at, code)


def test_someone_else_signing_in_on_the_tab_never_sees_it(app, db, people, content):
    from dashboard import drafts

    at, code = _typed(app, db, people, content)
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.run()
    assert drafts.DRAFT_KEY in at.session_state
    _sign_in_here(at, "sam")
    assert code not in texts(at) and "unsaved" not in texts(at)
    assert drafts.DRAFT_KEY not in at.session_state  # gone from memory, not merely hidden
    at.sidebar.button(key="sign_out").click().run()
    _sign_in_here(at, "ada")
    assert "unsaved" not in texts(at)


def test_sign_out_discards_it_and_says_so(app, db, people, content):
    from dashboard import drafts

    at, code = _typed(app, db, people, content)
    at.sidebar.button(key="sign_out").click().run()
    assert "You are signed out. The unsaved check-in you had started was discarded." in texts(at)
    assert code not in texts(at)  # the sign-in page names no client
    assert drafts.DRAFT_KEY not in at.session_state
    _sign_in_here(at)
    assert "unsaved" not in texts(at)
    at.switch_page("views/check_in.py").run()
    assert at.text_area(key="ci_note").value == ""


def test_discard_on_home_and_expiry(app, db, people, content):
    from dataclasses import replace

    from dashboard import drafts

    at, code = _typed(app, db, people, content)
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.run()
    _sign_in_here(at)
    at.button(key="draft_discard_ci").click().run()
    assert "was discarded" in texts(at) and WAITING.format(code=code) not in texts(at)
    assert drafts.DRAFT_KEY not in at.session_state

    # Kept again, then past its time: it is not offered, and it is gone.
    at.switch_page("views/check_in.py").run()
    fill_check_in(at, code, note=NOTE)
    at.run()
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.run()
    kept = at.session_state[drafts.DRAFT_KEY]
    at.session_state[drafts.DRAFT_KEY] = tuple(replace(d, expires_at=d.expires_at - 13 * 3600) for d in kept)
    _sign_in_here(at)
    assert "unsaved" not in texts(at)
    assert drafts.DRAFT_KEY not in at.session_state


def test_a_form_only_visited_is_no_draft(app, db, people, content):
    advocate_client(db, content, people, days_ago=20)
    at = open_page(app, "ada", "check_in")
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.run()
    assert "session ended" in texts(at) and "kept in this tab" not in texts(at)


def test_the_kept_values_never_show_in_a_repr(app, db, people, content):
    from dashboard import drafts

    at, _ = _typed(app, db, people, content)
    with db.writing() as s:
        s.execute(update(AuthSession).values(ended_at=AuthSession.created_at))
    at.run()
    kept = at.session_state[drafts.DRAFT_KEY]
    assert kept and "library" not in repr(kept) and "library" not in str(kept)


def test_a_changed_connection_keeps_it_for_the_same_person(app, db, people, content, monkeypatch):
    from dashboard import ui

    at, code = _typed(app, db, people, content)
    monkeypatch.setattr(ui, "connection_print", lambda: "another address and browser")
    at.run()
    assert "connection changed" in texts(at)
    _signed_out_with_draft_kept(at)
    _sign_in_here(at)  # signing in binds the tab to the connection it has now
    _restored_on_the_check_in_page(at, code)


def test_a_new_client_form_is_kept_too(app, db, people, content):
    at = open_page(app, "ada", "new_client")
    context = content.checklist.section("contexts").items[0].code
    at.radio(key="nc_context").set_value(context).run()
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.run()
    _signed_out_with_draft_kept(at)
    _sign_in_here(at)
    assert "Your unsaved new-client form is waiting" in texts(at)
    at.switch_page("views/new_client.py").run()
    at.button(key="draft_restore_nc").click().run()
    assert not at.exception
    assert at.radio(key="nc_context").value == context
