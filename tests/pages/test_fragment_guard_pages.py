"""ui.fragment_guard: when only a fragment reruns (a tick on the check-in form), app.py does not run, so the guard
resumes the session itself, at most every FRAGMENT_RECHECK_SECONDS, and an ended session goes to the sign-in page.

AppTest always runs the whole script, so the script below stands in for app.py (the sign-in page when the tab has
no token, the guarded fragment body otherwise) and ui.fragment_rerun is told whether this run is a fragment's own.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import ui
from models.base.settings import Settings
from models.services import auth
from tests.pages.helpers import PASSWORD, texts

pytestmark = pytest.mark.pages


def _script() -> None:
    import streamlit as st

    from dashboard import ui

    if not st.session_state.get(ui.TOKEN_KEY):
        st.markdown("Sign-in page. " + str(st.session_state.get(ui.NOTICE_KEY)))
    else:
        st.session_state.setdefault(ui.BOUND_KEY, ui.connection_print())
        with ui.fragment_guard():
            st.markdown("The form.")


@pytest.fixture
def tab(app, db, people, monkeypatch):  # type: ignore[no-untyped-def]
    """A tab signed in as the advocate, and a count of the times the guard asked the database for the session."""
    app()  # sets this test's database for the app
    signed = auth.sign_in(db, Settings.from_env(), "ada", PASSWORD)
    asked: list[str] = []
    real = auth.resume

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        asked.append("resume")
        return real(*args, **kwargs)

    monkeypatch.setattr(auth, "resume", counting)
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state[ui.TOKEN_KEY] = signed.token
    return at, signed, asked


def test_a_full_run_passes_through_without_asking_the_database(tab, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, _, asked = tab
    monkeypatch.setattr(ui, "fragment_rerun", lambda: False)
    at.run()
    assert not at.exception
    assert "The form." in texts(at)
    assert asked == []


def test_a_fragment_rerun_resumes_the_session_then_waits_before_asking_again(tab, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, signed, asked = tab
    monkeypatch.setattr(ui, "fragment_rerun", lambda: True)
    at.run()
    assert not at.exception
    assert "The form." in texts(at) and asked == ["resume"]
    assert at.session_state["_wp_state"].actor.user_id == signed.actor.user_id
    at.run()  # a second tick within FRAGMENT_RECHECK_SECONDS: nothing asked
    assert "The form." in texts(at) and asked == ["resume"]

    auth.sign_out(db, signed.token)  # ended elsewhere; the next look finds it and the whole app shows sign-in
    at.session_state[ui.CHECKED_AT_KEY] = at.session_state[ui.CHECKED_AT_KEY] - ui.FRAGMENT_RECHECK_SECONDS - 1
    at.run()
    assert not at.exception
    assert asked == ["resume", "resume"]
    assert "The form." not in texts(at)
    assert ui.SESSION_ENDED in texts(at)
