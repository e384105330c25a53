"""The trend summaries (TrendDay, TrendClientSpan): kept exactly in step with the records in the same transaction
as every write, rebuilt from the records in one go, and checked against them.

Why: the supervisors' trends read every check-in of their period (a year of a million took 14-17 s on SQLite).
The summaries hold the same figures by local day, plus which clients were seen in which week and month, so the
trends read thousands of rows instead. Exactness rests on one rule: a client's contribution to every figure
depends only on that client's own records, so a write that changes a client's check-ins reads the client's
contribution before and after (the client locked) and adds the difference. Two writers for different clients
only add to the same day rows, one atomic upsert each, in key order.

Definitions (zone Z: the zone of the one TrendSummaryState row; a check-in's local day is
`in_zone(occurred_at, ZoneInfo(Z)).date()`), for a client on local day D:
- ("check_ins", ""): n = their check-ins on D;
- ("safety", ""): n = those with safety planning;
- ("version", "v"): n = those recorded on checklist version v;
- ("item", code): n = item rows with that code;
- ("concern", level): n = those with that concern;
- ("contact", mode): n = those made that way (phone, text, in person...; the reports count check-ins by it);
- ("referral", resource): n = offers, n2 = those taken up;
- ("referrals", ""): the same over every resource.
A client is present in a cell when their n > 0 (present2: n2 > 0). TrendDay sums n and n2 over clients and counts
the clients present; a row whose four figures are all 0 is deleted. TrendClientSpan has one row per client per
local week (from Monday) and calendar month with a check-in: how many, and the highest `seq` among them.

No state row means not built: writes leave the tables alone and trends read the records.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base.timeutil import local_midnight, utcnow, zone_key
from models.services.periods import monday
from models.store.database import Database, answering
from models.store.entities import (
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    TrendClientSpan,
    TrendDay,
    TrendSummaryState,
)

log = logging.getLogger("waypoint")

STATE_ID = 1
_CHUNK = 500  # ids per IN (...) list
_STREAM = 20_000  # rows per fetch when reading every record
_DAYS_TABLE = "trend_rebuild_days"

Cell = tuple[date, str, str]  # (local day, kind, code)
SpanKey = tuple[str, date]  # ("week" or "month", start)
Span = tuple[int, int, int]  # (check-ins, last seq, sign count of the last)


@dataclass
class Contribution:
    """One client's part of the summaries: per cell (n, n2), and per week or month (check-ins, last seq, that
    check-in's sign count)."""

    cells: dict[Cell, tuple[int, int]] = field(default_factory=dict)
    spans: dict[SpanKey, Span] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """What `compare` looked at (`figures`: rows and records counted) and every difference found (empty: match)."""

    zone: str | None
    figures: dict[str, int]
    differences: list[str]


# --------------------------------------------------------------------------- one client's contribution


def _zone(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _local_day(value: datetime, tz: tzinfo) -> date:
    """`in_zone(value, tz).date()`, inlined: it runs once per record when everything is checked."""
    return value.replace(tzinfo=UTC).astimezone(tz).date()


def _month(day: date) -> date:
    return day.replace(day=1)


def _cells_of_check_in(day: date, safety: bool, version: int, concern: str, contact: str
                       ) -> list[tuple[Cell, int, int]]:
    cells = [((day, "check_ins", ""), 1, 0), ((day, "version", str(version)), 1, 0), ((day, "concern", concern), 1, 0),
             ((day, "contact", contact), 1, 0)]
    if safety:
        cells.append(((day, "safety", ""), 1, 0))
    return cells


def _cells_of_referral(day: date, resource: str, accepted: bool) -> list[tuple[Cell, int, int]]:
    taken = 1 if accepted else 0
    return [((day, "referral", resource), 1, taken), ((day, "referrals", ""), 1, taken)]


def _add(cells: dict[Cell, tuple[int, int]], cell: Cell, n: int, n2: int) -> None:
    old = cells.get(cell)
    cells[cell] = (n, n2) if old is None else (old[0] + n, old[1] + n2)


def _spans(rows: Iterable[tuple[date, int, int]]) -> dict[SpanKey, Span]:
    """(local day, seq, sign count) of one client's check-ins -> {(unit, start): (check-ins, highest seq, the sign
    count of the check-in with it)}."""
    spans: dict[SpanKey, Span] = {}
    for day, seq, signs in rows:
        for key in (("week", monday(day)), ("month", _month(day))):
            old = spans.get(key)
            if old is None:
                spans[key] = (1, seq, signs)
            elif seq > old[1]:
                spans[key] = (old[0] + 1, seq, signs)
            else:
                spans[key] = (old[0] + 1, old[1], old[2])
    return spans


def _chunks(values: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(values), _CHUNK):
        yield list(values[i:i + _CHUNK])


_CHECK_INS = CheckIn.__table__
_ITEMS = CheckInItem.__table__
_REFERRALS = CheckInReferral.__table__
_DAYS = TrendDay.__table__
_SPANS = TrendClientSpan.__table__
# Core statements built once: a save runs them a dozen times, and building ORM statements cost more than running them.
_CLIENT_CHECK_INS = select(_CHECK_INS.c.id, _CHECK_INS.c.client_id, _CHECK_INS.c.occurred_at, _CHECK_INS.c.seq,
                           _CHECK_INS.c.safety_planning, _CHECK_INS.c.checklist_version, _CHECK_INS.c.concern,
                           _CHECK_INS.c.contact_mode, _CHECK_INS.c.sign_count
                           ).where(_CHECK_INS.c.client_id.in_(bindparam("ids", expanding=True)))
_CHECK_IN_ITEMS = select(_ITEMS.c.check_in_id, _ITEMS.c.code).where(
    _ITEMS.c.check_in_id.in_(bindparam("ids", expanding=True)))
_CHECK_IN_REFERRALS = select(_REFERRALS.c.check_in_id, _REFERRALS.c.resource_code, _REFERRALS.c.accepted).where(
    _REFERRALS.c.check_in_id.in_(bindparam("ids", expanding=True)))
_STATE = select(TrendSummaryState.__table__.c.zone).where(TrendSummaryState.__table__.c.id == STATE_ID)
_STATE_SHARED = _STATE.with_for_update(read=True)
_LOCK_CLIENTS = (select(Client.__table__.c.id).where(Client.__table__.c.id.in_(bindparam("ids", expanding=True)))
                 .order_by(Client.__table__.c.id).with_for_update())
_DELETE_EMPTY_DAY = delete(_DAYS).where(
    _DAYS.c.day == bindparam("d"), _DAYS.c.kind == bindparam("k"), _DAYS.c.code == bindparam("c"),
    _DAYS.c.n == 0, _DAYS.c.clients == 0, _DAYS.c.n2 == 0, _DAYS.c.clients2 == 0)
_DELETE_SPAN = delete(_SPANS).where(
    _SPANS.c.unit == bindparam("u"), _SPANS.c.start == bindparam("s"), _SPANS.c.client_id == bindparam("cid"))
_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _upserts(dialect: str) -> tuple[Any, Any]:
    """INSERT .. ON CONFLICT DO UPDATE for a day row (adding, returning the new figures) and for a span row
    (replacing), in the dialect's own insert: both backends have it."""
    if dialect not in _UPSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        day = insert(_DAYS)
        day = day.on_conflict_do_update(
            index_elements=[_DAYS.c.day, _DAYS.c.kind, _DAYS.c.code],
            set_={"n": _DAYS.c.n + day.excluded.n, "clients": _DAYS.c.clients + day.excluded.clients,
                  "n2": _DAYS.c.n2 + day.excluded.n2, "clients2": _DAYS.c.clients2 + day.excluded.clients2},
        ).returning(_DAYS.c.n, _DAYS.c.clients, _DAYS.c.n2, _DAYS.c.clients2)
        span = insert(_SPANS)
        span = span.on_conflict_do_update(
            index_elements=[_SPANS.c.unit, _SPANS.c.start, _SPANS.c.client_id],
            set_={"check_ins": span.excluded.check_ins, "last_seq": span.excluded.last_seq,
                  "last_signs": span.excluded.last_signs})
        _UPSERTS[dialect] = (day, span)
    return _UPSERTS[dialect]


def _read_contributions(s: Session, client_ids: Sequence[int], tz: tzinfo,
                        days: set[date] | None) -> dict[int, Contribution]:
    """Every listed client's contribution from the records: day cells only on `days` (None: every day), spans
    always whole (a back-dated save renumbers `seq` anywhere in the client's history). Three indexed reads per
    500 clients: their check-ins, then the items and referrals of the check-ins on those days."""
    conn = s.connection()
    found = {cid: Contribution() for cid in client_ids}
    for ids in _chunks(sorted(set(client_ids))):
        day_of: dict[int, tuple[int, date]] = {}
        per_client: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
        for check_in_id, client_id, at, seq, safety, version, concern, contact, signs in conn.execute(
                _CLIENT_CHECK_INS, {"ids": ids}):
            day = _local_day(at, tz)
            per_client[client_id].append((day, seq, signs))
            if days is None or day in days:
                day_of[check_in_id] = (client_id, day)
                cells = found[client_id].cells
                for cell, n, n2 in _cells_of_check_in(day, bool(safety), version, concern, contact):
                    _add(cells, cell, n, n2)
        for cid, seen in per_client.items():
            found[cid].spans = _spans(seen)
        for check_in_ids in _chunks(list(day_of)):
            for check_in_id, code in conn.execute(_CHECK_IN_ITEMS, {"ids": check_in_ids}):
                cid, day = day_of[check_in_id]
                _add(found[cid].cells, (day, "item", code), 1, 0)
            for check_in_id, resource, accepted in conn.execute(_CHECK_IN_REFERRALS, {"ids": check_in_ids}):
                cid, day = day_of[check_in_id]
                for cell, n, n2 in _cells_of_referral(day, resource, bool(accepted)):
                    _add(found[cid].cells, cell, n, n2)
    return found


def contributions(s: Session, client_id: int, zone: str | tzinfo,
                  days: Iterable[date] | None = None) -> Contribution:
    """One client's contribution to the summaries, from the records: day cells on the given local days (None:
    every day) and every week and month they were seen in."""
    s.flush()
    return _read_contributions(s, [client_id], _zone(zone), None if days is None else set(days))[client_id]


# --------------------------------------------------------------------------- keeping them in step


def _state_zone(s: Session, *, share: bool) -> str | None:
    """The summaries' zone, or None when they are not built. `share` holds the row (PostgreSQL FOR SHARE) until
    the transaction ends, so a rebuild (which takes it FOR UPDATE) waits for this write, and this write for it."""
    return s.connection().execute(_STATE_SHARED if share else _STATE).scalar()


def _local_days(days: Iterable[date | datetime], tz: tzinfo) -> set[date]:
    return {_local_day(d, tz) if isinstance(d, datetime) else d for d in days}


@contextmanager
def track(s: Session, client_ids: Iterable[int], days: Iterable[date | datetime] | None = None) -> Iterator[None]:
    """Wrap any change to these clients' check-ins (items, referrals, removal) inside a write transaction; the
    summaries follow it in the same transaction. `days` are the days whose cells may change: stored times (naive
    UTC, turned into local days here) or local days; None means every day (erasure, retention, demo).

    Enter before the first change to a check-in in the transaction: on PostgreSQL the state row is held FOR SHARE
    here, and a rebuild holds it before it locks the record tables, so the other order could deadlock with it.
    An exception inside leaves the summaries alone (the transaction rolls back anyway)."""
    zone = _state_zone(s, share=True)
    if zone is None:
        yield
        return
    s.flush()  # the reads below go straight to the connection
    ids = sorted(set(client_ids))
    if s.get_bind().dialect.name == "postgresql":
        for chunk in _chunks(ids):  # in id order, so two writers over several clients never deadlock
            s.connection().execute(_LOCK_CLIENTS, {"ids": chunk}).all()
    tz = ZoneInfo(zone)
    local = None if days is None else _local_days(days, tz)
    before = _read_contributions(s, ids, tz, local)
    yield
    s.flush()
    after = _read_contributions(s, ids, tz, local)
    _apply_days(s, [(before[cid].cells, after[cid].cells) for cid in ids])
    for cid in ids:
        _apply_spans(s, cid, before[cid].spans, after[cid].spans)


def _apply_days(s: Session, pairs: Iterable[tuple[dict[Cell, tuple[int, int]], dict[Cell, tuple[int, int]]]]) -> None:
    """Add every client's difference to the day rows: one upsert per changed cell, in key order (so two writers
    lock shared rows in the same order), and a row whose figures all reach 0 deleted."""
    delta: dict[Cell, list[int]] = {}
    for old, new in pairs:
        for cell in old.keys() | new.keys():
            n0, m0 = old.get(cell, (0, 0))
            n1, m1 = new.get(cell, (0, 0))
            change = (n1 - n0, (n1 > 0) - (n0 > 0), m1 - m0, (m1 > 0) - (m0 > 0))
            if any(change):
                total = delta.setdefault(cell, [0, 0, 0, 0])
                for i, v in enumerate(change):
                    total[i] += v
    conn = s.connection()
    upsert, _ = _upserts(conn.dialect.name)
    for cell in sorted(c for c, v in delta.items() if any(v)):
        day, kind, code = cell
        dn, dc, dn2, dc2 = delta[cell]
        figures = tuple(conn.execute(upsert, {"day": day, "kind": kind, "code": code, "n": dn, "clients": dc,
                                              "n2": dn2, "clients2": dc2}).one())
        if min(figures) < 0:
            # Only possible when the table was already out of step with the records; `summaries --check` says where.
            log.warning("trend summaries out of step at %s %s %s: %s", day, kind, code, figures)
        if not any(figures):
            conn.execute(_DELETE_EMPTY_DAY, {"d": day, "k": kind, "c": code})


def _apply_spans(s: Session, client_id: int, old: dict[SpanKey, Span], new: dict[SpanKey, Span]) -> None:
    """Bring one client's span rows from `old` to `new`, writing only the rows that differ (by primary key)."""
    conn = s.connection()
    _, upsert = _upserts(conn.dialect.name)
    for key in sorted(old.keys() | new.keys()):
        unit, start = key
        if key not in new:
            conn.execute(_DELETE_SPAN, {"u": unit, "s": start, "cid": client_id})
        elif old.get(key) != new[key]:
            check_ins, last_seq, last_signs = new[key]
            conn.execute(upsert, {"unit": unit, "start": start, "client_id": client_id, "check_ins": check_ins,
                                  "last_seq": last_seq, "last_signs": last_signs})


# --------------------------------------------------------------------------- rebuilding from the records

_CHECK_IN_DAYS = "FROM {days} d CROSS JOIN check_ins c WHERE c.occurred_at >= d.lo AND c.occurred_at < d.hi"
_ITEM_DAYS = "FROM {days} d CROSS JOIN check_in_items i WHERE i.occurred_at >= d.lo AND i.occurred_at < d.hi"
_REFERRAL_DAYS = ("FROM {days} d CROSS JOIN check_in_referrals r "
                  "WHERE r.occurred_at >= d.lo AND r.occurred_at < d.hi")
_TAKEN = "CASE WHEN r.accepted THEN 1 ELSE 0 END"
_TAKEN_BY = "CASE WHEN r.accepted THEN r.client_id END"
_DAY_ROWS = "INSERT INTO trend_days (day, kind, code, n, clients, n2, clients2) "
# Every figure in SQL, in one pass per figure over a covering index (the days table is the outer loop: CROSS JOIN
# keeps SQLite from reordering), so a million check-ins never become Python objects.
_REBUILD = (
    _DAY_ROWS + "SELECT d.day, 'check_ins', '', count(*), count(DISTINCT c.client_id), 0, 0 "
    + _CHECK_IN_DAYS + " GROUP BY d.day",
    _DAY_ROWS + "SELECT d.day, 'safety', '', count(*), count(DISTINCT c.client_id), 0, 0 "
    + _CHECK_IN_DAYS + " AND c.safety_planning GROUP BY d.day",
    _DAY_ROWS + "SELECT d.day, 'version', CAST(c.checklist_version AS VARCHAR(80)), count(*), "
    "count(DISTINCT c.client_id), 0, 0 " + _CHECK_IN_DAYS + " GROUP BY d.day, c.checklist_version",
    _DAY_ROWS + "SELECT d.day, 'concern', c.concern, count(*), count(DISTINCT c.client_id), 0, 0 "
    + _CHECK_IN_DAYS + " GROUP BY d.day, c.concern",
    _DAY_ROWS + "SELECT d.day, 'contact', c.contact_mode, count(*), count(DISTINCT c.client_id), 0, 0 "
    + _CHECK_IN_DAYS + " GROUP BY d.day, c.contact_mode",
    _DAY_ROWS + "SELECT d.day, 'item', i.code, count(*), count(DISTINCT i.client_id), 0, 0 "
    + _ITEM_DAYS + " GROUP BY d.day, i.code",
    _DAY_ROWS + f"SELECT d.day, 'referral', r.resource_code, count(*), count(DISTINCT r.client_id), sum({_TAKEN}), "
    f"count(DISTINCT {_TAKEN_BY}) " + _REFERRAL_DAYS + " GROUP BY d.day, r.resource_code",
    _DAY_ROWS + f"SELECT d.day, 'referrals', '', count(*), count(DISTINCT r.client_id), sum({_TAKEN}), "
    f"count(DISTINCT {_TAKEN_BY}) " + _REFERRAL_DAYS + " GROUP BY d.day",
    # Each client's weeks (months), with the sign count of the last check-in there found by the (client_id, seq,
    # sign_count) index. Written once: an UPDATE pass afterwards took PostgreSQL 50 s at a million check-ins.
    *("INSERT INTO trend_client_spans (unit, start, client_id, check_ins, last_seq, last_signs) "
      f"SELECT '{unit}', g.start, g.client_id, g.n, g.seq, l.sign_count FROM ("
      f"SELECT d.{unit} AS start, c.client_id AS client_id, count(*) AS n, max(c.seq) AS seq " + _CHECK_IN_DAYS
      + f" GROUP BY d.{unit}, c.client_id) g JOIN check_ins l ON l.client_id = g.client_id AND l.seq = g.seq"
      for unit in ("week", "month")),
)


def _stamp(value: datetime, backend: str) -> datetime | str:
    """A day boundary as the SQL compares it. On SQLite a stored time is text: written by SQLAlchemy with
    microseconds, or by a bulk load without them when they are 0; the boundary without them sorts right
    against both ("…06:00:00" <= "…06:00:00.000000")."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if backend == "sqlite" else value


def _on(day: date, backend: str) -> date | str:
    """A day as SQLAlchemy stores a Date on SQLite (ISO text), so the rows it copies read back as dates."""
    return day.isoformat() if backend == "sqlite" else day


def _fill_days(s: Session, tz: tzinfo, backend: str) -> int:
    """The temporary table of local days from the first check-in's to the last's: each day's bounds as stored
    (naive UTC), its Monday and its month."""
    first, last = s.execute(select(func.min(CheckIn.occurred_at), func.max(CheckIn.occurred_at))).one()
    kind = "TIMESTAMP" if backend == "postgresql" else "DATETIME"
    s.execute(text(f"CREATE TEMPORARY TABLE {_DAYS_TABLE} (day DATE PRIMARY KEY, lo {kind} NOT NULL, "
                   f"hi {kind} NOT NULL, week DATE NOT NULL, month DATE NOT NULL)"))
    if first is None:
        return 0
    day, end = _local_day(first, tz), _local_day(last, tz)
    rows = []
    lo = local_midnight(day, tz)
    while day <= end:
        hi = local_midnight(day + timedelta(days=1), tz)
        rows.append({"day": _on(day, backend), "lo": _stamp(lo, backend), "hi": _stamp(hi, backend),
                     "week": _on(monday(day), backend), "month": _on(_month(day), backend)})
        day, lo = day + timedelta(days=1), hi
    insert_days = text(f"INSERT INTO {_DAYS_TABLE} (day, lo, hi, week, month) VALUES (:day, :lo, :hi, :week, :month)")
    for i in range(0, len(rows), 5_000):
        s.execute(insert_days, rows[i:i + 5_000])
    if backend == "postgresql":
        s.execute(text(f"ANALYZE {_DAYS_TABLE}"))
    return len(rows)


def _lock_for_rebuild(s: Session, backend: str) -> None:
    """PostgreSQL: wait for every write holding the state row, keep new ones out, and keep the record tables
    still until this transaction ends. SQLite: the write transaction already holds the one write lock."""
    if backend != "postgresql":
        return
    s.execute(text("SET LOCAL statement_timeout = 0"))  # a rebuild of a million check-ins runs past 30 s
    s.execute(text("LOCK TABLE trend_summary_state IN EXCLUSIVE MODE"))
    s.execute(text("LOCK TABLE check_ins, check_in_items, check_in_referrals IN SHARE MODE"))


@contextmanager
def _rebuilding(db: Database) -> Iterator[Session]:
    """The rebuild's one write transaction. On SQLite its sorts go to temporary files rather than memory (the app's
    setting): grouping a million check-ins by client and week in memory took the process past 500 MB."""
    if db.backend != "sqlite":
        with db.writing() as s:
            yield s
        return
    with answering(), db.engine.connect() as conn:
        raw = conn.connection.driver_connection  # outside any transaction: SQLite refuses the change inside one
        raw.execute("PRAGMA temp_store=FILE")
        try:
            with Session(bind=conn.execution_options(waypoint_write=True)) as s, s.begin():
                yield s
        finally:
            raw.execute("PRAGMA temp_store=MEMORY")


def _rebuild(db: Database, zone: str, *, only_if_needed: bool) -> dict[str, Any] | None:
    tz = ZoneInfo(zone)  # refuses an unknown zone before anything is touched
    zone = zone_key(zone)
    started = time.perf_counter()
    with _rebuilding(db) as s:
        _lock_for_rebuild(s, db.backend)
        state = s.get(TrendSummaryState, STATE_ID, populate_existing=True)
        was = state.zone if state is not None else None
        if only_if_needed and was == zone:
            return None
        s.execute(delete(TrendDay).execution_options(synchronize_session=False))
        s.execute(delete(TrendClientSpan).execution_options(synchronize_session=False))
        days = _fill_days(s, tz, db.backend)
        for statement in _REBUILD:
            s.execute(text(statement.format(days=_DAYS_TABLE)))
        s.execute(text(f"DROP TABLE {_DAYS_TABLE}"))
        if state is None:
            s.add(TrendSummaryState(id=STATE_ID, zone=zone, built_at=utcnow()))
        else:
            state.zone, state.built_at = zone, utcnow()
        day_rows = s.scalar(select(func.count()).select_from(TrendDay)) or 0
        span_rows = s.scalar(select(func.count()).select_from(TrendClientSpan)) or 0
        check_ins = s.scalar(select(func.count()).select_from(CheckIn)) or 0
    return {"zone": zone, "previous_zone": was, "days": days, "day_rows": day_rows, "span_rows": span_rows,
            "check_ins": check_ins, "seconds": time.perf_counter() - started}


def rebuild(db: Database, zone: str) -> dict[str, Any]:
    """Throw the summaries away and make them again from the records, in `zone`, in one write transaction; writes
    wait for it (PostgreSQL: locks; SQLite: the one write lock). Returns what was made and how long it took."""
    made = _rebuild(db, zone, only_if_needed=False)
    assert made is not None
    return made


def ensure_built(db: Database, zone: str) -> dict[str, Any] | None:
    """Build the summaries when there are none or they were cut in another zone (the agency's changed); None when
    they are already right. Called on start, after migrating; two starting processes build them once."""
    with db.reading() as s:
        if _state_zone(s, share=False) == zone:
            return None
    made = _rebuild(db, zone, only_if_needed=True)
    if made is not None:
        was = made["previous_zone"] or "none"
        log.info("trend summaries built in %s (were: %s): %d day rows, %d client spans from %d check-ins in %.1f s",
                 zone, was, made["day_rows"], made["span_rows"], made["check_ins"], made["seconds"])
    return made


# --------------------------------------------------------------------------- checking them against the records


def _consistent_read(s: Session) -> None:
    """Every read of the check below sees one snapshot (PostgreSQL's default gives each statement its own; SQLite's
    read transaction already is one). Must come first in the transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class _LocalDays:
    """`in_zone(t, zone).date()` for a stream of records, cached per UTC quarter hour: every offset in use since
    1970 is a whole number of quarter hours and changes on a quarter hour, so a local day never begins inside
    one. A quarter hour whose offset differs at its two ends, or is not whole quarter hours (local mean time
    before 1900), is not cached and is worked out record by record."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.cache: dict[tuple[int, int, int, int, int], date | None] = {}

    def __call__(self, value: datetime) -> date:
        key = (value.year, value.month, value.day, value.hour, value.minute // 15)
        day = self.cache.get(key, _MISSING)
        if day is _MISSING:
            start = value.replace(minute=key[4] * 15, second=0, microsecond=0, tzinfo=UTC)
            first = start.astimezone(self.tz)
            last = (start + timedelta(minutes=15, microseconds=-1)).astimezone(self.tz)
            offset = first.utcoffset()
            steady = (offset is not None and offset == last.utcoffset()
                      and offset % timedelta(minutes=15) == timedelta(0))
            day = self.cache[key] = first.date() if steady else None
        return day if day is not None else _local_day(value, self.tz)  # type: ignore[return-value]


_MISSING: Any = object()


def _stream(s: Session, query: Any) -> Iterator[Any]:
    """Rows of a query read in batches as plain tuples (PostgreSQL: a server-side cursor), never all at once."""
    return iter(s.connection().execution_options(yield_per=_STREAM).execute(query))


class _Days:
    """Records of one kind, in time order, added into per-day cells: n, the clients, n2, the clients with n2.
    A day's client sets are kept only while it can still receive records (local days follow time order, give or
    take a day at a clock change); then they become counts."""

    def __init__(self, totals: dict[Cell, tuple[int, int, int, int]]) -> None:
        self.totals = totals
        self.open: dict[date, dict[tuple[str, str], list[Any]]] = {}
        self.closed: set[date] = set()
        self.late = 0  # records whose day was already closed: their clients may be counted twice

    def day(self, day: date) -> dict[tuple[str, str], list[Any]]:
        cells = self.open.get(day)
        if cells is None:
            if day in self.closed:
                self.late += 1
            cells = self.open[day] = {}
            for old in [d for d in self.open if d < day - timedelta(days=1)]:
                self._close(old)
        return cells

    def _close(self, day: date) -> None:
        self.closed.add(day)
        for (kind, code), (n, clients, n2, clients2) in self.open.pop(day).items():
            old = self.totals.get((day, kind, code), (0, 0, 0, 0))
            self.totals[(day, kind, code)] = (old[0] + n, old[1] + len(clients), old[2] + n2, old[3] + len(clients2))

    def finish(self) -> int:
        for day in sorted(self.open):
            self._close(day)
        return self.late


def _count(cells: dict[tuple[str, str], list[Any]], key: tuple[str, str], client_id: int, taken: bool = False) -> None:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = [0, set(), 0, set()]
    cell[0] += 1
    cell[1].add(client_id)
    if taken:
        cell[2] += 1
        cell[3].add(client_id)


def _records_by_day(s: Session, local_day: _LocalDays,
                    figures: dict[str, int]) -> tuple[dict[Cell, tuple[int, int, int, int]], int]:
    """Every day cell recomputed from the records in Python, one record at a time, independently of the SQL of
    the rebuild (each checks the other). Returns the cells and how many records came after their day closed."""
    totals: dict[Cell, tuple[int, int, int, int]] = {}
    late = 0
    days, count = _Days(totals), 0
    for at, client_id, safety, version, concern, contact in _stream(s, select(
            CheckIn.occurred_at, CheckIn.client_id, CheckIn.safety_planning, CheckIn.checklist_version,
            CheckIn.concern, CheckIn.contact_mode).order_by(CheckIn.occurred_at)):
        cells = days.day(local_day(at))
        _count(cells, ("check_ins", ""), client_id)
        _count(cells, ("version", str(version)), client_id)
        _count(cells, ("concern", concern), client_id)
        _count(cells, ("contact", contact), client_id)
        if safety:
            _count(cells, ("safety", ""), client_id)
        count += 1
    figures["check_ins"] = count
    late += days.finish()
    days, count = _Days(totals), 0
    for at, client_id, code in _stream(s, select(CheckInItem.occurred_at, CheckInItem.client_id, CheckInItem.code)
                                       .order_by(CheckInItem.occurred_at)):
        _count(days.day(local_day(at)), ("item", code), client_id)
        count += 1
    figures["items"] = count
    late += days.finish()
    days, count = _Days(totals), 0
    for at, client_id, resource, accepted in _stream(s, select(
            CheckInReferral.occurred_at, CheckInReferral.client_id, CheckInReferral.resource_code,
            CheckInReferral.accepted).order_by(CheckInReferral.occurred_at)):
        cells = days.day(local_day(at))
        _count(cells, ("referral", resource), client_id, bool(accepted))
        _count(cells, ("referrals", ""), client_id, bool(accepted))
        count += 1
    figures["referrals"] = count
    late += days.finish()
    return totals, late


def _by_client(rows: Iterator[Any]) -> Iterator[tuple[int, list[Any]]]:
    """Rows ordered by client id (first column) grouped per client."""
    current: int | None = None
    group: list[Any] = []
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, group
            current, group = row[0], []
        group.append(row)
    if current is not None:
        yield current, group


def _span_differences(s: Session, local_day: _LocalDays, figures: dict[str, int], out: list[str]) -> None:
    """Each client's weeks and months from their check-ins against the stored rows, client by client (both read in
    client order, so only one client is held at a time)."""
    computed = _by_client(_stream(s, select(CheckIn.client_id, CheckIn.occurred_at, CheckIn.seq, CheckIn.sign_count)
                                  .order_by(CheckIn.client_id)))
    stored = _by_client(_stream(s, select(TrendClientSpan.client_id, TrendClientSpan.unit, TrendClientSpan.start,
                                          TrendClientSpan.check_ins, TrendClientSpan.last_seq,
                                          TrendClientSpan.last_signs)
                                .order_by(TrendClientSpan.client_id, TrendClientSpan.unit, TrendClientSpan.start)))
    end = (None, [])
    a, b = next(computed, end), next(stored, end)
    rows = 0
    while a[0] is not None or b[0] is not None:
        if b[0] is None or (a[0] is not None and a[0] < b[0]):
            cid, want, have = a[0], _spans((local_day(at), seq, n) for _, at, seq, n in a[1]), {}
            a = next(computed, end)
        elif a[0] is None or b[0] < a[0]:
            cid, want, have = b[0], {}, {(unit, start): (n, seq, m) for _, unit, start, n, seq, m in b[1]}
            b = next(stored, end)
        else:
            cid = a[0]
            want = _spans((local_day(at), seq, n) for _, at, seq, n in a[1])
            have = {(unit, start): (n, seq, m) for _, unit, start, n, seq, m in b[1]}
            a, b = next(computed, end), next(stored, end)
        rows += len(have)
        for key in sorted(want.keys() | have.keys()):
            if want.get(key) != have.get(key):
                out.append(f"trend_client_spans {key[0]} {key[1]} client {cid}: stored "
                           f"{_span_words(have.get(key))}, records say {_span_words(want.get(key))}")
    figures["span_rows"] = rows


def _span_words(value: Span | None) -> str:
    return "no row" if value is None else "check_ins={} last_seq={} last_signs={}".format(*value)


def _day_words(value: tuple[int, int, int, int] | None) -> str:
    return "no row" if value is None else "n={} clients={} n2={} clients2={}".format(*value)


def compare(db: Database) -> Comparison:
    """Recompute every figure from the records (in Python, streaming) and compare it with the tables."""
    figures: dict[str, int] = {}
    out: list[str] = []
    with db.reading() as s:
        _consistent_read(s)
        zone = _state_zone(s, share=False)
        if zone is None:
            rows = (s.scalar(select(func.count()).select_from(TrendDay)) or 0) + \
                   (s.scalar(select(func.count()).select_from(TrendClientSpan)) or 0)
            figures["rows"] = rows
            out.append("The trend summaries are not built (no state row)"
                       + (f", yet their tables hold {rows} rows." if rows else "."))
            return Comparison(None, figures, out)
        local_day = _LocalDays(ZoneInfo(zone))
        want, late = _records_by_day(s, local_day, figures)
        if late:
            out.append(f"{late} records fell on a local day already counted (a clock change in {zone}?); "
                       "their days could not be checked exactly")
        have = {(day, kind, code): tuple(figures_of) for day, kind, code, *figures_of in _stream(s, select(
            TrendDay.day, TrendDay.kind, TrendDay.code, TrendDay.n, TrendDay.clients, TrendDay.n2, TrendDay.clients2))}
        figures["day_rows"] = len(have)
        for cell in sorted(want.keys() | have.keys()):
            if want.get(cell) != have.get(cell):
                day, kind, code = cell
                out.append(f"trend_days {day} {kind} {code!r}: stored {_day_words(have.get(cell))}, "
                           f"records say {_day_words(want.get(cell))}")
        _span_differences(s, local_day, figures, out)
    return Comparison(zone, figures, out)


def verify(db: Database) -> list[str]:
    """Every difference between the summaries and the records, one line each; empty when they match."""
    return compare(db).differences
