"""A missing or wrong note key stops the app with a plain message on the first page, never mid-page."""

from __future__ import annotations

import pytest

from models.startup import check_note_key
from models.store.note_cipher import new_key
from tests.pages.helpers import advocate_client, open_page, sign_in, texts


def _start_with_keys(app, db, monkeypatch, tmp_path, keys: str):  # type: ignore[no-untyped-def]
    check_note_key(db)  # the database's first start, with the right key, recorded the key check
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


def test_a_note_this_server_cannot_open_is_a_plain_sentence_mid_session(app, db, people, content):
    """Another instance rotated to a key this one does not have yet: the page says so, nothing crashes."""
    from sqlalchemy import update

    from dashboard.ui import NOTE_KEY_PROBLEM
    from models.store.entities import CheckIn
    from models.store.note_cipher import NoteCipher

    code = advocate_client(db, content, people, days_ago=5, concern="low", note="Words this server cannot open.")
    check_note_key(db)  # this server started with the key all notes had then
    with db.writing() as s:
        s.execute(update(CheckIn).values(note=NoteCipher([new_key()]).encrypt("Words this server cannot open.")))
    at = open_page(app, "ada", "client")
    at.selectbox(key="tl_code").select(code).run()
    assert not at.exception
    assert NOTE_KEY_PROBLEM in [e.value for e in at.error]
    assert "Words this server" not in texts(at)
