"""Issue 15 on the pages as Streamlit runs them (AppTest): typed text is plain text everywhere (item 7)."""

from __future__ import annotations

import re

import pytest

from dashboard import downloads, ui
from tests.pages.helpers import (
    PASSWORD,
    actor,
    advocate_client,
    check_in,
    fill_check_in,
    make_account,
    new_client,
    open_page,
    sign_in,
)

pytestmark = pytest.mark.pages

EVIL_NAME = "Eve ![pixel](https://tracker.example/p.png) [call me](https://evil.example) :red[x] *bold*"
# Markdown that would act: an image or a link (unescaped "](" ), emphasis, a Streamlit colour directive.
ACTIVE = re.compile(r"(?<!\\)\]\((?!\s)|(?<!\\):red(?<!\\)\[|(?<!\\)\*bold(?<!\\)\*")


def _rendered(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every element whose text Streamlit renders as Markdown, main area and sidebar, labels included."""
    out = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in at.get(kind)]
        out += [str(e.value) for e in at.sidebar.get(kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "page_link"):
        out += [str(getattr(e, "label", "") or "") for e in at.get(kind)]
    return out


@pytest.fixture
def evil(db, content):  # type: ignore[no-untyped-def]
    eve = make_account(db, "eve", "advocate", password=PASSWORD, display_name=EVIL_NAME)
    make_account(db, "sam", password=PASSWORD)
    code = new_client(db, eve, content, days_ago=20).code
    check_in(db, eve, content, code, submission_key="evil-check-in-1")
    return code


def _check(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception
    shown = _rendered(at)
    assert any("Eve" in t for t in shown), shown  # the name is there ...
    bad = [t for t in shown if "Eve" in t and ACTIVE.search(t)]
    assert not bad, bad  # ... and none of it acts as Markdown


def test_a_display_name_is_plain_text_on_home_and_sidebar(app, evil):
    at = sign_in(app(), "eve")
    _check(at)
    assert any("Welcome" in t.value and "Eve" in t.value for t in at.title)


def test_a_display_name_is_plain_text_on_the_client_page(app, evil):
    at = open_page(app, "sam", "client", code=evil)
    _check(at)
    assert any("Recorded by" in t and "Eve" in t for t in _rendered(at))
    at.switch_page("views/caseload.py").run()
    _check(at)


# --------------------------------------------------------------------------- item 1: the check at the moment of acting


def test_save_after_an_admin_ended_the_session_saves_nothing_and_keeps_the_typing(app, db, people, content):
    from sqlalchemy import func, select

    from models.services.account_admin import end_sessions
    from models.store.entities import AuditEvent, CheckIn

    code = advocate_client(db, content, people, days_ago=20)
    at = open_page(app, "ada", "check_in")
    fill_check_in(at, code, note="Talked through the plan for the weekend.")
    at.run()
    end_sessions(db, actor(people, "admin"), people["advocate"])
    at.button(key="ci_save").click().run()
    assert not at.exception
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "check_in_recorded")) == 0
    assert any("signed out before that could be saved" in i.value for i in [*at.info, *at.warning, *at.error])
    assert at.text_input(key="signin_username")  # the sign-in page
    at.text_input(key="signin_username").input("ada")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("views/check_in.py").run()
    assert not at.exception
    at.button(key="draft_restore_ci").click().run()  # it waits for Restore (test_security_sessions.py)
    assert at.text_area(key="ci_note").value == "Talked through the plan for the weekend."
    assert at.radio(key="ci_concern").value == "moderate"


# --------------------------------------------------------------------------- item 2: downloads


def _deferred_ids(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Download buttons whose file is made by a function Streamlit runs for whoever sends its id."""
    return [b.proto.deferred_file_id for b in at.get("download_button") if b.proto.deferred_file_id]


def test_the_audit_csv_is_built_in_a_run_and_served_once_with_nothing_callable_by_id(app, db, people):
    from sqlalchemy import func, select

    from models.services.account_admin import end_sessions
    from models.store.entities import AuditEvent

    def exported() -> int:
        with db.reading() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "audit_exported", AuditEvent.outcome == "ok"))

    at = open_page(app, "alex", "audit")
    assert not at.exception
    # The attack: an on-click download registers a callable that ANY connection can run by its id.
    assert _deferred_ids(at) == [] and not at.get("link_button")
    at.button(key="au_csv_prepare").click().run()
    assert exported() == 1 and len(at.get("link_button")) == 1  # built now, audited, one link
    # Never Streamlit's download button, whose file anyone may fetch from /media/ until the next run; a random
    # token on Waypoint's own route instead (dashboard/downloads.py; served in tests/browser/test_security_server.py)
    assert not at.get("download_button")
    url = at.get("link_button")[0].proto.url
    assert url.startswith("/wp-file/") and url.removeprefix("/wp-file/") in downloads.STORE
    at.run()
    assert not at.get("link_button")  # drawn once: the next run releases it
    at.button(key="au_csv_prepare").click().run()
    end_sessions(db, actor(people, "admin"), people["admin"])
    at.run()  # the session ended: the prepared file is not shown, the sign-in page is
    assert not at.get("link_button") and at.text_input(key="signin_username")
    assert exported() == 2


def test_no_file_is_prepared_for_a_page_that_came_without_the_browser_cookie(app, db, people, monkeypatch):
    """A file is bound to the HttpOnly cookie dashboard/gate.py gives the browser: a tab without one (the app
    served without dashboard/serve.py, or a client that dropped it) gets a plain refusal, and nothing is exported."""
    from sqlalchemy import func, select

    from models.store.entities import AuditEvent

    monkeypatch.setattr(ui, "browser_cookie", lambda: None)
    at = open_page(app, "alex", "audit")
    at.button(key="au_csv_prepare").click().run()
    assert not at.exception and not at.get("link_button") and not at.get("download_button")
    assert [e.value for e in at.error] == [ui.NO_BROWSER_COOKIE]
    with db.reading() as s:
        assert not s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "audit_exported"))
