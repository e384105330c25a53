"""Set-up shared by the unit tests: the people, clients and check-ins most tests start from, and what the database
holds afterwards.

Plain functions. The fixtures most files begin with, `people` (ada and bo, advocates; sam, a supervisor; alex, an
admin), `client` (one of ada's, opened 30 days ago) and `copy` (of the content folder), are in
tests/unit/conftest.py and are built from these; a test that needs another world calls the builders itself. The
pages and browser helpers seed their databases with the same builders.

People are written straight into the users table with the password hash "-", so nobody can sign in as them:
argon2 is slow on purpose (close to a second per hash on a busy two-core machine) and most tests never sign in.
A test that signs in uses `make_account`, which goes through the account service but hashes each password once
per run; a test of hashing or of bootstrap_user itself calls the service directly.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import yaml
from sqlalchemy import func, select

from models.base.settings import REPO_ROOT, Settings
from models.base.timeutil import utcnow
from models.content.loader import Content, load_content
from models.rules.permissions import Actor
from models.services import accounts
from models.services.auth import hash_password
from models.services.checkins import CheckInForm, CheckInView, record_check_in
from models.services.clients import ClientView, open_client
from models.services.demo import load_demo
from models.store.database import Database
from models.store.entities import AuditEvent, Base, User

# Everyone a test may ask for by first name, with their role. In a fresh database they get the ids 1, 2, ... in
# the order they are made.
ROLES = {"ada": "advocate", "bo": "advocate", "sam": "supervisor", "alex": "admin"}

# --------------------------------------------------------------------------- people


def make_user(db: Database, username: str, role: str | None = None, *, active: bool = True,
              password_hash: str = "-") -> Actor:
    """A user written directly (no audit row), shown as the username with a capital ('ada' -> 'Ada'); the role
    defaults to the one in ROLES. With the hash "-" nobody can sign in as them."""
    with db.writing() as s:
        user = User(username=username, display_name=username.title(), role=role or ROLES[username],
                    password_hash=password_hash, active=active, created_at=utcnow())
        s.add(user)
        s.flush()
        return Actor(user.id, user.username, user.display_name, user.role)


def make_people(db: Database, *names: str) -> SimpleNamespace:
    """Users by first name from ROLES, made in the order given (all four when none are given); each is an
    attribute of the result: `make_people(db, "ada", "sam").sam`."""
    return SimpleNamespace(**{name: make_user(db, name) for name in names or ROLES})


@cache
def password_hash(password: str) -> str:
    """A real argon2 hash of `password`, computed once per run and then reused for every account that has it."""
    return hash_password(password)


def make_account(db: Database, username: str, role: str | None = None, *, password: str,
                 display_name: str | None = None) -> Actor:
    """An account made as the command line makes one (validated, and audited as user_created) that signs in
    with `password`; its hash comes from `password_hash`, so building the same team in every test costs one
    argon2 hash per password for the whole run."""
    role = role or ROLES[username]
    shown = display_name or username.title()
    with mock.patch.object(accounts, "hash_password", password_hash):
        user_id = accounts.bootstrap_user(db, username=username, display_name=shown, role=role, password=password)
    return Actor(user_id, username, shown, role)


# --------------------------------------------------------------------------- content


def copy_of_content(folder: Path) -> Path:
    """A fresh copy of the shipped content folder at `folder`/content, to change or break on purpose."""
    target = folder / "content"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO_ROOT / "content", target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], object]) -> None:
    """Load a YAML file, let `change` alter the data in place, and write it back in the same key order."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))



def context_code(content: Content) -> str:
    """The first relationship context of the checklist (contexts.intimate-partner in the shipped one)."""
    return content.checklist.section("contexts").items[0].code


def factor_codes(content: Content, n: int = 2) -> list[str]:
    """The first `n` vulnerability factors of the checklist."""
    return [i.code for i in content.checklist.section("vulnerability").items[:n]]


def calm_items(content: Content) -> list[str]:
    """Every check-in item that needs no immediate response, in checklist order."""
    immediate = set(content.checklist.immediate_codes())
    return [i.code for sec in content.checklist.checkin_sections() for i in sec.items if i.code not in immediate]


def immediate_items(content: Content) -> list[str]:
    """The items that call for an immediate response, sorted."""
    return sorted(content.checklist.immediate_codes())


# --------------------------------------------------------------------------- clients and check-ins


def new_client(db: Database, actor: Actor, content: Content, *, days_ago: int | None = 30,
               **fields: Any) -> ClientView:
    """A client opened by `actor` `days_ago` days ago (None: the service's own default, today), in the first
    relationship context and with no factors unless `fields` say otherwise."""
    fields.setdefault("relationship_context", context_code(content))
    fields.setdefault("factors", [])
    if days_ago is not None:
        fields.setdefault("opened_on", utcnow().date() - timedelta(days=days_ago))
    return open_client(db, actor, content, **fields)


_numbers = itertools.count(1)


def key(prefix: str = "submission") -> str:
    """A submission key that no other save in this test run has used."""
    return f"{prefix}-{next(_numbers):012d}"


def checkin_form(code: str, **fields: Any) -> CheckInForm:
    """A valid check-in of client `code` an hour ago (whole seconds): by phone, no contact with the person
    causing harm, moderate concern. `fields` change or add to it."""
    values: dict[str, Any] = {"client": code, "occurred_at": utcnow().replace(microsecond=0) - timedelta(hours=1),
                              "contact_mode": "phone", "harm_contact": "none", "concern": "moderate"}
    values.update(fields)
    return CheckInForm(**values)


def check_in(db: Database, actor: Actor, content: Content, code: str, *, submission_key: str | None = None,
             **fields: Any) -> CheckInView:
    """`checkin_form(code, **fields)` saved by `actor` through the service, under a fresh submission key
    unless one is given."""
    return record_check_in(db, actor, content, checkin_form(code, **fields), submission_key=submission_key or key())


def client_with_check_in(db: Database, actor: Actor, content: Content, *, days_ago: int = 30,
                         **fields: Any) -> tuple[str, CheckInView]:
    """A new client of `actor` (opened `days_ago` days ago) and one saved check-in; `fields` go to the form."""
    code = new_client(db, actor, content, days_ago=days_ago).code
    return code, check_in(db, actor, content, code, **fields)


def demo_passwords(db: Database, seed: int) -> dict[str, str]:
    """Load the demo data (as `./waypoint demo` does: made-up clients with check-ins, one account per role) and
    return each demo account's password by username."""
    s = Settings()
    accounts = load_demo(db, load_content(s.content_dir, s.resource_packs), seed=seed)
    return {a.username: a.password for a in accounts}


# --------------------------------------------------------------------------- what is stored


def count_rows(db: Database, model: Any, *where: Any) -> int:
    """Rows of one table (an entity class or a Table), optionally only those matching `where`."""
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table of the schema, by table name."""
    with db.reading() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def events(db: Database, action: str | None = None, outcome: str | None = None) -> list[AuditEvent]:
    """Audit rows in the order they were written, optionally of one action and/or outcome."""
    with db.reading() as s:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        if outcome:
            query = query.where(AuditEvent.outcome == outcome)
        return list(s.scalars(query))


def run_async(coroutine):  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: a test process that already drives Playwright's sync API (under xdist any
    worker may have) has an event loop running in this thread, and asyncio.run refuses to start a second one."""
    import asyncio
    import threading

    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001 - handed back to the test's own thread
            result["error"] = error

    thread = threading.Thread(target=target, name="waypoint-protocol-test")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["value"]
