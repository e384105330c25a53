"""Issue 15, item 8: the database, its journals and backups are readable by this account only.

The attack: another account on the same machine copies data/waypoint.db (0644 in a 0755 directory) and reads
client codes, concern levels, checklist items and password hashes. File modes are a SQLite matter (PostgreSQL
keeps its files in its own 0700 data directory), so these tests run on SQLite files; the PostgreSQL run of the
issue's other items covers the server side.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from dashboard import cli
from models.services.backup import backup_sqlite, restore_sqlite
from models.store.database import Database
from models.store.files import UnsafeDirectory
from models.store.migrate import upgrade_database
from tests.unit.helpers import make_account


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)  # the usual default: new files 0644, directories 0755
    yield
    os.umask(old)


def _fill(url: str) -> Database:
    db = Database(url)
    upgrade_database(db)
    make_account(db, "ada", password="correct horse battery 77")
    return db


def test_a_new_database_directory_and_files_are_private(tmp_path, loose_umask):
    data = tmp_path / "home" / "data"
    db = _fill(f"sqlite:///{data / 'waypoint.db'}")
    with db.engine.connect() as conn:  # hold a connection, so -wal and -shm exist
        conn.execute(text("SELECT 1"))
        names = sorted(p.name for p in data.iterdir())
        assert "waypoint.db-wal" in names and "waypoint.db-shm" in names
        assert _mode(data) == 0o700
        for p in data.iterdir():
            assert _mode(p) == 0o600, (p.name, oct(_mode(p)))
    db.dispose()


def test_files_left_readable_by_an_older_version_are_closed(tmp_path, loose_umask):
    data = tmp_path / "data"
    _fill(f"sqlite:///{data / 'waypoint.db'}").dispose()
    os.chmod(data, 0o755)
    for p in data.iterdir():
        os.chmod(p, 0o644)
    db = Database(f"sqlite:///{data / 'waypoint.db'}")
    with db.engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM users"))
        assert _mode(data) == 0o700
        assert {p.name: _mode(p) for p in data.iterdir()} == {p.name: 0o600 for p in data.iterdir()}
    db.dispose()


def test_backups_and_restores_are_private(tmp_path, loose_umask):
    source = f"sqlite:///{tmp_path / 'data' / 'waypoint.db'}"
    _fill(source).dispose()
    result = backup_sqlite(source, tmp_path / "backups" / "monday.db")
    assert _mode(tmp_path / "backups") == 0o700 and _mode(result.path) == 0o600
    restored = restore_sqlite(result.path, f"sqlite:///{tmp_path / 'restored' / 'waypoint.db'}")
    assert _mode(tmp_path / "restored") == 0o700
    for p in (tmp_path / "restored").iterdir():
        assert _mode(p) == 0o600, p.name
    assert restored.path.exists()


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777])
def test_a_directory_others_can_write_to_is_refused(tmp_path, mode, monkeypatch, capsys):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    with pytest.raises(UnsafeDirectory, match="other accounts on this machine can write to it"):
        Database(f"sqlite:///{shared / 'waypoint.db'}")
    assert not (shared / "waypoint.db").exists()
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", f"sqlite:///{shared / 'waypoint.db'}")
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err
    # a shared directory with the sticky bit, such as /tmp, is never to be opened up: choose another instead
    assert ("mkdir -m 700" if mode & 0o1000 else "chmod 700") in err and "Traceback" not in err
    assert not (shared / "waypoint.db").exists()
    source = f"sqlite:///{tmp_path / 'data' / 'waypoint.db'}"
    _fill(source).dispose()
    with pytest.raises(UnsafeDirectory):
        backup_sqlite(source, shared / "copy.db")
