"""Accounts and roles: only admins manage accounts, and every service checks the acting user itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.rules.permissions import ROLE_PERMISSIONS, Actor, Permission, PermissionDenied, can
from models.services import accounts, overview
from models.store.entities import AuditEvent
from tests.unit.helpers import make_account

PW = "twelve chars plus"


def _actor(db, role: str, name: str) -> Actor:
    """An account made at the command line that signs in with PW (one argon2 hash for the whole run)."""
    return make_account(db, name, role, password=PW)


def test_roles_have_the_intended_boundaries():
    assert can(Actor(1, "a", "A", "advocate"), Permission.WRITE_OWN_CLIENTS)
    assert not can(Actor(1, "a", "A", "advocate"), Permission.VIEW_ALL_CLIENTS)
    assert not can(Actor(1, "a", "A", "advocate"), Permission.MANAGE_ACCOUNTS)
    assert can(Actor(1, "s", "S", "supervisor"), Permission.VIEW_TRENDS)
    assert not can(Actor(1, "s", "S", "supervisor"), Permission.MANAGE_ACCOUNTS)
    # Admins keep the tool running but do not read case records.
    assert not can(Actor(1, "x", "X", "admin"), Permission.VIEW_ALL_CLIENTS)
    assert not can(None, Permission.VIEW_RESOURCES)
    assert all(Permission.VIEW_RESOURCES in perms for perms in ROLE_PERMISSIONS.values())


def test_only_admins_create_and_list_accounts(db):
    admin = _actor(db, "admin", "alex")
    for role in ("advocate", "supervisor"):
        other = _actor(db, role, f"{role}1")
        with pytest.raises(PermissionDenied):
            accounts.create_user(db, other, username="new1", display_name="N", role="admin", password=PW)
        with pytest.raises(PermissionDenied):
            accounts.list_users(db, other)
    # An advocate takes no first password: a supervisor confirms the account (tests/unit/test_security_roles.py).
    uid = accounts.create_user(db, admin, username="New.Person", display_name="New Person", role="advocate")
    names = {u.username: u for u in accounts.list_users(db, admin)}
    assert names["new.person"].id == uid and names["new.person"].role == "advocate"
    with db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "user_created",
                                                   AuditEvent.actor_id == admin.user_id)).one()
    assert event.target == str(uid)


def test_account_validation_reports_every_field(db):
    admin = _actor(db, "admin", "alex")
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(db, admin, username="Bad Name!", display_name=" ", role="root", password="short")
    assert set(exc.value.errors) == {"username", "display_name", "role", "password"}
    with pytest.raises(ValidationFailed) as dup:
        accounts.create_user(db, admin, username="alex", display_name="Again", role="admin", password=PW)
    assert "taken" in dup.value.errors["username"]


def test_unlock_and_deactivate(db, settings):
    from dataclasses import replace

    from models.services import auth

    admin = _actor(db, "admin", "alex")
    ada = _actor(db, "advocate", "ada")
    strict = replace(settings, lockout_attempts=1)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, strict, "ada", "wrong password")
    # A failed sign-in delays its address, never locks the account (issue 15, item 9); unlocking clears the delay.
    assert [u.locked for u in accounts.list_users(db, admin) if u.username == "ada"] == [False]
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, strict, "ada", PW)  # the same address, too soon
    accounts.unlock_user(db, admin, ada.user_id)
    assert auth.sign_in(db, strict, "ada", PW).actor.username == "ada"
    accounts.set_active(db, admin, ada.user_id, False)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PW)
    with pytest.raises(ValidationFailed):
        accounts.set_active(db, admin, admin.user_id, False)


def test_overview_services_check_the_role(db):
    ada = _actor(db, "advocate", "ada")
    sam = _actor(db, "supervisor", "sam")
    assert overview.advocate_overview(db, ada).open_clients == 0
    assert overview.team_overview(db, sam).active_advocates == 1
    with pytest.raises(PermissionDenied):
        overview.team_overview(db, ada)
    with pytest.raises(PermissionDenied):
        overview.advocate_overview(db, sam)
    with pytest.raises(PermissionDenied):
        overview.system_overview(db, sam)
