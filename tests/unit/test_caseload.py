"""The caseload: order by who is due, filters, direction of change, access, and a plan that uses the index."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.caseload import caseload, caseload_query
from models.services.clients import close_client
from models.store.entities import AuditEvent
from tests.unit import helpers
from tests.unit.helpers import calm_items, immediate_items, new_client


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


@pytest.fixture
def items(content):
    return SimpleNamespace(calm=calm_items(content), immediate=immediate_items(content))


def opened(db, actor, content, days_ago: int) -> str:
    return new_client(db, actor, content, days_ago=days_ago).code


def check_in(db, actor, content, code: str, at: datetime, *, due: datetime | None = None, items=(),
             concern: str = "moderate"):
    return helpers.check_in(db, actor, content, code, occurred_at=at, next_due_at=due, items=list(items),
                            concern=concern)


def test_overdue_clients_come_first_most_overdue_first_then_by_due_date(db, people, content, now):
    a = opened(db, people.ada, content, 60)
    check_in(db, people.ada, content, a, now - timedelta(days=20), due=now - timedelta(days=10))
    b = opened(db, people.ada, content, 60)
    check_in(db, people.ada, content, b, now - timedelta(days=5), due=now - timedelta(days=2))
    c = opened(db, people.ada, content, 60)
    check_in(db, people.ada, content, c, now - timedelta(days=1), due=now + timedelta(days=1))
    d = opened(db, people.ada, content, 60)
    check_in(db, people.ada, content, d, now - timedelta(days=1), due=now + timedelta(days=5))
    never = opened(db, people.ada, content, 30)  # never checked in: due a week after the day it was opened
    rows = caseload(db, people.ada, now=now)
    assert [r.code for r in rows] == [never, a, b, c, d]
    assert [r.overdue for r in rows] == [True, True, True, False, False]
    assert [r.days_overdue for r in rows] == [23, 10, 2, 0, 0]
    assert rows[0].last_check_in_at is None and rows[0].concern is None and rows[0].direction is None
    assert rows[0].next_due_at == datetime.combine(rows[0].opened_on, datetime.min.time()) + timedelta(days=7)
    assert rows[1].last_check_in_at == now - timedelta(days=20) and rows[1].concern == "moderate"
    assert rows[1].advocate_name == "Ada"


def test_direction_compares_the_latest_check_in_with_the_one_before(db, people, content, items, now):
    up, down, same, once = (opened(db, people.ada, content, 90) for _ in range(4))
    check_in(db, people.ada, content, up, now - timedelta(days=9), items=items.calm[:1])
    check_in(db, people.ada, content, up, now - timedelta(days=2), items=items.calm[:3])
    # Recorded out of order: the older contact written up last is still the previous one.
    check_in(db, people.ada, content, down, now - timedelta(days=2), items=items.calm[:1])
    check_in(db, people.ada, content, down, now - timedelta(days=30), items=items.calm[:4])
    check_in(db, people.ada, content, down, now - timedelta(days=9), items=items.calm[:2])
    check_in(db, people.ada, content, same, now - timedelta(days=9), items=items.calm[:2])
    check_in(db, people.ada, content, same, now - timedelta(days=2), items=items.calm[2:4])
    check_in(db, people.ada, content, once, now - timedelta(days=2), items=items.calm[:5])
    rows = {r.code: r for r in caseload(db, people.ada, now=now)}
    assert (rows[up].sign_count, rows[up].previous_sign_count, rows[up].direction) == (3, 1, "up")
    assert (rows[down].sign_count, rows[down].previous_sign_count, rows[down].direction) == (1, 2, "down")
    assert rows[same].direction == "same"
    assert (rows[once].sign_count, rows[once].previous_sign_count, rows[once].direction) == (5, None, None)
    assert rows[down].last_check_in_at == now - timedelta(days=2)


def test_filters_overdue_and_high_concern(db, people, content, items, now):
    late = opened(db, people.ada, content, 40)
    check_in(db, people.ada, content, late, now - timedelta(days=20), due=now - timedelta(days=1))
    high = opened(db, people.ada, content, 40)
    check_in(db, people.ada, content, high, now - timedelta(days=1), concern="high")
    urgent_item = opened(db, people.ada, content, 40)
    check_in(db, people.ada, content, urgent_item, now - timedelta(days=1), concern="low",
             items=items.immediate[:1])
    calmer = opened(db, people.ada, content, 40)  # high concern before, low now
    check_in(db, people.ada, content, calmer, now - timedelta(days=8), concern="immediate")
    check_in(db, people.ada, content, calmer, now - timedelta(days=1), concern="low")
    assert [r.code for r in caseload(db, people.ada, overdue_only=True, now=now)] == [late]
    flagged = caseload(db, people.ada, high_concern_only=True, now=now)
    assert {r.code for r in flagged} == {high, urgent_item}
    assert {r.code: r.needs_attention for r in flagged} == {high: False, urgent_item: True}
    assert caseload(db, people.ada, overdue_only=True, high_concern_only=True, now=now) == []


def test_an_advocate_sees_only_their_own_open_clients(db, people, content, now):
    mine = opened(db, people.ada, content, 10)
    gone = opened(db, people.ada, content, 10)
    close_client(db, people.ada, gone, reason="goals_met")
    theirs = opened(db, people.bo, content, 10)
    assert [r.code for r in caseload(db, people.ada, now=now)] == [mine]
    assert [r.code for r in caseload(db, people.ada, advocate_id=people.ada.user_id, now=now)] == [mine]
    assert {r.code for r in caseload(db, people.sam, now=now)} == {mine, theirs}
    assert [r.code for r in caseload(db, people.sam, advocate_id=people.bo.user_id, now=now)] == [theirs]


def test_asking_for_someone_elses_caseload_is_refused_and_audited(db, people, content, now):
    opened(db, people.bo, content, 10)
    with pytest.raises(PermissionDenied):
        caseload(db, people.ada, advocate_id=people.bo.user_id, now=now)
    with pytest.raises(PermissionDenied):
        caseload(db, people.alex, now=now)
    with db.reading() as s:
        denied = s.execute(select(AuditEvent.action, AuditEvent.actor_id)
                           .where(AuditEvent.outcome == "denied").order_by(AuditEvent.id)).all()
    assert denied == [("caseload_viewed", people.ada.user_id), ("caseload_viewed", people.alex.user_id)]


# --------------------------------------------------------------------------- scale


def _bulk(db, advocate: int, other: int, *, clients: int, per_client: int, mine: int) -> None:
    """Many clients and check-ins in two set-based statements (the ORM would take minutes)."""
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.exec_driver_sql(f"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {clients})
                INSERT INTO clients (code, advocate_id, status, opened_on, relationship_context, next_due_at,
                                     created_at)
                SELECT printf('B%06d', i), CASE WHEN i <= {mine} THEN {advocate} ELSE {other} END, 'open',
                       '2020-01-01', 'bulk', datetime('2025-01-01', '+' || i || ' hours'), '2020-01-01 00:00:00'
                FROM n""")
            conn.exec_driver_sql(f"""
                WITH RECURSIVE g(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM g WHERE j < {per_client})
                INSERT INTO check_ins (client_id, advocate_id, occurred_at, contact_mode, checklist_version,
                    harm_contact, concern, concern_rank, safety_planning, sign_count, needs_attention, note,
                    next_due_at, submission_key, version, created_at)
                SELECT c.id, c.advocate_id, datetime('2020-01-02', '+' || j || ' days'), 'phone', 1, 'none',
                       'moderate', 2, 0, (j * 7 + c.id) % 9, 0, '',
                       datetime('2020-01-09', '+' || j || ' days'), 'bulk-' || c.id || '-' || j, 1,
                       '2020-01-02 00:00:00'
                FROM clients c, g""")
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql(f"""
                INSERT INTO clients (code, advocate_id, status, opened_on, relationship_context, next_due_at,
                                     created_at)
                SELECT 'B' || lpad(i::text, 6, '0'), CASE WHEN i <= {mine} THEN {advocate} ELSE {other} END,
                       'open', date '2020-01-01', 'bulk', timestamp '2025-01-01' + i * interval '1 hour',
                       timestamp '2020-01-01'
                FROM generate_series(1, {clients}) i""")
            conn.exec_driver_sql(f"""
                INSERT INTO check_ins (client_id, advocate_id, occurred_at, contact_mode, checklist_version,
                    harm_contact, concern, concern_rank, safety_planning, sign_count, needs_attention, note,
                    next_due_at, submission_key, version, created_at)
                SELECT c.id, c.advocate_id, timestamp '2020-01-02' + j * interval '1 day', 'phone', 1, 'none',
                       'moderate', 2, false, mod(j * 7 + c.id, 9), false, '',
                       timestamp '2020-01-09' + j * interval '1 day', 'bulk-' || c.id || '-' || j, 1,
                       timestamp '2020-01-02'
                FROM clients c CROSS JOIN generate_series(1, {per_client}) j""")
    if db.backend != "sqlite":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def _plan(db, query) -> str:
    compiled = query.compile(dialect=db.engine.dialect)
    sql = str(compiled)
    params = tuple(compiled.params[name] for name in compiled.positiontup) if compiled.positiontup else compiled.params
    prefix = "EXPLAIN QUERY PLAN " if db.backend == "sqlite" else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + sql, params).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_a_caseload_is_a_few_index_look_ups_however_many_check_ins_are_stored(db, people, now):
    _bulk(db, people.ada.user_id, people.bo.user_id, clients=2_000, per_client=50, mine=60)
    for query in (caseload_query(people.ada.user_id, now=now),
                  caseload_query(people.ada.user_id, overdue_only=True, high_concern_only=True, now=now)):
        plan = _plan(db, query)
        assert "ix_check_ins_client_occurred" in plan, plan
        assert "ix_clients_advocate_status" in plan, plan
        if db.backend == "sqlite":
            assert "SCAN check_ins" not in plan and "SCAN clients" not in plan, plan
        else:
            assert "Seq Scan on check_ins" not in plan and "Seq Scan on clients" not in plan, plan
    # A fixed number of statements, whatever the caseload's size (the needs-attention rule included): no query
    # per client. Speed itself is measured by bench/, never timed here (a loaded test machine made this flaky).
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        rows = caseload(db, people.ada, now=now)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(rows) == 60 and all(r.last_check_in_at == datetime(2020, 2, 21) for r in rows)
    assert rows[0].code == "B000001" and all(r.direction in ("up", "down", "same") for r in rows)
    reads = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 6, reads


def test_days_overdue_are_counted_in_the_agencys_days_everywhere(db, people, content):
    """A zone where the UTC day and the agency's day differ: Home's list, the caseload and the needs-attention
    rule give one count (the agency's), not the UTC one."""
    from zoneinfo import ZoneInfo

    from models.services.attention import OVERDUE_DAYS, days_overdue, needs_attention
    from models.services.overview import due_now

    chicago = ZoneInfo("America/Chicago")  # 5 or 6 hours behind UTC: 03:00 UTC is the evening before there
    today = utcnow().date()
    now = datetime.combine(today - timedelta(days=1), datetime.min.time()).replace(hour=3)
    late = opened(db, people.ada, content, 60)  # due 20:00 UTC, 4 UTC days ago: 3 days in Chicago
    due = datetime.combine(now.date() - timedelta(days=4), datetime.min.time()).replace(hour=20)
    check_in(db, people.ada, content, late, due - timedelta(days=5), due=due)
    edge = opened(db, people.ada, content, 60)  # OVERDUE_DAYS + 1 UTC days: exactly OVERDUE_DAYS in Chicago
    edge_due = due - timedelta(days=OVERDUE_DAYS - 3)
    check_in(db, people.ada, content, edge, edge_due - timedelta(days=5), due=edge_due)
    assert days_overdue(due, now) == 4 and days_overdue(due, now, chicago) == 3
    rows = {r.code: r for r in caseload(db, people.ada, now=now, zone=chicago)}
    home = {d.code: d for d in due_now(db, people.ada, now=now, zone=chicago)}
    assert rows[late].days_overdue == home[late].days_overdue == 3
    assert rows[edge].days_overdue == home[edge].days_overdue == OVERDUE_DAYS
    assert {r.code: r.days_overdue for r in caseload(db, people.ada, now=now)}[late] == 4  # UTC days: one more
    listed = {r.code for r in needs_attention(db, people.sam, now=now, zone=chicago)}
    assert edge not in listed and rows[edge].needs_attention is False  # "more than 7" of the agency's days
    assert edge in {r.code for r in needs_attention(db, people.sam, now=now)}  # in UTC days it would be on


def test_due_by_keeps_the_overdue_and_those_due_by_then(db, people, content, now):
    late, today, later = (opened(db, people.ada, content, 40) for _ in range(3))
    check_in(db, people.ada, content, late, now - timedelta(days=9), due=now - timedelta(days=2))
    check_in(db, people.ada, content, today, now - timedelta(days=5), due=now + timedelta(hours=1))
    check_in(db, people.ada, content, later, now - timedelta(days=1), due=now + timedelta(days=3))
    rows = caseload(db, people.ada, now=now, due_by=now + timedelta(hours=2))
    assert [r.code for r in rows] == [late, today]
