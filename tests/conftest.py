"""Every test that takes `database_url` or `db` runs twice: on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.base.settings import Settings
from models.content.loader import Content, load_content
from models.services.trend_summary import rebuild
from models.store.database import Database
from models.store.migrate import upgrade_database

# Every database a test makes encrypts notes with this key; servers and child processes inherit it. A fixed
# test-only key (never a real one), so a failing test's database can be opened afterwards to look at it.
TEST_NOTE_KEY = "dGVzdC1vbmx5LW5vdGUta2V5LXdheXBvaW50LTMyYiE="
os.environ["WAYPOINT_NOTE_KEYS"] = TEST_NOTE_KEY
# A test that forgets to choose its database must never open the developer's own data/waypoint.db.
os.environ["WAYPOINT_DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='waypoint-unchosen-')}/unchosen.db"
# Supervisors and admins must have an authenticator app by default. Tests that are not about the second factor
# sign in with a password alone; the second-factor tests (test_second_factor*.py) choose the roles themselves.
os.environ["WAYPOINT_MFA_REQUIRED"] = "none"
NO_MFA: frozenset[str] = frozenset()

IN_CI = os.environ.get("CI", "").lower() == "true"
# Property tests explore fresh random examples on a developer's machine, where a new failure is a finding; under
# CI they replay the same examples every time, so a landing never depends on the luck of the draw.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if IN_CI:
    hypothesis_settings.load_profile("ci")
PG_URL = os.environ.get("WAYPOINT_TEST_PG_URL", "")
# Every test database starts with the trend summaries built (empty, cut in UTC), so every write the suite makes
# keeps them in step, as in a running app (models/services/trend_summary.py).
SUMMARIES_ZONE = "UTC"
BACKENDS = ("sqlite", "postgresql")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def require_pg_url() -> str:
    """For a test that needs a PostgreSQL server but no database of its own: fails under CI, never skips there."""
    if not PG_URL:
        message = "PostgreSQL tests need WAYPOINT_TEST_PG_URL (the test command starts a server on loopback)"
        if IN_CI:
            pytest.fail(message + "; under CI=true they may not be skipped")
        pytest.skip(message)
    return PG_URL


@pytest.fixture(scope="session")
def content() -> Content:
    """The shipped checklist and the us-national pack, loaded once for every test that needs them."""
    return load_content(Settings().content_dir, ("us-national",))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade_database(db)
    rebuild(db, SUMMARIES_ZONE)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test gets a copy made by CREATE DATABASE ... TEMPLATE."""
    if not PG_URL:
        message = "PostgreSQL tests need WAYPOINT_TEST_PG_URL (the test command starts a server on loopback)"
        if IN_CI:
            pytest.fail(message + "; under CI=true they may not be skipped")
        pytest.skip(message)
    name = f"wp_template_{_worker()}_{os.getpid()}"  # two test runs side by side never share a template
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade_database(db)
    rebuild(db, SUMMARIES_ZONE)
    db.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of its own for this test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "waypoint.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"wp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def blank_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, for migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    if not PG_URL:
        if IN_CI:
            pytest.fail("PostgreSQL tests need WAYPOINT_TEST_PG_URL; under CI=true they may not be skipped")
        pytest.skip("PostgreSQL tests need WAYPOINT_TEST_PG_URL")
    name = f"wp_blank_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, mfa_required=NO_MFA)


@pytest.fixture(autouse=True)
def languages_kept() -> Iterator[None]:
    """The loaded languages are per process (models/base/i18n.py): a test that loads others, or a command that
    loads the agency's, leaves them as they were for the tests after it."""
    from models.base import i18n

    saved = (dict(i18n._languages), dict(i18n._catalogs), i18n._default, list(i18n._loaded), i18n._source,
             dict(i18n._conversation))
    yield
    i18n._languages.clear()
    i18n._languages.update(saved[0])
    i18n._catalogs.clear()
    i18n._catalogs.update(saved[1])
    i18n._default = saved[2]
    i18n._loaded[:] = saved[3]
    i18n.set_source(saved[4])
    i18n._conversation.clear()
    i18n._conversation.update(saved[5])
