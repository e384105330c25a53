"""The trends page read from the summaries, so that its cost follows the days and clients of the period, not the
check-ins in it (models/services/trend_summary.py keeps the summaries in step with every write).

Exact where a figure is shown, and exactly enough where a figure only decides what is hidden:
- counts (check-ins, observed items, referrals offered and taken up, versions) are sums of per-day rows: exact;
- distinct clients that are shown (clients seen in the period and each week, the progress chart's clients) come
  from each client's weeks and months (TrendClientSpan); days at a period's edge that make no whole week or month
  are read from the records, a few days at most;
- distinct clients that only decide whether a cell is hidden: the most clients on any one day of the cell is a
  lower bound of its distinct clients. At k or more the cell is shown whatever its exact count; below k its exact
  count is read from the records, which are few by then (fewer than k clients on each of its days).
The suppression rule (models/rules/privacy.py) gives the same cells hidden from that as from exact counts: a cell
is hidden when its clients are fewer than k, which a bound of k or more rules out; the hidden cells of a group come
to fewer than k only when every one of them is small, and small cells are counted exactly; and the second cell
hidden beside a small one is chosen by its check-ins, which are exact.

Used when the page asks for every advocate, context and level of concern, in the zone the summaries were built
in; a filtered view reads the records (models/services/trends.py), which a filter makes few.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, distinct, func, literal, select, union
from sqlalchemy.sql.expression import ColumnElement

from models.base.timeutil import zone_key
from models.services.periods import Period, add_months, local_midnight
from models.store.entities import (
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    TrendClientSpan,
    TrendDay,
    TrendSummaryState,
)

UTC_NAME = "UTC"


def zone_name(zone: str | None) -> str:
    return zone_key(zone) if zone else UTC_NAME


def summarised_zone(s: Any) -> str | None:
    """The zone the summaries were built in, or None when they are not built."""
    return s.scalar(select(TrendSummaryState.zone).where(TrendSummaryState.id == 1))


# --- days, weeks and months ------------------------------------------------------------------------------------

def _zone(name: str) -> ZoneInfo | None:
    return None if name == UTC_NAME else ZoneInfo(name)


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Pieces:
    """A run of days cut into whole calendar months, whole weeks (Monday to Sunday) and the days left over."""

    months: list[date]
    weeks: list[date]
    days: list[tuple[date, date]]  # inclusive runs


def pieces(start: date, end: date, *, months: bool = True) -> Pieces:
    out = Pieces([], [], [])
    run: list[date] = []
    day = start
    while day <= end:
        if months and day.day == 1 and _month_end(day) <= end:
            step = _month_end(day) + timedelta(days=1)
            out.months.append(day)
        elif day.weekday() == 0 and day + timedelta(days=6) <= end:
            step = day + timedelta(days=7)
            out.weeks.append(day)
        else:
            step = day + timedelta(days=1)
            if run and run[1] + timedelta(days=1) == day:
                run[1] = day
            else:
                run = [day, day]
                out.days.append(run)  # type: ignore[arg-type]
        day = step
    return Pieces(out.months, out.weeks, [(a, b) for a, b in out.days])


def _clients_in(p: Pieces, zone: ZoneInfo | None) -> list[Any]:
    """A select of the distinct client ids seen in the pieces (a UNION, so each once)."""
    parts: list[Any] = []
    if p.months:
        parts.append(select(TrendClientSpan.client_id).where(TrendClientSpan.unit == "month",
                                                             TrendClientSpan.start.in_(p.months)))
    if p.weeks:
        parts.append(select(TrendClientSpan.client_id).where(TrendClientSpan.unit == "week",
                                                             TrendClientSpan.start.in_(p.weeks)))
    for first, last in p.days:
        parts.append(select(CheckIn.client_id).where(CheckIn.occurred_at >= local_midnight(first, zone),
                                                     CheckIn.occurred_at < local_midnight(last + timedelta(days=1),
                                                                                          zone)))
    return parts


def clients_seen(s: Any, period: Period, zone_label: str) -> int:
    """Distinct clients with a check-in in the period: whole months and weeks from the spans, the rest from the
    records."""
    parts = _clients_in(pieces(period.start, period.end), _zone(zone_label))
    if not parts:
        return 0
    query = parts[0].distinct() if len(parts) == 1 else union(*parts)  # a client seen in two weeks counts once
    return int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)


def week_clients(s: Any, weeks: list[tuple[date, date, bool]], zone_label: str) -> dict[date, int]:
    """Distinct clients per week bucket, given (first day, last day, whole week) per bucket."""
    zone = _zone(zone_label)
    whole = [first for first, _, full in weeks if full]
    found: dict[date, int] = {}
    if whole:
        for start, n in s.execute(select(TrendClientSpan.start, func.count())
                                  .where(TrendClientSpan.unit == "week", TrendClientSpan.start.in_(whole))
                                  .group_by(TrendClientSpan.start)).all():
            found[start] = int(n)
    for first, last, full in weeks:
        if full:
            continue
        found[first] = int(s.scalar(select(func.count(distinct(CheckIn.client_id))).where(
            CheckIn.occurred_at >= local_midnight(first, zone),
            CheckIn.occurred_at < local_midnight(last + timedelta(days=1), zone))) or 0)
    return found


# --- per-day cells ---------------------------------------------------------------------------------------------

@dataclass
class Cell:
    """A cell summed over some days: counts exact, clients a lower bound (the most on one day)."""

    n: int = 0
    n2: int = 0
    bound: int = 0
    bound2: int = 0

    def add(self, n: int, clients: int, n2: int, clients2: int) -> None:
        self.n += n
        self.n2 += n2
        self.bound = max(self.bound, clients)
        self.bound2 = max(self.bound2, clients2)


Key = tuple[str, str]  # (kind, code)


@dataclass
class DayFigures:
    """The per-day rows of a period gathered by cell, over the whole period and per bucket."""

    period: dict[Key, Cell]
    by_bucket: dict[tuple[int, str, str], Cell]  # (bucket number, kind, code)
    by_week: dict[tuple[int, str, str], Cell]


def day_figures(s: Any, period: Period, bucket_of: dict[date, int], week_of: dict[date, int]) -> DayFigures:
    out = DayFigures(defaultdict(Cell), defaultdict(Cell), defaultdict(Cell))
    rows = s.execute(select(TrendDay.day, TrendDay.kind, TrendDay.code, TrendDay.n, TrendDay.clients, TrendDay.n2,
                            TrendDay.clients2)
                     .where(TrendDay.day >= period.start, TrendDay.day <= period.end)).all()
    for day, kind, code, n, clients, n2, clients2 in rows:
        out.period[(kind, code)].add(n, clients, n2, clients2)
        if kind in ("item", "version", "check_ins"):
            out.by_bucket[(bucket_of[day], kind, code)].add(n, clients, n2, clients2)
        if kind in ("concern", "check_ins"):
            out.by_week[(week_of[day], kind, code)].add(n, clients, n2, clients2)
    return out


def totals(s: Any, period: Period, zone_label: str, k: int, cells: dict[Key, Cell] | None = None
           ) -> dict[str, int]:
    """The headline figures of a period, as models/services/trends._totals gives them from the records."""
    if cells is None:
        cells = defaultdict(Cell)
        for kind, code, n, clients, n2, clients2 in s.execute(
                select(TrendDay.kind, TrendDay.code, func.sum(TrendDay.n), func.max(TrendDay.clients),
                       func.sum(TrendDay.n2), func.max(TrendDay.clients2))
                .where(TrendDay.day >= period.start, TrendDay.day <= period.end,
                       TrendDay.kind.in_(("check_ins", "safety", "referrals")))
                .group_by(TrendDay.kind, TrendDay.code)).all():
            cells[(kind, code)].add(int(n or 0), int(clients or 0), int(n2 or 0), int(clients2 or 0))
    every, safety, refs = cells[("check_ins", "")], cells[("safety", "")], cells[("referrals", "")]
    zone = _zone(zone_label)
    start, end = period.bounds(zone)
    in_period = [CheckIn.occurred_at >= start, CheckIn.occurred_at < end]
    in_refs = [CheckInReferral.occurred_at >= start, CheckInReferral.occurred_at < end]

    def exact(bound: int, query: Any) -> int:
        return bound if bound >= k or bound == 0 else int(s.scalar(query) or 0)

    safety_clients = exact(safety.bound, select(func.count(distinct(CheckIn.client_id)))
                           .where(*in_period, CheckIn.safety_planning.is_(True)))
    offered_clients = exact(refs.bound, select(func.count(distinct(CheckInReferral.client_id))).where(*in_refs))
    accepted_clients = exact(refs.bound2, select(func.count(distinct(CheckInReferral.client_id)))
                             .where(*in_refs, CheckInReferral.accepted.is_(True)))
    opened = s.scalar(select(func.count()).select_from(Client).where(
        Client.opened_on >= period.start, Client.opened_on <= period.end)) or 0
    return {"check_ins": every.n, "clients": clients_seen(s, period, zone_label) if every.n else 0,
            "safety": safety.n, "safety_clients": safety_clients, "offered": refs.n, "accepted": refs.n2,
            "offered_clients": offered_clients, "accepted_clients": accepted_clients, "opened": int(opened)}


# --- exact counts where a bound is below k ---------------------------------------------------------------------

def bucket_case(column: Any, starts: list[datetime]) -> ColumnElement[int]:
    """The bucket number of each row (rows are inside the period, so anything before the second bucket's start
    is in the first), as CASEs nested as a binary search: a row meets about log2(n) comparisons, not n (twenty
    years of weeks is 1,044 buckets). Plain CASE and comparisons: the same SQL on SQLite and PostgreSQL."""

    def between(lo: int, hi: int) -> ColumnElement[int]:
        if hi - lo == 1:
            return literal(lo)
        mid = (lo + hi) // 2
        return case((column >= literal(starts[mid], CheckIn.occurred_at.type), between(mid, hi)),
                    else_=between(lo, mid))

    return between(0, len(starts))


def exact_item_clients(s: Any, start: datetime, end: datetime, codes: Iterable[str]) -> dict[str, int]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    rows = s.execute(select(CheckInItem.code, func.count(distinct(CheckInItem.client_id)))
                     .where(CheckInItem.code.in_(codes), CheckInItem.occurred_at >= start,
                            CheckInItem.occurred_at < end).group_by(CheckInItem.code)).all()
    return {code: int(n) for code, n in rows}


def exact_item_bucket_clients(s: Any, starts: list[datetime], start: datetime, end: datetime,
                              cells: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    wanted = set(cells)
    if not wanted:
        return {}
    codes = sorted({code for _, code in wanted})
    bucket = bucket_case(CheckInItem.occurred_at, starts).label("bucket")
    rows = s.execute(select(bucket, CheckInItem.code, func.count(distinct(CheckInItem.client_id)))
                     .where(CheckInItem.code.in_(codes), CheckInItem.occurred_at >= start,
                            CheckInItem.occurred_at < end).group_by(bucket, CheckInItem.code)).all()
    return {(int(b), code): int(n) for b, code, n in rows if (int(b), code) in wanted}


def exact_concern_clients(s: Any, weeks: list[tuple[datetime, datetime]], cells: Iterable[tuple[int, str]]
                          ) -> dict[tuple[int, str], int]:
    """Distinct clients of some (week number, level) cells, each read over its own week."""
    found: dict[tuple[int, str], int] = {}
    by_week: dict[int, list[str]] = defaultdict(list)
    for week, level in set(cells):
        by_week[week].append(level)
    for week, levels in sorted(by_week.items()):
        first, after = weeks[week]
        for level, n in s.execute(select(CheckIn.concern, func.count(distinct(CheckIn.client_id)))
                                  .where(CheckIn.occurred_at >= first, CheckIn.occurred_at < after,
                                         CheckIn.concern.in_(sorted(levels))).group_by(CheckIn.concern)).all():
            found[(week, level)] = int(n)
    return found


def exact_referral_clients(s: Any, start: datetime, end: datetime, codes: Iterable[str]
                           ) -> dict[str, tuple[int, int]]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    accepted = CheckInReferral.accepted.is_(True)
    rows = s.execute(select(CheckInReferral.resource_code, func.count(distinct(CheckInReferral.client_id)),
                            func.count(distinct(case((accepted, CheckInReferral.client_id)))))
                     .where(CheckInReferral.resource_code.in_(codes), CheckInReferral.occurred_at >= start,
                            CheckInReferral.occurred_at < end).group_by(CheckInReferral.resource_code)).all()
    return {code: (int(n), int(m)) for code, n, m in rows}


def settle(cells: dict[Any, Cell], k: int, second: bool = False) -> set[Any]:
    """The cells whose bound (or second bound) is below k but above 0: their exact count must be read."""
    return {key for key, cell in cells.items() if 0 < (cell.bound2 if second else cell.bound) < k}


# --- progress --------------------------------------------------------------------------------------------------

def progress_from_spans(s: Any, unit: str, starts: list[date], comparable: Any) -> dict[date, tuple[int, int]]:
    """Per whole week or month: clients seen in it whose latest check-in there is their third or later, and how
    many of them had fewer comparable signs then than at their first check-in. `comparable(signs, check_in_id)`
    gives the latest check-in's comparable sign count from its sign count (kept in the span row) and its id (a
    subquery, read only for clients who began on an older checklist: models/services/trends._added_since_first).
    No join with the check-ins: on PostgreSQL that join of a quarter's client-weeks was a hash join over all of them
    (about 700 ms at a million check-ins)."""
    if not starts:
        return {}
    span = TrendClientSpan
    latest_id = (select(CheckIn.id).where(CheckIn.client_id == span.client_id, CheckIn.seq == span.last_seq)
                 .correlate(span).scalar_subquery())
    signs = comparable(span.last_signs, latest_id)
    rows = s.execute(
        select(span.start, func.count(), func.coalesce(func.sum(case((signs < Client.first_sign_count, 1),
                                                                      else_=0)), 0))
        .select_from(span)
        .join(Client, Client.id == span.client_id)
        .where(span.unit == unit, span.start.in_(starts), span.last_seq >= 3)
        .group_by(span.start)).all()
    return {start: (int(n), int(fell)) for start, n, fell in rows}


def month_clients(s: Any, months: list[date]) -> dict[date, int]:
    """Distinct clients per whole calendar month, from the spans."""
    if not months:
        return {}
    return {start: int(n) for start, n in s.execute(
        select(TrendClientSpan.start, func.count()).where(TrendClientSpan.unit == "month",
                                                          TrendClientSpan.start.in_(months))
        .group_by(TrendClientSpan.start)).all()}
