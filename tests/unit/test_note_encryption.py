"""Notes at rest: encrypted in every place they are stored, opened only for allowed readers, rotated by command."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from models.base.settings import Settings
from models.rules.permissions import PermissionDenied
from models.services.checkins import check_in_history, client_timeline, correct_check_in, get_check_in, record_check_in
from models.services.note_keys import rotate_note_key
from models.startup import check_note_key
from models.store.database import Database
from models.store.entities import AuditEvent, CheckInRevision
from models.store.migrate import current_revision, downgrade, upgrade, upgrade_database
from models.store.note_cipher import NoteCipher, NoteKeyError, fingerprint, new_key
from tests.unit.helpers import checkin_form, key

SECRET_WORDS = "Talked through the plan for the weekend at the library"
LATER_WORDS = "Plan changed: the cousin will drive"


def raw_notes(db: Database) -> list[str]:
    with db.reading() as s:
        notes = list(s.scalars(text("SELECT note FROM check_ins ORDER BY id")))
        snapshots = [str(r) for r in s.scalars(text("SELECT snapshot FROM check_in_revisions ORDER BY id"))]
    return notes + snapshots


@pytest.fixture
def corrected(db, people, content, client):
    """One check-in with a note, corrected once to new words: a note in the row and one in the history."""
    saved = record_check_in(db, people.ada, content, checkin_form(client, note=SECRET_WORDS), submission_key=key())
    correct_check_in(db, people.ada, content, saved.id,
                     checkin_form(client, occurred_at=saved.occurred_at, note=LATER_WORDS), expected_version=1)
    return saved.id


def test_no_note_is_stored_in_plain_text_anywhere(db, corrected, database_url):
    stored = raw_notes(db)
    assert len(stored) == 2
    assert not any(SECRET_WORDS in value or LATER_WORDS in value for value in stored)
    assert stored[0].startswith("gAAAAA")  # a Fernet token
    if database_url.startswith("sqlite"):
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        with open(database_url.removeprefix("sqlite:///"), "rb") as f:
            raw = f.read()
        assert b"Talked through" not in raw and b"cousin" not in raw


def test_allowed_readers_see_the_words_and_others_are_refused(db, people, content, client, corrected):
    assert get_check_in(db, people.ada, corrected).note == LATER_WORDS
    assert client_timeline(db, people.sam, content, client).check_ins[0].note == LATER_WORDS
    [revision] = check_in_history(db, people.ada, corrected)
    assert revision.previous["note"] == SECRET_WORDS
    assert [c.field for c in revision.changes] == ["note"]
    for outsider in (people.bo, people.alex):  # another advocate; an admin has no client records
        with pytest.raises(PermissionDenied):
            client_timeline(db, outsider, content, client)
        with pytest.raises(PermissionDenied):
            get_check_in(db, outsider, corrected)


def test_an_unchanged_note_is_not_a_change(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client, note=SECRET_WORDS), submission_key=key())
    same = correct_check_in(db, people.ada, content, saved.id,
                            checkin_form(client, occurred_at=saved.occurred_at, note=SECRET_WORDS), expected_version=1)
    assert same.version == 1  # a fresh token for the same words must not count as an edit
    with db.reading() as s:
        assert s.scalars(select(CheckInRevision)).all() == []


def test_a_missing_key_stops_start_up_with_a_plain_message(database_url):
    keyless = Database(database_url, note_keys=())
    try:
        with pytest.raises(NoteKeyError, match="no note key.*WAYPOINT_NOTE_KEYS"):
            check_note_key(keyless)
    finally:
        keyless.dispose()


def test_a_wrong_key_is_caught_at_start_up_even_before_any_note_exists(db, database_url):
    check_note_key(db)  # first start records the key check
    other = new_key()
    wrong = Database(database_url, note_keys=(other,))
    try:
        with pytest.raises(NoteKeyError, match="not the one this database") as caught:
            check_note_key(wrong)
        assert other not in str(caught.value) and os.environ["WAYPOINT_NOTE_KEYS"] not in str(caught.value)
    finally:
        wrong.dispose()


def test_two_instances_starting_at_once_on_a_new_database_both_start(db, database_url):
    """Found by the load bench: both inserted the key check row, and the second failed its start-up."""
    from models.store.note_cipher import verify

    second = Database(database_url)
    first_checked, errors = threading.Event(), []

    def start_second() -> None:
        first_checked.wait(10)
        try:
            with second.writing() as s:  # waits for the first start's transaction, then finds its row
                verify(s, second.notes)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever stopped it
            errors.append(exc)

    worker = threading.Thread(target=start_second)
    worker.start()
    try:
        with db.writing() as s:
            verify(s, db.notes)
            first_checked.set()
            time.sleep(0.5)  # the second start is now waiting on this transaction
        worker.join(20)
        assert errors == []
        with db.reading() as s:
            assert s.scalar(text("SELECT count(*) FROM note_key_check")) == 1
    finally:
        first_checked.set()
        worker.join(20)
        second.dispose()


def test_a_wrong_key_on_a_database_with_notes_but_no_check_row_is_caught(db, database_url, corrected):
    with db.writing() as s:
        s.execute(text("DELETE FROM note_key_check"))
    wrong = Database(database_url, note_keys=(new_key(),))
    try:
        with pytest.raises(NoteKeyError, match="cannot be opened"):
            check_note_key(wrong)
    finally:
        wrong.dispose()


@pytest.mark.parametrize("bad", ["not-a-key", "", "x" * 44, "é" * 44])
def test_a_malformed_key_is_named_by_position_and_not_repeated(bad):
    with pytest.raises(NoteKeyError, match="Note key number 2") as caught:
        NoteCipher([new_key(), bad or " "])
    assert bad == "" or bad not in str(caught.value)


def test_settings_read_keys_from_the_variable_or_the_file_and_never_show_them(tmp_path):
    one, two = new_key(), new_key()
    settings = Settings.from_env({"WAYPOINT_NOTE_KEYS": f" {one} , {two} "})
    assert settings.note_keys == (one, two)
    assert one not in repr(settings)
    key_file = tmp_path / "note.key"
    key_file.write_text(f"# comment\n{two}\n\n{one}\n")
    assert Settings.from_env({"WAYPOINT_NOTE_KEY_FILE": str(key_file)}).note_keys == (two, one)
    assert Settings.from_env({"WAYPOINT_NOTE_KEY_FILE": str(tmp_path / "absent")}).note_keys == ()


def test_rotation_rewrites_every_note_with_the_new_key(db, people, content, client, corrected, database_url):
    old = db.notes.keys[0]
    check_note_key(db)
    before = raw_notes(db)
    new = new_key()
    both = Database(database_url, note_keys=(new, old))
    only_new = Database(database_url, note_keys=(new,))
    only_old = Database(database_url, note_keys=(old,))
    try:
        with pytest.raises(PermissionDenied):
            rotate_note_key(both, people.ada)
        assert raw_notes(db) == before
        assert rotate_note_key(both, people.alex) == 2  # the note and the one kept in the history
        after = raw_notes(db)
        assert after != before and not any(LATER_WORDS in v or SECRET_WORDS in v for v in after)
        check_note_key(only_new)
        assert client_timeline(only_new, people.ada, content, client).check_ins[0].note == LATER_WORDS
        assert check_in_history(only_new, people.ada, corrected)[0].previous["note"] == SECRET_WORDS
        with pytest.raises(NoteKeyError):
            check_note_key(only_old)
        with db.reading() as s:
            rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "note_key_rotated")
                             .order_by(AuditEvent.id)).all()
        assert [r.outcome for r in rows] == ["denied", "ok"]
        assert rows[1].detail == f"2 notes rewritten with key {fingerprint(new)}"
        assert not any(k in (r.detail or "") for r in rows for k in (new, old))
    finally:
        for d in (both, only_new, only_old):
            d.dispose()


def test_rotation_without_the_old_key_changes_nothing(db, people, corrected, database_url):
    before = raw_notes(db)
    stranger = Database(database_url, note_keys=(new_key(),))
    try:
        with pytest.raises(NoteKeyError, match="Keep the old key"):
            rotate_note_key(stranger, people.alex)
        assert raw_notes(db) == before
    finally:
        stranger.dispose()


def test_migration_0005_encrypts_notes_written_before_it(db, corrected, database_url):
    downgrade(db.engine, "0004")
    with db.writing() as s:  # what an older version left behind: plain notes in rows and history
        s.execute(text("UPDATE check_ins SET note = :n"), {"n": SECRET_WORDS})
        revision = s.scalars(select(CheckInRevision)).one()
        revision.snapshot = {**revision.snapshot, "note": LATER_WORDS}
    keyless = Database(database_url, note_keys=())
    try:
        with pytest.raises(NoteKeyError, match="not encrypted yet"):
            upgrade_database(keyless)
        assert current_revision(db.engine) == "0004"  # refused whole: nothing half-encrypted
        assert SECRET_WORDS in raw_notes(db)[0]
    finally:
        keyless.dispose()
    upgrade(db.engine, note_cipher=db.notes)
    stored = raw_notes(db)
    assert not any(SECRET_WORDS in v or LATER_WORDS in v for v in stored)
    assert db.notes.decrypt(stored[0]) == SECRET_WORDS
    with db.reading() as s:
        assert db.notes.decrypt(s.scalars(select(CheckInRevision)).one().snapshot["note"]) == LATER_WORDS


def test_the_commands_make_a_key_file_once_and_rotate(db, people, corrected, database_url, tmp_path,
                                                      monkeypatch, capsys):
    from dashboard.cli import main

    assert main(["note-key", "new"]) == 0
    Fernet(capsys.readouterr().out.strip())  # a valid key
    key_file = tmp_path / "keys" / "note.key"
    monkeypatch.delenv("WAYPOINT_NOTE_KEYS")
    monkeypatch.setenv("WAYPOINT_NOTE_KEY_FILE", str(key_file))
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert main(["note-key", "ensure"]) == 0
    made = key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and "back it up" in capsys.readouterr().out
    assert main(["note-key", "ensure"]) == 0 and key_file.read_text() == made  # never overwritten
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("WAYPOINT_NOTE_KEY_FILE", str(tmp_path / "none.key"))
    assert main(["note-key", "ensure"]) == 1  # several instances must share one key: never made silently
    assert "same key" in capsys.readouterr().err

    old, new = os.environ.get("WAYPOINT_NOTE_KEYS") or db.notes.keys[0], new_key()
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYPOINT_NOTE_KEYS", f"{new},{old}")
    assert main(["rotate-note-key", "--admin", "alex"]) == 0
    assert f"Rewrote 2 notes with key {fingerprint(new)}" in capsys.readouterr().out
    assert Database(database_url, note_keys=(new,)).notes.decrypt(raw_notes(db)[0]) == LATER_WORDS


def test_a_demo_database_holds_only_encrypted_notes(database_url, content):
    from models.services.demo import load_demo

    demo = Database(database_url)
    try:
        load_demo(demo, content, clients=3, seed=7)
        stored = [n for n in raw_notes(demo) if n]
        assert stored and all(n.startswith("gAAAAA") for n in stored)
    finally:
        demo.dispose()


def test_a_note_written_long_ago_still_opens():
    """Fernet tokens carry the time they were made; Waypoint never sets a time limit, so old notes open."""
    key = new_key()
    token = Fernet(key).encrypt_at_time(b"old words", 0).decode()
    assert NoteCipher([key]).decrypt(token) == "old words"
