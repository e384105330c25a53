"""Shared strategies and helpers for the bad-input property tests (tests/unit/test_bad_input_*.py); the people,
clients and check-ins they start from are built with tests/unit/helpers.py like every other unit test's.

The strategies lean towards what a hostile or careless person actually types: control characters that
PostgreSQL refuses (NUL), direction overrides, markup, SQL and LIKE wildcards, very long text, and dates at the
edges of what Python can hold. Every DB property compares row counts before and after a refusal, so a
half-saved change shows up as a failure and not as a quiet extra row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models.rules.permissions import PermissionDenied
from models.store.entities import (
    AttentionReview,
    AuditEvent,
    AuthSession,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    CheckInRevision,
    Client,
    ClientClosure,
    ClientFactor,
    SafetyPlanStep,
    User,
)

# DB properties: few examples, no deadline (PostgreSQL round trips), one database per test reused by every example.
# Random on a developer's machine, fixed examples under CI (the profile in tests/conftest.py).
DB_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Services that hash passwords with argon2 on purpose are slow: fewer examples there.
SLOW_DB_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PURE_SETTINGS = settings(max_examples=300, deadline=None)

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d\ufeff",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "'; DROP TABLE clients; --",
    "\" OR 1=1 --",
    "%",
    "_",
    "%_%\\",
    "\\",
    "\\x00",
    "../../etc/passwd",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "\r\n\r\n",
    "\t",
    "\ud7ff\ue000\U0010ffff",
    "𝕬𝖉𝖆",
    "Ǆ ﬁ ß İ",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "a" * 100_000,
    "é" * 5000,
    "\x00" * 100,
]

# Any unicode at all (surrogates excluded: a browser cannot send them as UTF-8), plus the list above.
any_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=20)),
)

# Things that are not text at all, for fields typed `str`.
not_text = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(b"bytes"), st.just(object()),
)

FAR_DATES = [date.min, date(1, 1, 2), date(1000, 6, 1), date(1899, 12, 31), date(1970, 1, 1),
             date(2100, 1, 1), date(9999, 12, 30), date.max]

any_date = st.one_of(st.sampled_from(FAR_DATES), st.dates())

_zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
                          timezone(timedelta(hours=5, minutes=30))])
FAR_DATETIMES = [datetime.min, datetime.max, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
                 datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5))),
                 datetime.max.replace(tzinfo=timezone(timedelta(hours=-12))),
                 datetime.min.replace(tzinfo=timezone(timedelta(hours=14)))]

any_datetime = st.one_of(
    st.sampled_from(FAR_DATETIMES),
    st.datetimes(),
    st.datetimes(timezones=_zones),
    st.none(),
)

# Ids: other people's, missing, negative, enormous (past a 64-bit integer), and not ids at all.
any_id = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63, 2**64, 10**30]),
    st.booleans(),
    st.text(max_size=10),
    st.none(),
    st.floats(allow_nan=True),
)

# Client codes: well-formed but unknown, near misses, and any text.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
well_formed_code = st.builds(lambda a, b: f"{a}-{b}", st.text(CODE_ALPHABET, min_size=3, max_size=3),
                             st.text(CODE_ALPHABET, min_size=3, max_size=3))
any_code = st.one_of(well_formed_code, any_text, st.sampled_from(["%", "___-___", "%%%-%%%", "K7F-3Q%", "k7f3qx",
                                                                  "K7F\x003QX", "K7F-3QX'--", "*"]))

COUNTED = {
    "users": User,
    "sessions": AuthSession,
    "clients": Client,
    "client_factors": ClientFactor,
    "check_ins": CheckIn,
    "check_in_items": CheckInItem,
    "check_in_referrals": CheckInReferral,
    "check_in_revisions": CheckInRevision,
    "safety_plan_steps": SafetyPlanStep,
    "client_closures": ClientClosure,
    "attention_reviews": AttentionReview,
    "audit_events": AuditEvent,
}


def counts(db: Any, *, without: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows in every table a service writes, so a refusal that left a row behind is seen."""
    with db.reading() as s:
        return {name: s.scalar(select(func.count()).select_from(model)) or 0
                for name, model in COUNTED.items() if name not in without}


def data_counts(db: Any) -> dict[str, int]:
    """Every table but the audit log: a refusal may (and often must) add an audit row, nothing else."""
    return counts(db, without=("audit_events",))


def denied_since(db: Any, since_id: int, action: str | None = None) -> list[AuditEvent]:
    """Refusals recorded after a given audit id."""
    with db.reading() as s:
        query = select(AuditEvent).where(AuditEvent.id > since_id, AuditEvent.outcome == "denied")
        if action:
            query = query.where(AuditEvent.action == action)
        return list(s.scalars(query))


def last_audit_id(db: Any) -> int:
    with db.reading() as s:
        return s.scalar(select(func.max(AuditEvent.id))) or 0


def refused_alike(db: Any, actions: Iterable[Callable[[], object]], message: str | None = None) -> None:
    """Each action is refused with PermissionDenied (saying `message`, when given), leaves exactly one 'denied' row
    in the audit log, and no data table changes: someone else's record is refused just as an unknown one is."""
    before = data_counts(db)
    for action in actions:
        mark = last_audit_id(db)
        with pytest.raises(PermissionDenied) as refused:
            action()
        if message is not None:
            assert str(refused.value) == message
        assert len(denied_since(db, mark)) == 1
    assert data_counts(db) == before


def corrupt(data: st.DataObject, valid: dict[str, Any], junk: dict[str, st.SearchStrategy[Any]],
            *, most: int = 2) -> tuple[dict[str, Any], frozenset[str]]:
    """A valid set of fields with none, one or a few replaced by junk: saves happen, and each refusal can be
    checked against the fields that were actually spoiled. Returns the fields and the names spoiled."""
    names = sorted(junk)
    spoiled = data.draw(st.lists(st.sampled_from(names), max_size=most, unique=True), label="spoiled")
    fields = dict(valid)
    for name in spoiled:
        fields[name] = data.draw(junk[name], label=name)
    return fields, frozenset(spoiled)
