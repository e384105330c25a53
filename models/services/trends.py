"""Caseload trends for supervisors: every figure aggregated in SQL on indexed columns, then small cells hidden.

What is counted, and by whom:
- work figures (check-ins, signs observed, concern, referrals) belong to the advocate who recorded the check-in;
- standing figures (overdue follow-ups) belong to the client's current advocate, so a reassigned client's
  history stays with whoever did the work and its follow-up moves with the client.
Periods (models/services/periods.py) are whole days in the agency's time zone (`TrendFilter.zone`): every bound
in SQL is a local midnight as stored (naive UTC). The over-time charts count by week (Monday to Sunday) for up
to a quarter and by calendar month beyond, each bucket starting at local midnight and cut to the period's days
(a part week is marked as such). "Change on previous period" compares with `Period.previous()`, and is left out
when nothing at all was recorded before the period (no check-in by anyone, whatever the filters): the zero
before it would be the absence of records, not an observation. Nothing here is a score: these are counts of
observations.

Checklist versions: a check-in keeps the version it was recorded on. An item added in a later version was not on
the form of an earlier check-in, so its share counts only check-ins recorded on that version or later (its
denominator), and a period or bucket with none of those has no share at all (NA, `on_checklist` False) rather
than a misleading 0%. Items that were always there count every check-in, as before.

Words: the page caches a report per filter and shares it between supervisors, who may read different languages.
So a Metric keeps its label and help as the English catalog text (the page shows `_(m.label)`, `_(m.help)` and
compares the English), the closings keep CLOSING_REASONS' English labels (shown through `_()`), and the few texts
built with a number or a date (a part week, an item counted from a date, a resource no longer listed) are written
in the filter's `language`, which is part of the cache key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import and_, case, distinct, func, literal, or_, select
from sqlalchemy.sql.expression import ColumnElement

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.base.inputs import EARLIEST_DATE, row_id, storable
from models.base.timeutil import in_zone, utcnow
from models.content.loader import Checklist, Content
from models.rules.permissions import Actor, Permission, require
from models.rules.privacy import HIDDEN, small, suppress
from models.services import trend_reads
from models.services.clients import CLOSING_REASONS
from models.services.periods import Period, add_months, local_midnight, monday
from models.store.database import Database
from models.store.entities import (
    CONCERN_LEVELS,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    ClientClosure,
    TrendDay,
    User,
)

PROGRESS_MIN_CHECK_INS = 3
# The old rolling choices, kept for the bench and older callers; the page offers calendar periods (periods.py).
PRESETS = {"4 weeks": 4, "Quarter": 13, "Year": 52}


def preset(name: str, today: date) -> Period:
    """One of the old rolling periods as a custom period: whole weeks from a Monday up to today."""
    return Period(monday(today) - timedelta(weeks=PRESETS[name] - 1), today)


# --- buckets ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    """One bar of an over-time chart: a week (from Monday) or a calendar month, cut to the period's days."""

    start: date  # the Monday or the first of the month that names it (may be before the period starts)
    first: date  # the first day counted: `start`, or the period's first day
    last: date  # the last day counted: the week's Sunday or the month's last day, or the period's last day
    unit: str  # "week" or "month"

    @property
    def length(self) -> int:
        """Days in the whole week or month."""
        following = self.start + timedelta(days=7) if self.unit == "week" else add_months(self.start, 1)
        return (following - self.start).days

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def part(self) -> bool:
        """Fewer days than a whole week or month: its bar is not comparable with the others."""
        return self.days < self.length

    def note(self) -> str:
        """'part week (2 days)' for a bar cut short by the period's start or end, else ''; in the reader's
        language."""
        if not self.part:
            return ""
        n = i18n.number(self.days)
        if self.unit == "week":
            # TRANSLATORS: a bar of a chart that covers only some days of a week.
            return ngettext("part week ({n} day)", "part week ({n} days)", self.days).format(n=n)
        # TRANSLATORS: a bar of a chart that covers only some days of a month.
        return ngettext("part month ({n} day)", "part month ({n} days)", self.days).format(n=n)


def bucket_unit(period: Period) -> str:
    """Weeks for up to a quarter (14 weeks), calendar months beyond: a fiscal year reads month by month."""
    return "week" if period.bucket_weeks == 1 else "month"


def buckets(period: Period, unit: str) -> list[Bucket]:
    """The period's weeks or months in time order, each cut to the period's days."""
    starts = period.weeks if unit == "week" else period.months
    out = []
    for start in starts:
        following = start + timedelta(days=7) if unit == "week" else add_months(start, 1)
        out.append(Bucket(start, max(start, period.start), min(following - timedelta(days=1), period.end), unit))
    return out


def bucket_columns(frame: pd.DataFrame, rows: list[Bucket], column: str) -> pd.DataFrame:
    """Each row's bucket (found by its `column` date) as first day, last day, days counted and part-week note,
    so a chart can draw a bar from its first day to its last and mark a part week."""
    by_start = {b.start: b for b in rows}
    found = [by_start[d] for d in frame[column]] if len(frame) else []
    return frame.assign(first_day=[b.first for b in found], last_day=[b.last for b in found],
                        days=[b.days for b in found], part=[b.note() for b in found])


@dataclass(frozen=True)
class TrendFilter:
    """What the page asks for. `zone` is the agency's IANA time zone (Settings.time_zone): a period's days begin
    at midnight there. None counts whole UTC days (tests and the bench). `language` is the reader's, taken when the
    page makes the filter: the report's few built texts are written in it, and a cache keyed on the filter keeps
    one report per language."""

    period: Period
    advocate_id: int | None = None
    context: str | None = None
    concern: str | None = None
    zone: str | None = None
    language: str = field(default_factory=i18n.current)

    def describe(self, advocates: dict[int, str] | None = None, content: Content | None = None) -> str:
        """The filter in English, for logs."""
        parts = [f"period {self.period.describe()}"]
        if self.advocate_id is not None:
            parts.append(f"advocate {(advocates or {}).get(self.advocate_id, self.advocate_id)}")
        if self.context:
            name = self.context
            if content is not None and self.context in content.checklist.all_codes():
                name = content.checklist.item(self.context).label
            parts.append(f"relationship context {name}")
        if self.concern:
            parts.append(f"level of concern {self.concern}")
        return "; ".join(parts)


# --- SQL helpers ---------------------------------------------------------------------------------------------

def _zone(f: TrendFilter) -> ZoneInfo | None:
    return ZoneInfo(f.zone) if f.zone else None


def _bucket(f: TrendFilter, unit: str, table: Any = CheckIn) -> ColumnElement[int]:
    """The bucket number of each row: a CASE over the instants each bucket starts (local midnight in the agency's
    zone, worked out per day, so a daylight-saving change moves a week's start by the hour it should), nested as a
    binary search. Rows are already inside the period, so anything before the second bucket's start is in the
    first. Plain CASE and comparisons: the same SQL on SQLite and PostgreSQL."""
    zone = _zone(f)
    return trend_reads.bucket_case(table.occurred_at, [local_midnight(b.first, zone) for b in buckets(f.period, unit)])


def _scope(f: TrendFilter, period: Period | None = None, table: Any = CheckIn) -> list[ColumnElement[bool]]:
    """The filter as conditions on check-ins, or on items or referrals (which carry copies of the same columns)."""
    start, end = (period or f.period).bounds(_zone(f))
    where: list[ColumnElement[bool]] = [table.occurred_at >= start, table.occurred_at < end]
    if f.advocate_id is not None:
        where.append(table.advocate_id == f.advocate_id)
    if f.concern:
        where.append(table.concern == f.concern)
    if f.context:
        where.append(table.client_id.in_(select(Client.id).where(Client.relationship_context == f.context)))
    return where


# --- the report ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """One headline figure. `label` and `help` are English catalog texts: a page shows `_(label)` and `_(help)`."""

    label: str
    value: float | None  # None when hidden
    previous: float | None
    hidden: bool
    previous_hidden: bool
    kind: str = "count"  # "count" or "share"
    help: str = ""
    # False when nothing at all was recorded before the period: the previous period's zero is not an observation,
    # so there is no change to show.
    compared: bool = True

    @property
    def change(self) -> float | None:
        if not self.compared or self.hidden or self.previous_hidden or self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass
class TrendReport:
    filter: TrendFilter
    k: int
    generated_at: datetime
    metrics: list[Metric]
    weekly: pd.DataFrame
    items: pd.DataFrame
    items_over_time: pd.DataFrame
    concern: pd.DataFrame
    referrals: pd.DataFrame
    overdue: pd.DataFrame
    progress: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    # The day each checklist version's items began to be counted: the first check-in recorded on it or a later one.
    counted_from: dict[int, date] = field(default_factory=dict)
    # Files closed in the period by reason (reason, label, closings, clients, hidden), and their total; both empty
    # / None under a level-of-concern filter, which a closing does not have.
    closings: pd.DataFrame = field(default_factory=pd.DataFrame)
    closings_total: Metric | None = None
    # The first check-in ever recorded (any advocate, any filter), as a date in the agency's zone; None with none.
    # When it falls after the previous period's start there is nothing whole to compare with (`earlier_records`
    # False).
    first_record: date | None = None
    earlier_records: bool = True
    # The bars of the weekly charts and of the charts by `unit` ("week" or "month"), in time order.
    weeks: list[Bucket] = field(default_factory=list)
    spans: list[Bucket] = field(default_factory=list)
    unit: str = "week"
    # Where the figures were read: "summaries" (per-day rows kept in step with every save) or "records".
    read_from: str = "records"
    # Check-ins by the language of the conversation (language: a code of i18n.conversation_languages(), check_ins,
    # hidden) and by whether an interpreter was used (interpreter: True/False, check_ins, hidden); only check-ins
    # that record it, small cells hidden.
    languages: pd.DataFrame = field(default_factory=pd.DataFrame)
    interpreters: pd.DataFrame = field(default_factory=pd.DataFrame)

    def new_item_note(self, added_in: int) -> str:
        """How a supervisor reads an item added after version 1: since when it is counted ('' for the others)."""
        return new_item_note(added_in, self.counted_from.get(added_in))


def _totals(s: Any, f: TrendFilter, period: Period) -> dict[str, int]:
    row = s.execute(select(
        func.count(CheckIn.id), func.count(distinct(CheckIn.client_id)),
        func.coalesce(func.sum(case((CheckIn.safety_planning.is_(True), 1), else_=0)), 0),
        func.count(distinct(case((CheckIn.safety_planning.is_(True), CheckIn.client_id)))),
    ).where(*_scope(f, period))).one()
    ref = s.execute(select(
        func.count(), func.coalesce(func.sum(case((CheckInReferral.accepted.is_(True), 1), else_=0)), 0),
        func.count(distinct(CheckInReferral.client_id)),
        func.count(distinct(case((CheckInReferral.accepted.is_(True), CheckInReferral.client_id)))),
    ).where(*_scope(f, period, CheckInReferral))).one()
    opened = select(func.count()).select_from(Client).where(
        Client.opened_on >= period.start, Client.opened_on <= period.end)
    if f.advocate_id is not None:
        opened = opened.where(Client.advocate_id == f.advocate_id)
    if f.context:
        opened = opened.where(Client.relationship_context == f.context)
    return {"check_ins": row[0], "clients": row[1], "safety": row[2], "safety_clients": row[3],
            "offered": ref[0], "accepted": ref[1], "offered_clients": ref[2], "accepted_clients": ref[3],
            "opened": s.scalar(opened) or 0}


def _metrics(now: dict[str, int], before: dict[str, int], k: int, include_new: bool) -> list[Metric]:
    def count(label: str, key: str, clients_key: str, help: str) -> Metric:
        return Metric(label, float(now[key]), float(before[key]), small(now[clients_key], k),
                      small(before[clients_key], k), "count", help)

    def share(label: str, key: str, of: str, clients_key: str, total_clients: str, help: str) -> Metric:
        def value(t: dict[str, int]) -> float | None:
            return t[key] / t[of] if t[of] else None

        def hidden(t: dict[str, int]) -> bool:
            # Neither the clients inside the share nor the clients it is a share of may be few: "0% taken up" of
            # referrals offered to three clients says what each of those three did (found by a walk).
            return small(t[clients_key], k) or small(t[total_clients], k)
        return Metric(label, value(now), value(before), hidden(now), hidden(before), "share", help)

    # The headline figures on Trends, with their help texts: English catalog texts, shown through _().
    metrics = [
        count(N_("Check-ins"), "check_ins", "clients", N_("Check-ins recorded in the period.")),
        count(N_("Clients seen"), "clients", "clients", N_("Clients with at least one check-in in the period.")),
        share(N_("With safety planning"), "safety", "check_ins", "safety_clients", "clients",
              N_("Share of check-ins where safety planning was done.")),
        count(N_("Referrals offered"), "offered", "offered_clients",
              N_("Referrals offered, counting each resource.")),
        share(N_("Referrals taken up"), "accepted", "offered", "accepted_clients", "offered_clients",
              N_("Share of offered referrals the client took up.")),
    ]
    if include_new:
        # Opened files are counted per client, so the count is its own client count.
        metrics.insert(2, Metric(N_("New clients"), float(now["opened"]), float(before["opened"]),
                                 small(now["opened"], k), small(before["opened"], k), "count",
                                 N_("Client files opened in the period.")))
    return metrics


def _weekly_counts(s: Any, f: TrendFilter) -> dict[int, tuple[int, int]]:
    week = _bucket(f, "week").label("week")
    rows = s.execute(select(week, func.count(CheckIn.id), func.count(distinct(CheckIn.client_id)))
                     .where(*_scope(f)).group_by(week)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _weekly(found: dict[int, tuple[int, int]], f: TrendFilter, k: int) -> pd.DataFrame:
    weeks = buckets(f.period, "week")
    frame = pd.DataFrame([{"week_start": b.start, "check_ins": found.get(n, (0, 0))[0],
                           "clients": found.get(n, (0, 0))[1]} for n, b in enumerate(weeks)])
    return bucket_columns(suppress(frame, k=k, values=["check_ins"], groups=[[]]), weeks, "week_start")


def _item_counts(s: Any, f: TrendFilter) -> dict[str, tuple[int, int]]:
    rows = s.execute(select(CheckInItem.code, func.count(), func.count(distinct(CheckInItem.client_id)))
                     .where(*_scope(f, table=CheckInItem)).group_by(CheckInItem.code)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def _version_started(s: Any) -> dict[int, date]:
    """For each checklist version, the first day a check-in was recorded on it or on a later version, across every
    check-in (not only the period or the filter: it is when the item came into use, not a figure about clients)."""
    rows = s.execute(select(CheckIn.checklist_version, func.min(CheckIn.occurred_at))
                     .group_by(CheckIn.checklist_version)).all()
    first = {int(v): (at.date() if isinstance(at, datetime) else at) for v, at in rows if at is not None}
    return {v: min(d for later, d in first.items() if later >= v) for v in first}


def new_item_note(added_in: int, since: date | None) -> str:
    """'added to the checklist later, counted from 3 Aug 2026' for an item added after the first checklist; ''
    otherwise; in the reader's language. No version numbers: they mean nothing to the person reading."""
    if added_in <= 1:
        return ""
    if since is None:
        return _("added to the checklist later, not counted yet: no check-in has been recorded with it")
    # TRANSLATORS: said of a checklist item; {date} is a date ("3 Aug 2026").
    return _("added to the checklist later, counted from {date}").format(date=i18n.month_day_year(since))


def _version_counts(s: Any, f: TrendFilter) -> dict[int, int]:
    """Check-ins in the period by the checklist version they were recorded on."""
    rows = s.execute(select(CheckIn.checklist_version, func.count(CheckIn.id))
                     .where(*_scope(f)).group_by(CheckIn.checklist_version)).all()
    return {r[0]: r[1] for r in rows}


def asked(by_version: dict[int, int], added_in: int) -> int:
    """How many of these check-ins had an item added in `added_in` on their form: those recorded on that
    checklist version or a later one."""
    return sum(n for version, n in by_version.items() if version >= added_in)


def _share(n: int, on_form: int, total: int, added_in: int) -> float | None:
    if on_form:
        return n / on_form
    # No check-in in it had the item on its form: no share, not 0%. (With no check-ins at all, every item is 0
    # as before: the page shows no chart then.)
    return None if total and added_in > 1 else 0.0


def _items(found: dict[str, tuple[int, int]], content: Content, k: int, by_version: dict[int, int]) -> pd.DataFrame:
    total = sum(by_version.values())
    records = []
    for section in content.checklist.checkin_sections():
        for item in section.items:
            n, clients = found.get(item.code, (0, 0))
            on_form = asked(by_version, item.added_in)
            records.append({"code": item.code, "label": item.label, "section": section.title,
                            "check_ins": n, "clients": clients, "share": _share(n, on_form, total, item.added_in),
                            "added_in": item.added_in, "on_checklist": bool(on_form) or not total})
    frame = pd.DataFrame(records)
    return suppress(frame, k=k, values=["check_ins", "share"]).drop(columns=["clients"])


def _item_bucket_counts(s: Any, f: TrendFilter) -> dict[tuple[int, str], tuple[int, int]]:
    bucket = _bucket(f, bucket_unit(f.period), CheckInItem).label("bucket")
    rows = s.execute(select(bucket, CheckInItem.code, func.count(), func.count(distinct(CheckInItem.client_id)))
                     .where(*_scope(f, table=CheckInItem)).group_by(bucket, CheckInItem.code)).all()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _items_over_time(found: dict[tuple[int, str], tuple[int, int]], f: TrendFilter, content: Content, k: int,
                     bucket_totals: dict[int, dict[int, int]]) -> pd.DataFrame:
    spans = buckets(f.period, bucket_unit(f.period))
    starts = [b.start for b in spans]
    records = []
    for section in content.checklist.checkin_sections():
        for item in section.items:
            for n, start in enumerate(starts):
                count, clients = found.get((n, item.code), (0, 0))
                by_version = bucket_totals.get(n, {})
                total, on_form = sum(by_version.values()), asked(by_version, item.added_in)
                records.append({"bucket_start": start, "code": item.code, "label": item.label,
                                "section": section.title, "check_ins": count, "clients": clients,
                                "share": _share(count, on_form, total, item.added_in),
                                "added_in": item.added_in, "on_checklist": bool(on_form) or not total})
    frame = pd.DataFrame(records)
    # An item's buckets add up to its period count, shown in the prevalence chart.
    return bucket_columns(suppress(frame, k=k, values=["check_ins", "share"], groups=[["code"]]), spans,
                          "bucket_start").drop(columns=["clients"])


def _bucket_totals(s: Any, f: TrendFilter) -> dict[int, dict[int, int]]:
    """Check-ins per bucket by the checklist version they were recorded on."""
    bucket = _bucket(f, bucket_unit(f.period)).label("bucket")
    found: dict[int, dict[int, int]] = {}
    for b, version, n in s.execute(select(bucket, CheckIn.checklist_version, func.count(CheckIn.id))
                                   .where(*_scope(f)).group_by(bucket, CheckIn.checklist_version)).all():
        found.setdefault(b, {})[version] = n
    return found


def _concern_counts(s: Any, f: TrendFilter) -> dict[tuple[int, str], tuple[int, int]]:
    week = _bucket(f, "week").label("week")
    rows = s.execute(select(week, CheckIn.concern, func.count(CheckIn.id), func.count(distinct(CheckIn.client_id)))
                     .where(*_scope(f)).group_by(week, CheckIn.concern)).all()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _concern(found: dict[tuple[int, str], tuple[int, int]], f: TrendFilter, k: int) -> pd.DataFrame:
    levels = [f.concern] if f.concern else list(CONCERN_LEVELS)
    weeks = buckets(f.period, "week")
    frame = pd.DataFrame([{"week_start": b.start, "concern": level, "check_ins": found.get((n, level), (0, 0))[0],
                           "clients": found.get((n, level), (0, 0))[1]}
                          for n, b in enumerate(weeks) for level in levels])
    # Each week's levels add up to that week's check-ins; each level's weeks add up to its period total.
    return bucket_columns(suppress(frame, k=k, values=["check_ins"], groups=[["week_start"], ["concern"]]), weeks,
                          "week_start").drop(columns=["clients"])


def _referral_counts(s: Any, f: TrendFilter) -> dict[str, tuple[int, int, int, int]]:
    """Per resource: offered, taken up, clients offered, clients who took it up."""
    accepted = CheckInReferral.accepted.is_(True)
    rows = s.execute(select(
        CheckInReferral.resource_code, func.count(), func.coalesce(func.sum(case((accepted, 1), else_=0)), 0),
        func.count(distinct(CheckInReferral.client_id)),
        func.count(distinct(case((accepted, CheckInReferral.client_id)))),
    ).where(*_scope(f, table=CheckInReferral)).group_by(CheckInReferral.resource_code)).all()
    return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows}


def _referrals(found: dict[str, tuple[int, int, int, int]], content: Content, k: int) -> pd.DataFrame:
    names = {r.code: r.name for r in content.resources}
    codes = [r.code for r in content.resources] + sorted(c for c in found if c not in names)
    # TRANSLATORS: {code} is the code of a resource no longer in the resource packs.
    gone = _("{code} (no longer in the packs)")
    frame = pd.DataFrame([{"resource": c, "name": names[c] if c in names else gone.format(code=c),
                           "offered": found.get(c, (0, 0, 0, 0))[0], "accepted": found.get(c, (0, 0, 0, 0))[1],
                           "clients": found.get(c, (0, 0, 0, 0))[2],
                           "accepted_clients": found.get(c, (0, 0, 0, 0))[3]} for c in codes])
    offered = suppress(frame, k=k, values=["offered"], groups=[[]])
    took = suppress(frame.rename(columns={"clients": "offered_clients", "accepted_clients": "clients"}),
                    k=k, values=["accepted"], groups=[[]])
    result = offered.rename(columns={HIDDEN: "offered_hidden"})
    result["accepted"] = took["accepted"]
    result["accepted_clients"] = took["clients"]
    result["accepted_hidden"] = took[HIDDEN] | offered[HIDDEN]
    result.loc[result["accepted_hidden"], ["accepted", "accepted_clients"]] = pd.NA
    # The distinct clients decided what is hidden; no page shows them (the summaries know them only as "k or more").
    return result.drop(columns=["clients", "accepted_clients"])


def _overdue(s: Any, f: TrendFilter, k: int, now: datetime) -> pd.DataFrame:
    where = [Client.status == "open", Client.next_due_at < now]  # an open file always has a next-due time
    if f.advocate_id is not None:
        where.append(Client.advocate_id == f.advocate_id)
    if f.context:
        where.append(Client.relationship_context == f.context)
    rows = s.execute(select(User.id, User.display_name, func.count(Client.id))
                     .join(Client, and_(Client.advocate_id == User.id, *where), isouter=True)
                     .where(User.role == "advocate", User.active.is_(True))
                     .group_by(User.id, User.display_name).order_by(User.display_name)).all()
    frame = pd.DataFrame([{"advocate_id": r[0], "advocate": r[1], "clients": r[2]} for r in rows],
                         columns=["advocate_id", "advocate", "clients"])
    if f.advocate_id is not None:
        frame = frame[frame["advocate_id"] == f.advocate_id].reset_index(drop=True)
    frame["overdue"] = frame["clients"]
    return suppress(frame, k=k, values=["overdue"], groups=[[]])


def _added_since_first(latest_id: Any, first_version: Any, checklist: Checklist) -> Any:
    """How many items of the latest check-in (id `latest_id`) were added to the checklist after `first_version`,
    the version of the client's first check-in (Client.first_checklist_version): they were not asked then, so they
    are left out of the comparison with it (0 on a checklist that never changed, and read only for clients who
    began on an older checklist)."""
    added = {}
    for section in checklist.sections:
        for item in section.items:
            if item.added_in > 1:
                added.setdefault(item.added_in, []).append(item.code)
    if not added:
        return literal(0)
    later = or_(*(and_(CheckInItem.code.in_(codes), first_version < version) for version, codes in added.items()))
    count = (select(func.count()).select_from(CheckInItem).where(CheckInItem.check_in_id == latest_id, later)
             .correlate_except(CheckInItem).scalar_subquery())
    return case((first_version < max(added), count), else_=literal(0))


def _progress_counts(s: Any, f: TrendFilter, checklist: Checklist, only: Bucket | None = None
                     ) -> dict[int, tuple[int, int]]:
    """Per bucket: clients seen in it with at least three check-ins so far, and how many of them had fewer
    signs present at their last check-in of the bucket than at their first check-in ever, counting only the items
    the first check-in's checklist version asked (so a longer checklist never hides a fall). With `only`, that
    one bucket (numbered 0)."""
    if only is not None:
        f = replace(f, period=Period(only.first, only.last))
        bucket = literal(0).label("bucket")
    else:
        bucket = _bucket(f, bucket_unit(f.period)).label("bucket")
    last = (select(bucket, CheckIn.client_id, func.max(CheckIn.seq).label("seq"))
            .where(*_scope(f)).group_by(bucket, CheckIn.client_id).subquery("last"))
    latest = CheckIn.__table__.alias("latest")
    comparable = latest.c.sign_count - _added_since_first(latest.c.id, Client.first_checklist_version, checklist)
    rows = s.execute(
        select(last.c.bucket, func.count(),
               func.coalesce(func.sum(case((comparable < Client.first_sign_count, 1), else_=0)), 0))
        .select_from(last)
        .join(latest, and_(latest.c.client_id == last.c.client_id, latest.c.seq == last.c.seq))
        .join(Client, Client.id == last.c.client_id)
        # "+ 0" keeps SQLite from inferring latest.seq >= 3 and reading every later check-in of each client
        # instead of seeking the one (see trend_reads.progress_from_spans).
        .where(last.c.seq + 0 >= PROGRESS_MIN_CHECK_INS)
        .group_by(last.c.bucket)).all()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def _progress(found: dict[int, tuple[int, int]], f: TrendFilter, k: int) -> pd.DataFrame:
    spans = buckets(f.period, bucket_unit(f.period))
    records = []
    for n, span in enumerate(spans):
        clients, fell = found.get(n, (0, 0))
        records.append({"bucket_start": span.start, "clients": clients, "fell": fell,
                        "not_fell": clients - fell, "share": fell / clients if clients else None})
    frame = pd.DataFrame(records)
    out = suppress(frame, k=k, values=["fell", "share"], also_small=["fell", "not_fell"])
    return bucket_columns(out.drop(columns=["not_fell"]), spans, "bucket_start")


def _closings(s: Any, f: TrendFilter, k: int) -> tuple[pd.DataFrame, Metric | None]:
    """Closings whose closing date falls in the period, by reason, kept even when the file was reopened since.

    Counted for the advocate the client had when the file was closed. Every reason is listed (a zero singles out
    nobody); a reason with fewer than k distinct clients is hidden, and since the reasons add up to the total shown
    beside them, the same complementary rule as the other tables hides a second one where one alone would be
    given back by subtraction. The total itself is hidden when the closings are of fewer than k clients.
    """
    if f.concern:
        return pd.DataFrame(columns=["reason", "label", "closings", "clients", HIDDEN]), None

    def counts(period: Period) -> tuple[dict[str, tuple[int, int]], int, int]:
        where = [ClientClosure.closed_on >= period.start, ClientClosure.closed_on <= period.end]
        if f.advocate_id is not None:
            where.append(ClientClosure.advocate_id == f.advocate_id)
        if f.context:
            where.append(ClientClosure.client_id.in_(
                select(Client.id).where(Client.relationship_context == f.context)))
        rows = s.execute(select(ClientClosure.reason, func.count(ClientClosure.id),
                                func.count(distinct(ClientClosure.client_id)))
                         .where(*where).group_by(ClientClosure.reason)).all()
        total = s.execute(select(func.count(ClientClosure.id), func.count(distinct(ClientClosure.client_id)))
                          .where(*where)).one()
        by_reason: dict[str, tuple[int, int]] = {}
        for reason, n, clients in rows:
            code = reason if reason in CLOSING_REASONS else "other"  # a code no longer on the list reads as other
            before = by_reason.get(code, (0, 0))
            by_reason[code] = (before[0] + n, before[1] + clients)
        return by_reason, int(total[0]), int(total[1])

    now, n_now, clients_now = counts(f.period)
    _unused, n_before, clients_before = counts(f.period.previous())
    frame = pd.DataFrame([{"reason": code, "label": label, "closings": now.get(code, (0, 0))[0],
                           "clients": now.get(code, (0, 0))[1]} for code, label in CLOSING_REASONS.items()])
    hidden_now, hidden_before = small(clients_now, k), small(clients_before, k)
    # English catalog texts, shown through _() (this runs in a worker thread: nothing is translated here).
    total = Metric(N_("Files closed"), None if hidden_now else float(n_now),
                   None if hidden_before else float(n_before), hidden_now, hidden_before, "count",
                   N_("Client files closed in the period, for any reason, including files reopened since."))
    return suppress(frame, k=k, values=["closings"], groups=[[]]), total


def _language_counts(s: Any, f: TrendFilter) -> tuple[dict[str, tuple[int, int]], dict[bool, tuple[int, int]]]:
    """Check-ins and distinct clients by the language of the conversation, and by whether an interpreter was
    used, among the check-ins that record it (older ones do not: "not recorded" is never "no")."""
    language = s.execute(select(CheckIn.conversation_language, func.count(), func.count(distinct(CheckIn.client_id)))
                         .where(*_scope(f), CheckIn.conversation_language.is_not(None))
                         .group_by(CheckIn.conversation_language)).all()
    interpreter = s.execute(select(CheckIn.interpreter, func.count(), func.count(distinct(CheckIn.client_id)))
                            .where(*_scope(f), CheckIn.interpreter.is_not(None))
                            .group_by(CheckIn.interpreter)).all()
    return ({str(r[0]): (int(r[1]), int(r[2])) for r in language},
            {bool(r[0]): (int(r[1]), int(r[2])) for r in interpreter})


def _languages(found: tuple[dict[str, tuple[int, int]], dict[bool, tuple[int, int]]], k: int
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables, small cells hidden. The rows of each add up to the check-ins that record it, a total a
    reader could work out, so the complementary rule hides a second row where one alone would come back by
    subtraction. Languages are listed in the order of languages.yaml; a code no longer listed reads as "other"."""
    by_language, by_interpreter = found
    listed = i18n.conversation_languages()
    merged: dict[str, tuple[int, int]] = {}
    for code, (n, clients) in by_language.items():
        key = code if code in listed else i18n.OTHER
        before = merged.get(key, (0, 0))
        merged[key] = (before[0] + n, before[1] + clients)  # clients may repeat across merged codes: over, not under
    languages = pd.DataFrame([{"language": code, "check_ins": merged[code][0], "clients": merged[code][1]}
                              for code in listed if code in merged], columns=["language", "check_ins", "clients"])
    interpreter = pd.DataFrame([{"interpreter": used, "check_ins": by_interpreter[used][0],
                                 "clients": by_interpreter[used][1]} for used in (True, False)
                                if used in by_interpreter], columns=["interpreter", "check_ins", "clients"])
    return (suppress(languages, k=k, values=["check_ins"], groups=[[]]).drop(columns=["clients"]),
            suppress(interpreter, k=k, values=["check_ins"], groups=[[]]).drop(columns=["clients"]))


# PostgreSQL runs each query in its own backend process, so several at once use several cores. SQLite runs in
# this process, and on a small server threads only contend with each other (measured: slower, not faster).
QUERY_THREADS = {"postgresql": 4, "sqlite": 1}


LATEST_DATE = date(2200, 12, 31)
MAX_PERIOD_DAYS = 366 * 20


def _check_filter(f: TrendFilter) -> None:
    """Refuse a filter no page offers before it reaches SQL: dates at the calendar's ends overflow the previous
    period, and a NUL or an out-of-range id is a driver error on PostgreSQL rather than a plain answer."""
    if not isinstance(f, TrendFilter) or not isinstance(f.period, Period):
        raise ValidationFailed({"period": _("Give the first and the last day of the period.")})
    errors: dict[str, str] = {}
    p = f.period
    if p.start < EARLIEST_DATE or p.end > LATEST_DATE:
        # TRANSLATORS: {first} and {last} are years.
        errors["period"] = _("Choose dates between {first} and {last}.").format(first=EARLIEST_DATE.year,
                                                                              last=LATEST_DATE.year)
    elif p.days > MAX_PERIOD_DAYS:
        errors["period"] = _("Choose a period of at most 20 years.")
    if f.zone is not None:
        try:
            ZoneInfo(f.zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            errors["zone"] = _("Choose a time zone by its name, such as America/Chicago.")
    if f.advocate_id is not None and not row_id(f.advocate_id):
        errors["advocate"] = _("Choose an advocate from the list, or everyone.")
    if f.concern not in (None, "", *CONCERN_LEVELS):
        errors["concern"] = _("Choose a level of concern from the list, or all.")
    if f.context not in (None, "") and not (storable(f.context) and len(f.context) <= 80):  # type: ignore[arg-type]
        errors["context"] = _("Choose a relationship context from the list, or all.")
    if errors:
        raise ValidationFailed(errors)


def _record_queries(f: TrendFilter, content: Content, k: int) -> dict[str, Callable[[Any], Any]]:
    """Every figure read from the records: used for filtered views (a filter makes the rows few) and until the
    summaries are built."""
    return {
        "totals": lambda s: _totals(s, f, f.period),
        "totals_previous": lambda s: _totals(s, f, f.period.previous()),
        "weekly": lambda s: _weekly_counts(s, f),
        "items": lambda s: _item_counts(s, f),
        "versions": lambda s: _version_counts(s, f),
        "bucket_totals": lambda s: _bucket_totals(s, f),
        "items_over_time": lambda s: _item_bucket_counts(s, f),
        "concern": lambda s: _concern_counts(s, f),
        "referrals": lambda s: _referral_counts(s, f),
        "progress": lambda s: _progress_counts(s, f, content.checklist),
        "started": _version_started,
    }


def _summary_current(s: Any, f: TrendFilter, k: int, label: str) -> dict[str, Any]:
    """The period's figures from the per-day summaries (models/services/trend_reads.py): sums for counts, the
    most clients on one day as a bound for the clients that only decide hiding, exact counts from the records
    where that bound is under k."""
    zone = _zone(f)
    unit = bucket_unit(f.period)
    spans, weeks = buckets(f.period, unit), buckets(f.period, "week")

    def numbering(rows: list[Bucket]) -> dict[date, int]:
        return {b.first + timedelta(days=d): n for n, b in enumerate(rows) for d in range(b.days)}

    got = trend_reads.day_figures(s, f.period, numbering(spans), numbering(weeks))
    start, end = f.period.bounds(zone)
    out: dict[str, Any] = {"totals": trend_reads.totals(s, f.period, label, k, got.period)}

    items = {code: cell for (kind, code), cell in got.period.items() if kind == "item"}
    exact = trend_reads.exact_item_clients(s, start, end, trend_reads.settle(items, k))
    out["items"] = {code: (c.n, exact.get(code, c.bound)) for code, c in items.items()}
    out["versions"] = {int(code): c.n for (kind, code), c in got.period.items() if kind == "version"}
    bucket_totals: dict[int, dict[int, int]] = {}
    for (n, kind, code), c in got.by_bucket.items():
        if kind == "version":
            bucket_totals.setdefault(n, {})[int(code)] = c.n
    out["bucket_totals"] = bucket_totals

    by_bucket = {(n, code): c for (n, kind, code), c in got.by_bucket.items() if kind == "item"}
    starts = [local_midnight(b.first, zone) for b in spans]
    exact_cells = trend_reads.exact_item_bucket_clients(s, starts, start, end, trend_reads.settle(by_bucket, k))
    out["items_over_time"] = {key: (c.n, exact_cells.get(key, c.bound)) for key, c in by_bucket.items()}

    concern = {(n, code): c for (n, kind, code), c in got.by_week.items() if kind == "concern"}
    week_bounds = [(local_midnight(b.first, zone), local_midnight(b.last + timedelta(days=1), zone)) for b in weeks]
    exact_concern = trend_reads.exact_concern_clients(s, week_bounds, trend_reads.settle(concern, k))
    out["concern"] = {key: (c.n, exact_concern.get(key, c.bound)) for key, c in concern.items()}

    refs = {code: cell for (kind, code), cell in got.period.items() if kind == "referral"}
    exact_refs = trend_reads.exact_referral_clients(
        s, start, end, trend_reads.settle(refs, k) | trend_reads.settle(refs, k, second=True))
    out["referrals"] = {code: (c.n, c.n2, *exact_refs.get(code, (c.bound, c.bound2))) for code, c in refs.items()}

    checked = {n: c.n for (n, kind, _code), c in got.by_week.items() if kind == "check_ins"}
    seen = trend_reads.week_clients(s, [(b.first, b.last, not b.part) for b in weeks], label)
    out["weekly"] = {n: (checked.get(n, 0), seen.get(b.first, 0)) for n, b in enumerate(weeks) if checked.get(n)}
    return out


def _summary_progress(s: Any, f: TrendFilter, checklist: Checklist) -> dict[int, tuple[int, int]]:
    """Whole weeks or months from each client's spans; a bucket cut by the period from the records."""
    unit = bucket_unit(f.period)
    spans = buckets(f.period, unit)
    whole = trend_reads.progress_from_spans(
        s, unit, [b.start for b in spans if not b.part],
        lambda signs, latest_id: signs - _added_since_first(latest_id, Client.first_checklist_version, checklist))
    found: dict[int, tuple[int, int]] = {}
    for n, b in enumerate(spans):
        if b.part:
            part = _progress_counts(s, f, checklist, only=b).get(0)
            if part:
                found[n] = part
        elif b.start in whole:
            found[n] = whole[b.start]
    return found


def _summary_started(s: Any) -> dict[int, date]:
    """As _version_started, from the first local day of each version in the summaries and that day's records."""
    firsts = s.execute(select(TrendDay.code, func.min(TrendDay.day)).where(TrendDay.kind == "version")
                       .group_by(TrendDay.code)).all()
    state_zone = trend_reads.summarised_zone(s)
    zone = None if state_zone in (None, trend_reads.UTC_NAME) else ZoneInfo(state_zone)
    first: dict[int, date] = {}
    for code, day in firsts:
        at = s.scalar(select(func.min(CheckIn.occurred_at)).where(
            CheckIn.checklist_version == int(code), CheckIn.occurred_at >= local_midnight(day, zone),
            CheckIn.occurred_at < local_midnight(day + timedelta(days=1), zone)))
        if at is not None:
            first[int(code)] = at.date() if isinstance(at, datetime) else at
    return {v: min(d for later, d in first.items() if later >= v) for v in first}


def _summary_queries(f: TrendFilter, content: Content, k: int, label: str) -> dict[str, Callable[[Any], Any]]:
    return {
        "current": lambda s: _summary_current(s, f, k, label),
        "totals_previous": lambda s: trend_reads.totals(s, f.period.previous(), label, k),
        "progress": lambda s: _summary_progress(s, f, content.checklist),
        "started": _summary_started,
    }


def _summarised(db: Database, f: TrendFilter) -> tuple[str | None, bool]:
    """The summaries' zone when this view can be read from them (every advocate, context and level, in the zone
    they were built in), and whether they are built at all (the checklist versions' first days come from them
    whatever the view)."""
    with db.reading() as s:
        built = trend_reads.summarised_zone(s)
    if f.advocate_id is not None or f.context or f.concern:
        return None, built is not None
    return (built if built is not None and built == trend_reads.zone_name(f.zone) else None), built is not None


def trends(db: Database, actor: Actor, content: Content, f: TrendFilter, *, k: int,
           now: datetime | None = None, summaries: bool = True) -> TrendReport:
    """The whole trends page from the per-day summaries where it can (an unfiltered view), else from the records
    in a handful of aggregate queries; the queries run side by side (each in its own read transaction, so a
    multi-core server and PostgreSQL's workers share the work); small cells are hidden before anything leaves
    this module. `summaries=False` reads the records (the tests compare the two)."""
    require(actor, Permission.VIEW_TRENDS)
    _check_filter(f)
    now = now or utcnow()
    label, built = _summarised(db, f) if summaries else (None, False)
    queries = _summary_queries(f, content, k, label) if label else _record_queries(f, content, k)
    if built:
        queries["started"] = _summary_started  # not a figure of the view: when each checklist version came into use
    queries.update({
        "overdue": lambda s: _overdue(s, f, k, now),
        "closings": lambda s: _closings(s, f, k),
        "languages": lambda s: _language_counts(s, f),
        "first_record": lambda s: s.scalar(select(func.min(CheckIn.occurred_at))),
    })
    timings: dict[str, float] = {}

    def run(name: str) -> Any:
        started = time.perf_counter()
        with db.reading() as s:
            result = queries[name](s)
        timings[name] = (time.perf_counter() - started) * 1000
        return result

    # The slowest queries first, so the pool is never left waiting on one started last.
    order = ["current", "items_over_time", "items", "progress", "totals", "totals_previous", "referrals", "concern",
             "weekly", "bucket_totals", "versions", "overdue", "closings", "languages", "started", "first_record"]
    with ThreadPoolExecutor(max_workers=QUERY_THREADS.get(db.backend, 1), thread_name_prefix="trends") as pool:
        futures = {name: pool.submit(run, name) for name in order if name in queries}
        got = {name: future.result() for name, future in futures.items()}
    if "current" in got:
        got.update(got.pop("current"))
    # The texts built from here on (part weeks, new items, resources no longer listed) are in the filter's language.
    with i18n.using(f.language):
        return _report(f, k, now, content, got, timings, label)


def _report(f: TrendFilter, k: int, now: datetime, content: Content, got: dict[str, Any],
            timings: dict[str, float], label: str | None) -> TrendReport:
    """The report from the figures read: small cells hidden, buckets and notes added."""
    totals, before = got["totals"], got["totals_previous"]
    started: dict[int, date] = got["started"]
    items = _items(got["items"], content, k, got["versions"])
    items["new"] = [new_item_note(int(v), started.get(int(v))) for v in items["added_in"]]
    over_time = _items_over_time(got["items_over_time"], f, content, k, got["bucket_totals"])
    if not over_time.empty:
        over_time["new"] = [new_item_note(int(v), started.get(int(v))) for v in over_time["added_in"]]
    # A hidden figure leaves this module without its value, so no page or export can show it by mistake.
    first_at: datetime | None = got["first_record"]
    # A change means something only when the compared period lies wholly after the first record: a previous year
    # that began before Waypoint was in use would count a few weeks against a whole year (found by a walk).
    earlier = first_at is not None and first_at < f.period.previous().bounds(_zone(f))[0]
    first_record = None
    if first_at is not None:
        zone = _zone(f)
        first_record = in_zone(first_at, zone).date() if zone else first_at.date()
    metrics = [replace(m, value=None if m.hidden else m.value, previous=None if m.previous_hidden else m.previous,
                       compared=earlier)
               for m in _metrics(totals, before, k, include_new=f.concern is None)]
    closings, closings_total = got["closings"]
    if closings_total is not None:
        closings_total = replace(closings_total, compared=earlier)
    unit = bucket_unit(f.period)
    languages, interpreters = _languages(got["languages"], k)
    return TrendReport(f, k, now, metrics, _weekly(got["weekly"], f, k), items, over_time,
                       _concern(got["concern"], f, k), _referrals(got["referrals"], content, k), got["overdue"],
                       _progress(got["progress"], f, k), timings, started, closings, closings_total, first_record,
                       earlier, buckets(f.period, "week"), buckets(f.period, unit), unit,
                       "summaries" if label else "records", languages, interpreters)
