"""Bad input to the life of an account (issue 16, item 3): renames, role changes and hand-overs, on SQLite and
PostgreSQL. Each either does exactly what was asked, or refuses the field in words with nothing changed: no half
hand-over, no role changed without its wait, no driver error for a NUL in a name."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.rules.permissions import PermissionDenied
from models.services import account_life, handover
from models.store.entities import Client, User
from tests.unit.bad_inputs import DB_SETTINGS, any_code, any_id, any_text, counts, not_text
from tests.unit.helpers import make_user, new_client

_names = itertools.count(1)


def _state(db) -> tuple[dict[int, tuple[str, str, str, bool, object]], dict[str, int]]:  # type: ignore[no-untyped-def]
    """Every account's name, role, password, active and wait; every client's advocate."""
    with db.reading() as s:
        users = {u.id: (u.display_name, u.role, u.password_hash, u.active, u.pending_since)
                 for u in s.scalars(select(User))}
        owners = dict(s.execute(select(Client.code, Client.advocate_id)).all())
    return users, owners


@pytest.fixture
def world(db, content):  # type: ignore[no-untyped-def]
    """alex (admin), sam (supervisor), ada (advocate, three open clients) and bo (advocate)."""
    made = {name: make_user(db, name, role) for name, role in
            (("alex", "admin"), ("sam", "supervisor"), ("ada", "advocate"), ("bo", "advocate"))}
    made["codes"] = [new_client(db, made["ada"], content).code for _ in range(3)]  # type: ignore[assignment]
    return made


@DB_SETTINGS
@given(user_id=st.one_of(any_id, st.just("bo")), name=st.one_of(any_text, not_text))
@example(user_id="bo", name="Bo\x00")
@example(user_id="bo", name="x" * 100_000)
@example(user_id="bo", name="  Bo Ng  ")
def test_rename_saves_exactly_the_stripped_name_or_changes_nothing(db, world, user_id, name) -> None:  # type: ignore[no-untyped-def]
    target = world["bo"].user_id if user_id == "bo" else user_id
    before, before_rows = _state(db), counts(db)
    try:
        account_life.rename(db, world["alex"], target, name)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= {"user", "display_name"}
        assert all(isinstance(m, str) and m for m in refused.errors.values())
        assert _state(db) == before and counts(db) == before_rows
        return
    event("renamed")
    assert isinstance(name, str)
    with db.reading() as s:
        assert s.get(User, target).display_name == name.strip()  # type: ignore[union-attr]
    assert counts(db)["audit_events"] == before_rows["audit_events"] + 1


@DB_SETTINGS
@given(user_id=st.one_of(any_id, st.sampled_from(["alex", "bo", "ada"])),
       role=st.one_of(any_text, not_text, st.sampled_from(["advocate", "supervisor", "admin", "ADMIN", "admin "])))
def test_role_changes_happen_whole_with_their_wait_or_not_at_all(db, world, user_id, role) -> None:  # type: ignore[no-untyped-def]
    target = world[user_id].user_id if user_id in ("alex", "bo", "ada") else user_id
    before, before_rows = _state(db), counts(db)
    try:
        changed = account_life.change_role(db, world["alex"], target, role)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= {"user", "role"}
        assert _state(db) == before and counts(db) == before_rows
        return
    event(f"changed to {role}")
    with db.reading() as s:
        user = s.get(User, target)
        assert user is not None and user.role == role
        # To a record-reading role, the account waits for a supervisor with no password, always.
        assert (user.pending_since is not None) == changed.waits == (role in ("advocate", "supervisor"))
    # Put it back as it was for the next example (written directly: this is the test's own reset).
    with db.writing() as s:
        user = s.get(User, target)
        assert user is not None
        user.display_name, user.role, user.password_hash, user.active, user.pending_since = before[0][target]
        user.pending_reason = user.pending_requested_by = None


assignment_junk = st.one_of(
    st.dictionaries(st.one_of(any_code, not_text.filter(lambda v: isinstance(v, (int, type(None))))), any_id,
                    max_size=4),
    not_text,
    any_text,
)


@DB_SETTINGS
@given(from_id=st.one_of(any_id, st.sampled_from(["ada", "bo", "sam"])), assignments=assignment_junk,
       extra=st.booleans())
def test_a_hand_over_moves_every_client_or_none(db, world, from_id, assignments, extra) -> None:  # type: ignore[no-untyped-def]
    source = world[from_id].user_id if from_id in ("ada", "bo", "sam") else from_id
    if extra:  # a plausible plan with one junk entry mixed in
        assignments = {**{c: world["bo"].user_id for c in world["codes"]},
                       **(assignments if isinstance(assignments, dict) else {})}
    before, before_rows = _state(db), counts(db)
    try:
        taken = handover.hand_over(db, world["sam"], source, assignments)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= {"from", "targets", "clients"}
        assert _state(db) == before and counts(db) == before_rows
        return
    event("handed over")
    assert taken == {world["bo"].user_id: 3}
    # And back again, so the next example starts from ada's three clients.
    handover.hand_over(db, world["sam"], world["bo"].user_id, {c: world["ada"].user_id for c in world["codes"]})


def test_hand_over_services_refuse_everyone_but_supervisors(db, world) -> None:  # type: ignore[no-untyped-def]
    before = _state(db)
    plan = {c: world["bo"].user_id for c in world["codes"]}
    for who in ("alex", "ada", "bo"):
        with pytest.raises(PermissionDenied):
            handover.hand_over(db, world[who], world["ada"].user_id, plan)
    with pytest.raises(PermissionDenied):
        handover.hand_over(db, None, world["ada"].user_id, plan)  # type: ignore[arg-type]
    assert _state(db) == before
