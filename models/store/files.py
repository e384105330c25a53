"""File modes for what holds case records on disk: the SQLite database, its journals, and backups.

Client codes, concern levels, checklist items and password hashes are in these files, so no other local account
may read them: directories Waypoint creates are 0700 and every database, journal and backup file 0600, whatever
the umask. A directory that other accounts can write to is refused outright (they could swap the database for
their own, or replace a journal), with a plain message saying what to change.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from models.base.settings import ConfigError

DIR_MODE = 0o700
FILE_MODE = 0o600
SIDECARS = ("-wal", "-shm", "-journal")


class UnsafeDirectory(ConfigError):
    """The directory for the database or a backup can be written by other accounts on this machine."""


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) 0700, or check an existing one: refused if others can write to it.
    An existing directory this account owns that others can still read or enter is closed to them."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode is masked by the umask
        return
    st = path.stat()
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        fix = ("Choose a directory of Waypoint's own (for example a new one made with `mkdir -m 700`)."
               if st.st_mode & stat.S_ISVTX else  # a shared directory such as /tmp: never suggest opening it up
               f"Run `chmod 700 {path}` (as the account that runs Waypoint), or choose another directory.")
        raise UnsafeDirectory(
            f"Waypoint will not use {path}: other accounts on this machine can write to it, so they could replace "
            f"the database or read it. {fix}")
    if st.st_uid == os.geteuid() and st.st_mode & 0o077:
        os.chmod(path, DIR_MODE)


def private_file(path: Path) -> None:
    """Make `path` exist with mode 0600 (created empty if missing, tightened if it was wider)."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """0600 for the database file and any journal beside it that exists now (SQLite gives new -wal and -shm
    files the database file's own mode, so once the database is 0600 they are too)."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDECARS)):
        try:
            if stat.S_IMODE(candidate.stat().st_mode) != FILE_MODE:
                os.chmod(candidate, FILE_MODE)
        except FileNotFoundError:
            continue
