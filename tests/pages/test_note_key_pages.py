"""A missing or wrong note key stops the app with a plain message on the first page, never mid-page."""

from __future__ import annotations

import pytest

from models.notes_crypto import new_key
from tests.pages.conftest import sign_in, texts


def _start_with_keys(app, db, monkeypatch, tmp_path, keys: str):  # type: ignore[no-untyped-def]
    db.check_note_key()  # the database's first start, with the right key, recorded the key check
    monkeypatch.setenv("WAYPOINT_NOTE_KEYS", keys)
    monkeypatch.setenv("WAYPOINT_NOTE_KEY_FILE", str(tmp_path / "no-such.key"))
    at = app()
    at.run()
    return at


@pytest.mark.parametrize("case", ["missing", "wrong", "malformed"])
def test_a_key_problem_is_a_plain_start_up_message(app, db, people, monkeypatch, tmp_path, case):
    wrong = new_key()
    keys = {"missing": "", "wrong": wrong, "malformed": "letmein"}[case]
    at = _start_with_keys(app, db, monkeypatch, tmp_path, keys)
    assert not at.exception
    shown = texts(at) + "\n".join(c.value for c in at.code)
    assert "Waypoint cannot start because a configuration or content file has a problem." in shown
    expected = {"missing": "no note key", "wrong": "not the one this database",
                "malformed": "Note key number 1 is not a valid key"}[case]
    assert expected in shown
    assert wrong not in shown and "letmein" not in shown and "Traceback" not in shown
    assert not at.text_input  # no sign-in form: nothing can be saved without the key


def test_with_the_right_key_the_app_starts(app, db, people, monkeypatch):
    at = app()
    sign_in(at, "ada")
    assert not at.exception and "Sign in" not in [b.label for b in at.button]
    assert "cannot start" not in texts(at)
