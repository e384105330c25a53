"""What leaves the agency: the figures of a whole calendar quarter or fiscal year, fixed when first released.

Why a fixed set of tables and not any view (issue 18, item 7). Hiding small figures in one table is not enough when
two tables can be subtracted: with the Trends page's filters, "all advocates" minus two advocates gives the third
one's hidden figure, and two custom periods a day apart give the hidden figure of that day. So nothing that leaves
the agency has a filter or a free period:

1. A report is for a whole calendar quarter or a whole fiscal year, once it has ended, and for the whole agency.
   No advocate, relationship-context or concern filter, no custom dates, no period still under way.
2. A quarter's figures are counted once from the records and suppressed inside the quarter (every table whose rows
   add up to a headline figure hides a second row where one hidden row could be worked out, models/rules/
   privacy.py). They are stored when first released (table released_figures) and every later copy shows the same
   ones: a check-in recorded late or corrected after that cannot be singled out by comparing two copies.
3. A fiscal year is built from its four released quarters, never counted afresh: a count that adds up across
   quarters (check-ins, referrals, closings, signs observed) is shown for the year only when it is shown in all
   four quarters, as their sum; otherwise it is hidden. A year's figure is then always one a reader could already
   add up from the quarters, so the year tells nothing the quarters did not. The months of a year are the months
   of its quarters, as released. Counts of distinct clients (clients seen, with safety planning) do not add up
   across quarters and are counted for the year itself, hidden below the threshold; no sum or difference of them
   gives a count of clients.

What it costs: no monthly or weekly report leaves the agency (months appear inside a quarter's report), no
filtered report, and a year's row is hidden when any of its quarters is, even if the year alone would be large
enough. Inside the agency the Trends page keeps every filter (docs/reports.md says what is protected where).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.exc import IntegrityError

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.timeutil import in_zone, utcnow, zone_key
from models.content.loader import Content
from models.rules.permissions import Actor, Permission, require
from models.rules.privacy import HIDDEN, small, suppress
from models.services import audit, trend_reads
from models.services.clients import CLOSING_REASONS
from models.services.periods import (
    QUARTER_START_MONTHS,
    Period,
    add_months,
    fiscal_year_of,
    quarter_of,
    quarters_of,
)
from models.store.database import Database
from models.store.entities import (
    CONCERN_LEVELS,
    CONTACT_MODES,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    ClientClosure,
    ReleasedFigures,
    TrendDay,
    User,
)

# The tables of a release, in the order reports show them, and what their rows and columns are. Titles and fixed
# row labels are catalog texts (N_): a release stores them in English, and a report shows them in the language of
# whoever makes it (table_title, cell_label).
TABLES = {
    # TRANSLATORS: a table title in a caseload report (also its PDF and CSV).
    "summary": N_("Headline figures"),  # rows: see SUMMARY_ROWS; column "value"
    # TRANSLATORS: a table title in a caseload report.
    "by_month": N_("Check-ins by month"),  # rows: first day of the month (ISO); column "check_ins"
    # TRANSLATORS: a table title in a caseload report.
    "concern": N_("Check-ins by level of concern"),  # rows: low, moderate, high, immediate; column "check_ins"
    # TRANSLATORS: a table title in a caseload report: in person, by phone, by text message...
    "contact_mode": N_("Check-ins by how the contact happened"),  # rows: CONTACT_MODES; column "check_ins"
    # TRANSLATORS: a table title in a caseload report: signs and reactions advocates observed at check-ins.
    "signs": N_("Signs and reactions observed"),  # rows: item codes; columns "check_ins", "asked", "share"
    # TRANSLATORS: a table title in a caseload report.
    "referrals": N_("Referrals offered and taken up"),  # rows: resource codes; columns "offered", "taken_up"
    # TRANSLATORS: a table title in a caseload report: client files closed, by the reason they were closed.
    "closings": N_("Files closed, by reason"),  # rows: closing reason codes; column "closings"
    # rows: conversation language codes (i18n.conversation_languages); column "check_ins"; only check-ins that
    # record it
    # TRANSLATORS: a table title in a caseload report: the language the check-in conversation was held in.
    "conversation_language": N_("Check-ins by the language of the conversation"),
    # TRANSLATORS: a table title in a caseload report.
    "interpreter": N_("Check-ins with and without an interpreter"),  # rows: "yes", "no"; column "check_ins"
    # TRANSLATORS: a table title in a caseload report: clients whose next check-in is past due, per advocate.
    "overdue": N_("Follow-ups overdue, by advocate"),  # rows: advocate ids; column "clients" (staff data: opt-in)
}
SUMMARY_ROWS = {
    # TRANSLATORS: a row of a caseload report's headline figures.
    "check_ins": N_("Check-ins"),
    # TRANSLATORS: a row of a caseload report's headline figures: a client seen several times counts once.
    "clients_seen": N_("Clients seen (each counted once)"),
    # TRANSLATORS: a row of a caseload report's headline figures: client files opened in the period.
    "new_clients": N_("New clients"),
    # TRANSLATORS: a row of a caseload report's headline figures.
    "safety_planning": N_("Check-ins with safety planning"),
    # TRANSLATORS: a row of a caseload report's headline figures.
    "safety_planning_clients": N_("Clients with safety planning (each counted once)"),
    # TRANSLATORS: a row of a caseload report's headline figures.
    "referrals_offered": N_("Referrals offered"),
    # TRANSLATORS: a row of a caseload report's headline figures: referrals the client took up.
    "referrals_taken_up": N_("Referrals taken up"),
    # TRANSLATORS: a row of a caseload report's headline figures: client files closed in the period.
    "files_closed": N_("Files closed"),
}
# TRANSLATORS: levels of concern an advocate records at a check-in.
CONCERN_NAMES = {"low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High"),
                 "immediate": N_("Immediate danger")}
# TRANSLATORS: how a check-in's contact happened.
MODE_NAMES = {"in-person": N_("In person"), "phone": N_("Phone"), "text": N_("Text message"),
              "chat": N_("Online chat"), "video": N_("Video call")}
# TRANSLATORS: rows of a caseload report's table of check-ins with and without an interpreter.
INTERPRETER_NAMES = {"yes": N_("Interpreter used"), "no": N_("No interpreter")}
# The tables whose rows are fixed codes with catalog labels: a report translates them by code.
FIXED_ROWS: dict[str, dict[str, str]] = {"summary": SUMMARY_ROWS, "concern": CONCERN_NAMES, "contact_mode": MODE_NAMES,
                                         "closings": CLOSING_REASONS, "interpreter": INTERPRETER_NAMES}
RELEASE_KINDS = ("quarter", "fiscal_year")


@dataclass(frozen=True)
class Cell:
    """One released figure. `kind`: "count" (adds up across quarters), "clients" (distinct clients: does not add
    up), "share" (0 to 1, of another figure) or "snapshot" (a standing figure at the moment of release). A hidden
    cell has no value."""

    table: str
    row: str
    label: str
    column: str
    value: float | None
    hidden: bool = False
    kind: str = "count"
    why: str = ""  # for a hidden cell: "" small, or protecting a small one; "quarter": hidden in one of its quarters


@dataclass
class Release:
    period: Period  # a whole calendar quarter or fiscal year
    previous: Period
    agency: str
    k: int
    figures_as_of: datetime  # naive UTC: when these figures were fixed
    made_at: datetime  # naive UTC: when this copy was made
    made_by: str  # the display name of the supervisor who made it
    cells: list[Cell]
    previous_cells: list[Cell] = field(default_factory=list)  # the previous period's summary rows
    has_earlier_data: bool = True  # False: nothing was recorded before this period, so no change is shown
    released: bool = True  # False for a preview: these figures are not fixed until a first copy is made
    released_by: str = ""  # who made the first copy

    def table(self, name: str) -> pd.DataFrame:
        """One table as rows: `row`, `label`, then per column its value and `<column>_hidden`."""
        return _frame([c for c in self.cells if c.table == name])

    def shown_table(self, name: str, content: Content | None = None) -> pd.DataFrame:
        """table(), with each row's label as a report shows it in the language being written (row_label)."""
        frame = self.table(name)
        if not frame.empty:
            frame["label"] = [row_label(name, str(r), str(label), content)
                              for r, label in zip(frame["row"], frame["label"], strict=True)]
        return frame

    def previous_table(self, name: str) -> pd.DataFrame:
        return _frame([c for c in self.previous_cells if c.table == name])

    def cell(self, table: str, row: str, column: str) -> Cell | None:
        return next((c for c in self.cells if (c.table, c.row, c.column) == (table, row, column)), None)

    def hidden_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.hidden]


def _frame(cells: list[Cell]) -> pd.DataFrame:
    rows: dict[str, dict[str, object]] = {}
    for c in cells:
        r = rows.setdefault(c.row, {"row": c.row, "label": c.label})
        r[c.column] = c.value
        r[f"{c.column}_hidden"] = c.hidden
        r[f"{c.column}_why"] = c.why
    return pd.DataFrame(list(rows.values()))


# TRANSLATORS: written in a report in place of a figure that is kept hidden (too few clients, or it would give such
# a figure away).
NOT_SHOWN = N_("not shown")
# TRANSLATORS: written in a fiscal year's report in place of a figure that one of the year's quarters hides.
NOT_SHOWN_YEAR = N_("not shown: hidden in a quarter")


def shown_as(cell: Cell, k: int) -> str:
    """The words for a hidden cell in a report: the same for every hidden cell of a period, because a figure hidden
    to protect another may be large, and telling the two apart would narrow both ("1 or 2" from "6 in all"). A
    year's figure hidden because a quarter hides it says so: that can be read from the quarters anyway."""
    return _(NOT_SHOWN_YEAR) if cell.why == "quarter" else _(NOT_SHOWN)


# --- labels as a report shows them ----------------------------------------------------------------------------

def table_title(table: str) -> str:
    """A release table's title in the language being written."""
    return _(TABLES[table]) if table in TABLES else table


def month_label(first: date) -> str:
    """A month as a report names it: "Oct 2026" (as a release stores it), "oct 2026" in Spanish."""
    if i18n.current() == i18n.SOURCE:
        return f"{first:%b %Y}"
    from babel.dates import format_date

    return format_date(first, "MMM y", locale=i18n.language().format_locale)


def row_label(table: str, row: str, stored: str, content: Content | None = None) -> str:
    """A released row's label as a report shows it. A release stores its labels in English, and English reads them
    as stored, so every English copy is the same. Another language translates what it can from the row's code: a
    fixed row (FIXED_ROWS) from the catalog, a month and a conversation language in its own words, a checklist item
    or resource as `content` (the checklist and resources in the language being written) names it now; anything
    else (an advocate's name, an item no longer on the checklist) reads as stored."""
    if i18n.current() == i18n.SOURCE:
        return stored
    fixed = FIXED_ROWS.get(table, {})
    if row in fixed:
        return _(fixed[row])
    if table == "by_month":
        try:
            return month_label(date.fromisoformat(row))
        except ValueError:
            return stored
    if table == "conversation_language" and row in i18n.conversation_languages():
        name = i18n.conversation_name(row)  # "inglés": a row label starts with a capital, as English names do
        return name[:1].upper() + name[1:]
    if content is not None and table == "signs":
        try:
            return content.checklist.item(row).label
        except KeyError:
            return stored
    if content is not None and table == "referrals":
        try:
            return content.resource(row).name
        except KeyError:
            return _gone_resource(row)
    return stored


def cell_label(cell: Cell, content: Content | None = None) -> str:
    """A released cell's row label as a report shows it (row_label)."""
    return row_label(cell.table, cell.row, cell.label, content)


# --- which periods may leave the agency ---------------------------------------------------------------------

def check_releasable(period: Period, today: date, fiscal_start: int) -> None:
    """Refuse any period but a whole calendar quarter or fiscal year that has ended: the fixed set of tables is
    what keeps one report from being subtracted from another."""
    if not isinstance(period, Period) or period.kind not in RELEASE_KINDS:
        raise ValidationFailed({"period": "Reports are made for a whole quarter or a whole fiscal year."})
    whole = quarter_of(period.start) if period.kind == "quarter" else fiscal_year_of(period.start, fiscal_start)
    if period != whole:
        raise ValidationFailed({"period": "Reports are made for a whole quarter or a whole fiscal year."})
    if period.kind == "fiscal_year" and period.start.month not in QUARTER_START_MONTHS:
        raise ValidationFailed({"period": "A fiscal year starts in January, April, July or October."})
    if not period.complete(today):
        raise ValidationFailed({"period": f"{period.label()} has not ended yet: its report can be made from "
                                          f"{(period.end + timedelta(days=1)).day} "
                                          f"{period.end + timedelta(days=1):%b %Y}."})


def _first_record(db: Database, zone: ZoneInfo) -> date | None:
    with db.reading() as s:
        opened = s.scalar(select(func.min(Client.opened_on)))
        first_check_in = s.scalar(select(func.min(CheckIn.occurred_at)))
    days = [d for d in (opened, _local_day(first_check_in, zone)) if d is not None]
    return min(days) if days else None


def _local_day(value: datetime | None, zone: ZoneInfo) -> date | None:
    if value is None:
        return None
    return in_zone(value, zone).date()


def available(db: Database, actor: Actor, *, today: date, fiscal_start: int, zone: str) -> list[Period]:
    """Every quarter and fiscal year a report can be made for: ended, and not before the first record. Newest
    first, a fiscal year before the quarters it ends with."""
    require(actor, Permission.EXPORT_AGGREGATES)
    first = _first_record(db, ZoneInfo(zone))
    if first is None:
        return []
    found: list[Period] = []
    quarter = quarter_of(today).previous()
    while quarter.end >= first:
        year = fiscal_year_of(quarter.start, fiscal_start)
        if year.end == quarter.end and year.complete(today):
            found.append(year)
        found.append(quarter)
        quarter = quarter.previous()
    return found


# --- counting a quarter --------------------------------------------------------------------------------------

def _count_cells(frame: pd.DataFrame, table: str, column: str, k: int, labels: dict[str, str]) -> list[Cell]:
    """`frame` has row, count, clients: suppressed as a table whose rows add up to a headline figure."""
    if frame.empty:
        return []
    out = suppress(frame.rename(columns={"count": "n", "clients": "people"}), k=k, clients="people", values=["n"],
                   groups=[[]])
    return [Cell(table, str(r.row), labels.get(str(r.row), str(r.row)), column,
                 None if getattr(r, HIDDEN) else float(r.n), bool(getattr(r, HIDDEN))) for r in out.itertuples()]


def _grouped(s: Any, key: Any, where: list[Any], rows: Iterable[str], table: Any = CheckIn) -> pd.DataFrame:
    found = {r[0]: (r[1], r[2]) for r in s.execute(
        select(key, func.count(), func.count(distinct(table.client_id))).where(*where).group_by(key)).all()}
    return _rows_frame(found, rows)


def _rows_frame(found: dict[Any, tuple[int, int]], rows: Iterable[Any]) -> pd.DataFrame:
    names = list(rows) + sorted(str(c) for c in found if c not in set(rows) and c is not None)
    return pd.DataFrame([{"row": str(r), "count": found.get(r, (0, 0))[0], "clients": found.get(r, (0, 0))[1]}
                         for r in names], columns=["row", "count", "clients"])


class _Records:
    """A period's counts read from the check-ins themselves."""

    def __init__(self, s: Any, period: Period, zone: ZoneInfo) -> None:
        self.s, self.period, self.zone = s, period, zone
        self.start, self.end = period.bounds(zone)
        self.ci = [CheckIn.occurred_at >= self.start, CheckIn.occurred_at < self.end]
        self.ref = [CheckInReferral.occurred_at >= self.start, CheckInReferral.occurred_at < self.end]

    def totals(self) -> dict[str, int]:
        row = self.s.execute(select(
            func.count(CheckIn.id), func.count(distinct(CheckIn.client_id)),
            func.coalesce(func.sum(case((CheckIn.safety_planning.is_(True), 1), else_=0)), 0),
            func.count(distinct(case((CheckIn.safety_planning.is_(True), CheckIn.client_id)))),
        ).where(*self.ci)).one()
        taken = CheckInReferral.accepted.is_(True)
        refs = self.s.execute(select(
            func.count(), func.count(distinct(CheckInReferral.client_id)),
            func.coalesce(func.sum(case((taken, 1), else_=0)), 0),
            func.count(distinct(case((taken, CheckInReferral.client_id)))),
        ).where(*self.ref)).one()
        return {"check_ins": row[0], "clients": row[1], "safety": row[2], "safety_clients": row[3],
                "offered": refs[0], "offered_clients": refs[1], "accepted": refs[2], "accepted_clients": refs[3]}

    def by_month(self) -> pd.DataFrame:
        # A CASE over the months' first instants, so each month begins at midnight in the agency's zone.
        starts = [Period(m, m).bounds(self.zone)[0] for m in self.period.months]
        month = case(*((CheckIn.occurred_at < starts[n + 1], n) for n in range(len(starts) - 1)),
                     else_=len(starts) - 1).label("month")
        return _grouped(self.s, month, self.ci, range(len(starts)))

    def by(self, column: Any, rows: Iterable[str]) -> pd.DataFrame:
        return _grouped(self.s, column, self.ci, rows)

    def signs(self) -> dict[str, tuple[int, int]]:
        return {code: (n, clients) for code, n, clients in self.s.execute(
            select(CheckInItem.code, func.count(), func.count(distinct(CheckInItem.client_id)))
            .where(CheckInItem.occurred_at >= self.start, CheckInItem.occurred_at < self.end)
            .group_by(CheckInItem.code)).all()}

    def asked(self, version: int) -> tuple[int, int]:
        """Check-ins recorded on `version` of the checklist or later, and their distinct clients."""
        n, clients = self.s.execute(select(func.count(CheckIn.id), func.count(distinct(CheckIn.client_id)))
                                    .where(*self.ci, CheckIn.checklist_version >= version)).one()
        return int(n), int(clients)

    def referrals(self) -> dict[str, tuple[int, int, int, int]]:
        taken = CheckInReferral.accepted.is_(True)
        return {r[0]: (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in self.s.execute(select(
            CheckInReferral.resource_code, func.count(), func.coalesce(func.sum(case((taken, 1), else_=0)), 0),
            func.count(distinct(CheckInReferral.client_id)),
            func.count(distinct(case((taken, CheckInReferral.client_id)))),
        ).where(*self.ref).group_by(CheckInReferral.resource_code)).all()}


class _Summaries(_Records):
    """The same counts from the per-day summaries (models/services/trend_reads.py explains why they are exact
    enough): sums for counts; for distinct clients that are shown (clients seen, clients with safety planning)
    the exact figure; for those that only decide hiding, the busiest day's clients, read exactly from the records
    when that is under k."""

    def __init__(self, s: Any, period: Period, zone: ZoneInfo, k: int, label: str) -> None:
        super().__init__(s, period, zone)
        self.k, self.label = k, label
        self.month_of = {}
        for n, first in enumerate(period.months):
            day = max(first, period.start)
            while day <= period.end and (day.month, day.year) == (first.month, first.year):
                self.month_of[day] = n
                day += timedelta(days=1)
        self.cells: dict[tuple[str, str], trend_reads.Cell] = {}
        self.months: dict[tuple[int, str, str], trend_reads.Cell] = {}
        self.days: dict[tuple[date, str, str], tuple[int, int]] = {}
        for day, kind, code, n, clients, n2, clients2 in s.execute(
                select(TrendDay.day, TrendDay.kind, TrendDay.code, TrendDay.n, TrendDay.clients, TrendDay.n2,
                       TrendDay.clients2).where(TrendDay.day >= period.start, TrendDay.day <= period.end)).all():
            self.cells.setdefault((kind, code), trend_reads.Cell()).add(n, clients, n2, clients2)
            if kind == "check_ins":
                self.months.setdefault((self.month_of[day], kind, code), trend_reads.Cell()).add(n, clients, n2,
                                                                                                   clients2)
            if kind == "version":
                self.days[(day, kind, code)] = (n, clients)

    def _cell(self, kind: str, code: str = "") -> trend_reads.Cell:
        return self.cells.get((kind, code), trend_reads.Cell())

    def _exact(self, bound: int, query: Any) -> int:
        return bound if bound >= self.k or bound == 0 else int(self.s.scalar(query) or 0)

    def totals(self) -> dict[str, int]:
        every, safety, refs = self._cell("check_ins"), self._cell("safety"), self._cell("referrals")
        taken = CheckInReferral.accepted.is_(True)
        return {
            "check_ins": every.n, "clients": trend_reads.clients_seen(self.s, self.period, self.label) if every.n
            else 0,
            "safety": safety.n,
            # Shown as a figure of its own, so exact; zero without a read when no check-in had safety planning.
            "safety_clients": int(self.s.scalar(select(func.count(distinct(CheckIn.client_id))).where(
                *self.ci, CheckIn.safety_planning.is_(True))) or 0) if safety.n else 0,
            "offered": refs.n, "accepted": refs.n2,
            "offered_clients": self._exact(refs.bound, select(func.count(distinct(CheckInReferral.client_id)))
                                           .where(*self.ref)),
            "accepted_clients": self._exact(refs.bound2, select(func.count(distinct(CheckInReferral.client_id)))
                                            .where(*self.ref, taken)),
        }

    def by_month(self) -> pd.DataFrame:
        months = self.period.months
        whole = [m for m in months
                 if m >= self.period.start and add_months(m, 1) - timedelta(days=1) <= self.period.end]
        seen = trend_reads.month_clients(self.s, whole)
        found: dict[Any, tuple[int, int]] = {}
        for n, first in enumerate(months):
            cell = self.months.get((n, "check_ins", ""))
            if cell is None or not cell.n:
                continue
            if first in seen:
                found[n] = (cell.n, seen[first])
            else:  # a month cut by the period: its own days, from the records
                last = min(add_months(first, 1) - timedelta(days=1), self.period.end)
                lo, hi = Period(max(first, self.period.start), last).bounds(self.zone)
                found[n] = (cell.n, int(self.s.scalar(select(func.count(distinct(CheckIn.client_id))).where(
                    CheckIn.occurred_at >= lo, CheckIn.occurred_at < hi)) or 0))
        return _rows_frame(found, range(len(months)))

    def by(self, column: Any, rows: Iterable[str]) -> pd.DataFrame:
        kind = {"concern": "concern", "contact_mode": "contact"}[column.key]
        found: dict[Any, tuple[int, int]] = {}
        for (k, code), cell in self.cells.items():
            if k == kind and cell.n:
                found[code] = (cell.n, self._exact(cell.bound, select(func.count(distinct(CheckIn.client_id)))
                                                   .where(*self.ci, column == code)))
        return _rows_frame(found, rows)

    def signs(self) -> dict[str, tuple[int, int]]:
        items = {code: cell for (kind, code), cell in self.cells.items() if kind == "item"}
        exact = trend_reads.exact_item_clients(self.s, self.start, self.end, trend_reads.settle(items, self.k))
        return {code: (c.n, exact.get(code, c.bound)) for code, c in items.items()}

    def asked(self, version: int) -> tuple[int, int]:
        n = sum(c.n for (kind, code), c in self.cells.items() if kind == "version" and int(code) >= version)
        by_day: dict[date, int] = {}
        for (day, _kind, code), (_n, clients) in self.days.items():
            if int(code) >= version:
                by_day[day] = max(by_day.get(day, 0), clients)
        bound = max(by_day.values(), default=0)
        return n, self._exact(bound, select(func.count(distinct(CheckIn.client_id)))
                              .where(*self.ci, CheckIn.checklist_version >= version))

    def referrals(self) -> dict[str, tuple[int, int, int, int]]:
        refs = {code: cell for (kind, code), cell in self.cells.items() if kind == "referral"}
        exact = trend_reads.exact_referral_clients(
            self.s, self.start, self.end,
            trend_reads.settle(refs, self.k) | trend_reads.settle(refs, self.k, second=True))
        return {code: (c.n, c.n2, *exact.get(code, (c.bound, c.bound2))) for code, c in refs.items()}


def _source(s: Any, period: Period, k: int, zone: ZoneInfo, summaries: bool) -> _Records:
    """The summaries when they are built in the agency's zone, else the records."""
    if summaries:
        built = trend_reads.summarised_zone(s)
        if built is not None and built == zone_key(zone.key):
            return _Summaries(s, period, zone, k, built)
    return _Records(s, period, zone)


def _quarter_cells(s: Any, content: Content, period: Period, k: int, zone: ZoneInfo, now: datetime, *,
                   summaries: bool = True) -> list[Cell]:
    src = _source(s, period, k, zone, summaries)
    closed = [ClientClosure.closed_on >= period.start, ClientClosure.closed_on <= period.end]
    cells: list[Cell] = []

    t = src.totals()
    opened = s.scalar(select(func.count(Client.id)).where(Client.opened_on >= period.start,
                                                           Client.opened_on <= period.end)) or 0
    closings = s.execute(select(func.count(ClientClosure.id), func.count(distinct(ClientClosure.client_id)))
                         .where(*closed)).one()
    summary = {  # value, distinct clients behind it, kind
        "check_ins": (t["check_ins"], t["clients"], "count"), "clients_seen": (t["clients"], t["clients"], "clients"),
        "new_clients": (opened, opened, "count"), "safety_planning": (t["safety"], t["safety_clients"], "count"),
        "safety_planning_clients": (t["safety_clients"], t["safety_clients"], "clients"),
        "referrals_offered": (t["offered"], t["offered_clients"], "count"),
        "referrals_taken_up": (t["accepted"], t["accepted_clients"], "count"),
        "files_closed": (closings[0], closings[1], "count"),
    }
    for key, (value, clients, kind) in summary.items():
        hidden = small(int(clients), k)
        cells.append(Cell("summary", key, SUMMARY_ROWS[key], "value", None if hidden else float(value), hidden,
                          kind))

    months = period.months
    by_month = src.by_month()
    by_month["row"] = [months[int(n)].isoformat() for n in by_month["row"]]
    cells += _count_cells(by_month, "by_month", "check_ins", k, {m.isoformat(): f"{m:%b %Y}" for m in months})
    cells += _count_cells(src.by(CheckIn.concern, CONCERN_LEVELS), "concern", "check_ins", k, CONCERN_NAMES)
    cells += _count_cells(src.by(CheckIn.contact_mode, CONTACT_MODES), "contact_mode", "check_ins", k, MODE_NAMES)
    cells += _sign_cells(src, content, k)
    cells += _referral_cells(src, content, k)
    cells += _language_cells(s, src, k)

    reasons = _grouped(s, ClientClosure.reason, closed, CLOSING_REASONS, ClientClosure)
    reasons["row"] = [r if r in CLOSING_REASONS else "other" for r in reasons["row"]]  # a retired code reads other
    reasons = reasons.groupby("row", sort=False, as_index=False).sum()
    cells += _count_cells(reasons, "closings", "closings", k, dict(CLOSING_REASONS))
    cells += _overdue_cells(s, k, now)
    return cells


def _language_cells(s: Any, src: _Records, k: int) -> list[Cell]:
    """Check-ins by the conversation's language and by interpreter use, among those that record it (read from
    the records, through partial indexes that hold only those check-ins). Labels are stored in English, as every
    release's are, whoever makes it."""
    listed = [c for c in i18n.conversation_languages() if c != i18n.OTHER]
    spoken = _grouped(s, CheckIn.conversation_language, [*src.ci, CheckIn.conversation_language.is_not(None)],
                      listed)
    spoken["row"] = [r if r in listed else i18n.OTHER for r in spoken["row"]]  # a code no longer listed: other
    spoken = spoken.groupby("row", sort=False, as_index=False).sum()
    with i18n.using(i18n.SOURCE):
        names = {c: i18n.conversation_name(c) for c in [*listed, i18n.OTHER]}
    used = _grouped(s, CheckIn.interpreter, [*src.ci, CheckIn.interpreter.is_not(None)], [True, False])
    used["row"] = ["yes" if r == "True" else "no" for r in used["row"]]
    return (_count_cells(spoken, "conversation_language", "check_ins", k, names)
            + _count_cells(used, "interpreter", "check_ins", k, INTERPRETER_NAMES))


def _sign_cells(src: _Records, content: Content, k: int) -> list[Cell]:
    """Check-ins where each sign was observed, and its share of the check-ins whose form had it (an item added to
    the checklist later is a share of the check-ins recorded since: "asked")."""
    found = src.signs()
    asked: dict[int, tuple[int, int]] = {}
    cells: list[Cell] = []
    for section in content.checklist.checkin_sections():
        for item in section.items:
            if item.added_in not in asked:
                asked[item.added_in] = src.asked(item.added_in)
            n, clients = found.get(item.code, (0, 0))
            on_form, on_form_clients = asked[item.added_in]
            hidden, asked_hidden = small(clients, k), small(on_form_clients, k)
            cells.append(Cell("signs", item.code, item.label, "check_ins", None if hidden else float(n), hidden))
            cells.append(Cell("signs", item.code, item.label, "asked", None if asked_hidden else float(on_form),
                              asked_hidden))
            share_hidden = hidden or asked_hidden
            share = None if share_hidden or not on_form else n / on_form
            cells.append(Cell("signs", item.code, item.label, "share", share, share_hidden, "share"))
    return cells


def _referral_cells(src: _Records, content: Content, k: int) -> list[Cell]:
    found = src.referrals()
    names = {r.code: r.name for r in content.resources}
    codes = [r.code for r in content.resources] + sorted(c for c in found if c not in names)
    with i18n.using(i18n.SOURCE):  # stored in English, as every release's labels are
        labels = {c: names[c] if c in names else _gone_resource(c) for c in codes}
    none = (0, 0, 0, 0)
    offered = pd.DataFrame([{"row": c, "count": found.get(c, none)[0], "clients": found.get(c, none)[2]}
                            for c in codes], columns=["row", "count", "clients"])
    offered_cells = _count_cells(offered, "referrals", "offered", k, labels)
    hidden_offers = {c.row for c in offered_cells if c.hidden}
    # Taken up is at most offered: where the offers are hidden, the take-ups are too, even a zero ("none of
    # these few clients took it up" says what each of them did). Marked small so the table's own rule sees them.
    took = pd.DataFrame([{"row": c, "count": found.get(c, none)[1],
                          "clients": 1 if c in hidden_offers else found.get(c, none)[3]} for c in codes],
                        columns=["row", "count", "clients"])
    return offered_cells + _count_cells(took, "referrals", "taken_up", k, labels)


def _gone_resource(code: str) -> str:
    # TRANSLATORS: a row of a report's referrals table: {code} is a resource's short code (such as "ndvh") that was
    # offered in the period but is no longer in the agency's resource lists.
    return _("{code} (no longer in the resource packs)").format(code=code)


def _overdue_cells(s: Any, k: int, now: datetime) -> list[Cell]:
    """Open files whose next check-in is past due, by current advocate, at the moment of release."""
    where = [Client.status == "open", Client.next_due_at < now]
    rows = s.execute(select(User.id, User.display_name, func.count(Client.id))
                     .join(Client, and_(Client.advocate_id == User.id, *where), isouter=True)
                     .where(User.role == "advocate", User.active.is_(True))
                     .group_by(User.id, User.display_name).order_by(User.display_name)).all()
    frame = pd.DataFrame([{"row": str(r[0]), "count": r[2], "clients": r[2]} for r in rows],
                         columns=["row", "count", "clients"])
    labels = {str(r[0]): r[1] for r in rows}
    return [replace(c, kind="snapshot") for c in _count_cells(frame, "overdue", "clients", k, labels)]


# --- a fiscal year from its quarters ------------------------------------------------------------------------

def _year_cells(s: Any, content: Content, year: Period, quarters: list[list[Cell]], k: int, zone: ZoneInfo,
                now: datetime) -> list[Cell]:
    """The year from its four released quarters (see the module's note); distinct clients and the standing
    overdue figures are counted for the year itself."""
    fresh = {(c.table, c.row, c.column): c for c in _quarter_cells(s, content, year, k, zone, now)}
    keyed = [{(c.table, c.row, c.column): c for c in q} for q in quarters]
    order = list(fresh) + [key for q in keyed for key in q if key not in fresh]
    cells: list[Cell] = []
    seen: set[tuple[str, str, str]] = set()
    for key in order:
        if key in seen:
            continue
        seen.add(key)
        table, row, column = key
        if table == "by_month":
            continue
        model = fresh.get(key) or next(q[key] for q in keyed if key in q)
        if model.kind in ("clients", "snapshot"):
            cells.append(fresh.get(key, replace(model, value=None, hidden=True)))
            continue
        if model.kind == "share":
            continue  # worked out below from the year's counts
        parts = [q.get(key) for q in keyed]
        if any(p is not None and p.hidden for p in parts):
            cells.append(replace(model, value=None, hidden=True, why="quarter"))
        else:
            cells.append(replace(model, value=float(sum(p.value or 0 for p in parts if p is not None)), hidden=False))
    # Shares of signs: the year's observed count over the year's count of check-ins that asked, both as above.
    by_key = {(c.table, c.row, c.column): c for c in cells}
    for key, model in fresh.items():
        if model.kind != "share":
            continue
        n, asked = by_key.get((key[0], key[1], "check_ins")), by_key.get((key[0], key[1], "asked"))
        hidden = n is None or asked is None or n.hidden or asked.hidden
        value = None if hidden or not asked or not asked.value else (n.value or 0) / asked.value
        why = "quarter" if any(c is not None and c.why == "quarter" for c in (n, asked)) else ""
        cells.append(replace(model, value=value, hidden=hidden, why=why))
    cells += [c for q in quarters for c in q if c.table == "by_month"]
    return cells


# --- fixing and reading releases ----------------------------------------------------------------------------

def _stored(s: Any, period: Period) -> ReleasedFigures | None:
    """A period's release, whatever threshold it was made with (see ReleasedFigures)."""
    return s.scalar(select(ReleasedFigures).where(ReleasedFigures.period_kind == period.kind,
                                                  ReleasedFigures.period_start == period.start))


def _decode(cells: list[dict[str, Any]]) -> list[Cell]:
    return [Cell(**c) for c in cells]


def _figures(db: Database, actor: Actor, content: Content, period: Period, *, k: int, zone: str, now: datetime,
             fix: bool) -> tuple[list[Cell], datetime, bool, str, int]:
    """The period's cells: as stored when first released (with the threshold then), else counted now with `k`
    (and stored when `fix`)."""
    tz = ZoneInfo(zone)
    with db.reading() as s:
        stored = _stored(s, period)
        if stored is not None:
            by = s.scalar(select(User.display_name).where(User.id == stored.released_by)) or ""
            return _decode(stored.cells), stored.released_at, True, by, stored.k
    if period.kind == "fiscal_year":
        quarters = [_figures(db, actor, content, q, k=k, zone=zone, now=now, fix=fix)[0] for q in quarters_of(period)]
        with db.reading() as s:
            cells = _year_cells(s, content, period, quarters, k, tz, now)
    else:
        with db.reading() as s:
            cells = _quarter_cells(s, content, period, k, tz, now)
    if not fix:
        return cells, now, False, "", k
    try:
        with db.writing() as s:
            s.add(ReleasedFigures(period_kind=period.kind, period_start=period.start, period_end=period.end, k=k,
                                  zone=zone, released_at=now, released_by=actor.user_id,
                                  cells=[asdict(c) for c in cells]))
            s.flush()
            audit.record(s, actor, "figures_released", target_type="report",
                         detail=f"{period.kind} {period.describe()}; threshold {k}")
    except IntegrityError:  # another supervisor released it a moment ago: theirs is the one
        return _figures(db, actor, content, period, k=k, zone=zone, now=now, fix=False)
    return cells, now, True, actor.display_name, k


def _checked_in_before(db: Database, period: Period, zone: ZoneInfo) -> bool:
    """A check-in before `period` began: the rule the Trends page uses for "no earlier records" (called with the
    period compared with, which must lie wholly after the first check-in)."""
    start = period.bounds(zone)[0]
    with db.reading() as s:
        return s.scalar(select(CheckIn.id).where(CheckIn.occurred_at < start).limit(1)) is not None


def release(db: Database, actor: Actor, content: Content, period: Period, *, k: int, zone: str, agency: str,
            fiscal_start: int, today: date, fix: bool = True, now: datetime | None = None) -> Release:
    """The report figures of a whole quarter or fiscal year. `fix` stores them at the first release (a copy is
    being made); without it, a preview shows them as they would be released now, or as released."""
    require(actor, Permission.EXPORT_AGGREGATES)
    check_releasable(period, today, fiscal_start)
    now = now or utcnow()
    cells, as_of, released, by, k = _figures(db, actor, content, period, k=k, zone=zone, now=now, fix=fix)
    previous = period.previous()
    earlier = _checked_in_before(db, previous, ZoneInfo(zone))
    before: list[Cell] = []
    if earlier:
        # The previous period's own released figures (fixed now too, when this one is): its headline row as it
        # would appear in its own report, so the two reports never disagree about it.
        before = [c for c in _figures(db, actor, content, previous, k=k, zone=zone, now=now, fix=fix)[0]
                  if c.table == "summary"]
    return Release(period, previous, agency, k, as_of, now, actor.display_name, cells, before, earlier, released,
                   by)


def released_periods(db: Database, actor: Actor) -> dict[tuple[str, date], tuple[datetime, str]]:
    """When and by whom each period's figures were first released, for the Reports page."""
    require(actor, Permission.EXPORT_AGGREGATES)
    with db.reading() as s:
        rows = s.execute(select(ReleasedFigures.period_kind, ReleasedFigures.period_start,
                                ReleasedFigures.released_at, User.display_name)
                         .join(User, User.id == ReleasedFigures.released_by, isouter=True)).all()
    return {(kind, start): (at, name or "") for kind, start, at, name in rows}
