"""Reporting periods as funders and supervisors name them: calendar months and quarters, the agency's fiscal year,
year to date, and custom dates.

A period is a span of whole days in the agency's time zone (WAYPOINT_TIME_ZONE): a quarter in Chicago begins at
midnight in Chicago, which is 05:00 or 06:00 UTC, and `bounds(zone)` gives those instants as stored (naive UTC).
Weeks start on Monday. The fiscal year starts on the first day of a month that also starts a calendar quarter
(January, April, July or October), so that a fiscal year is four whole calendar quarters: the exports that leave
the agency are built from quarters (models/services/releases.py), and a year made of them can be checked against
them.

A period has two sets of words: `label()` and `dates()` in English, for the files that leave the agency and the audit
log, and `shown_label()` and `shown_dates()` in the reader's language, for the pages. Both come from one
implementation, so the English on a page and in a file never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from babel.dates import format_skeleton

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.timeutil import local_midnight

# The kinds of period in words, marked for the catalog: a page shows _(KINDS[kind]).
# TRANSLATORS: kinds of reporting period ("Custom": dates the person chooses).
KINDS = {"month": N_("Month"), "quarter": N_("Quarter"), "fiscal_year": N_("Fiscal year"),
         "year_to_date": N_("Year to date"), "custom": N_("Custom")}
QUARTER_START_MONTHS = (1, 4, 7, 10)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _skeleton(skeleton: str, day: date) -> str:
    """A date in the reader's language from a CLDR skeleton ("yMMMM": November 2026, noviembre de 2026), with a
    capital first letter: it names a period on its own."""
    text = format_skeleton(skeleton, day, locale=i18n.language().format_locale)
    return text[:1].upper() + text[1:]


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Inclusive dates, and what kind of period they are (which decides the previous period and the label)."""

    start: date
    end: date
    kind: str = "custom"

    def __post_init__(self) -> None:
        if not all(isinstance(d, date) and not isinstance(d, datetime) for d in (self.start, self.end)):
            raise ValidationFailed({"period": _("Give the first and the last day of the period.")})
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")
        if self.kind not in KINDS:
            raise ValueError(f"Unknown kind of period: {self.kind!r}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period compared with: the previous month, quarter or fiscal year; for year to date, the same days of
        the year before; for custom dates, the same number of days just before."""
        if self.kind in ("month", "quarter", "fiscal_year"):
            whole = self.whole()
            before = {"month": 1, "quarter": 3, "fiscal_year": 12}[self.kind]
            start = add_months(whole.start, -before)
            full = Period(start, whole.start - timedelta(days=1), self.kind)
            if not self.partial:
                return full
            # A period still under way is compared with as many days of the one before, not with all of it.
            return Period(start, min(start + timedelta(days=self.days - 1), full.end), self.kind)
        if self.kind == "year_to_date":
            return Period(add_months(self.start, -12), _year_before(self.end), "year_to_date")
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def whole(self) -> Period:
        """The whole month, quarter or fiscal year this period is (or is the first part of)."""
        if self.kind == "month":
            return month_of(self.start)
        if self.kind == "quarter":
            return quarter_of(self.start)
        if self.kind == "fiscal_year":
            return Period(self.start, add_months(self.start, 12) - timedelta(days=1), "fiscal_year")
        return self

    @property
    def partial(self) -> bool:
        """A month, quarter or fiscal year cut short at today because it has not ended."""
        return self.end < self.whole().end

    @property
    def origin(self) -> date:
        return monday(self.start)

    @property
    def weeks(self) -> list[date]:
        return [self.origin + timedelta(weeks=n) for n in range((self.end - self.origin).days // 7 + 1)]

    @property
    def bucket_weeks(self) -> int:
        """Weeks per bucket in the over-time charts: one for up to a quarter, four beyond."""
        return 1 if len(self.weeks) <= 14 else 4

    @property
    def months(self) -> list[date]:
        """The first day of each calendar month the period touches."""
        first, months = date(self.start.year, self.start.month, 1), []
        while first <= self.end:
            months.append(first)
            first = add_months(first, 1)
        return months

    def bounds(self, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
        """From the first day's midnight to the midnight after the last day, in `zone` (UTC when None)."""
        return local_midnight(self.start, zone), local_midnight(self.end + timedelta(days=1), zone)

    def complete(self, today: date) -> bool:
        return self.end < today

    def describe(self) -> str:
        """ISO dates, for logs and audit rows."""
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def dates(self) -> str:
        """'1 Oct 2026 – 31 Dec 2026': the dates in English, for files and the audit log (pages: shown_dates)."""
        with i18n.using(i18n.SOURCE):
            return self.shown_dates()

    def shown_dates(self) -> str:
        """The dates in the reader's language: '1 Oct 2026 – 31 Dec 2026', '1 oct 2026 – 31 dic 2026'."""
        return f"{i18n.month_day_year(self.start)} – {i18n.month_day_year(self.end)}"

    def label(self) -> str:
        """What the period is called, in English, for files and the audit log (pages: shown_label): 'November
        2026', 'Q4 2026', 'FY 2026–27', '2026 to date', or its dates."""
        with i18n.using(i18n.SOURCE):
            return self.shown_label()

    def shown_label(self) -> str:
        """What the period is called, in the reader's language: 'November 2026' / 'Noviembre de 2026', 'Q4 2026' /
        'T4 2026', a fiscal year, the year to date, or its dates."""
        if self.kind == "month":
            name = _skeleton("yMMMM", self.start)
        elif self.kind == "quarter":
            name = _skeleton("yQQQ", self.start)
        elif self.kind == "fiscal_year":
            name = fiscal_year_name(self.start)
        elif self.kind == "year_to_date":
            # TRANSLATORS: the calendar year so far; {year} is "2026".
            return _("{year} to date").format(year=self.start.year)
        else:
            return self.shown_dates()
        # TRANSLATORS: {name} is a month, quarter or fiscal year that has not ended ("Q4 2026").
        return _("{name} so far").format(name=name) if self.partial else name


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def fiscal_year_name(start: date) -> str:
    """'FY 2026' for a year that is a calendar year, else 'FY 2026–27' (both years named: agencies differ on which
    one names it); in the reader's language."""
    if start.month == 1:
        # TRANSLATORS: a fiscal year; {year} is "2026".
        return _("FY {year}").format(year=start.year)
    # TRANSLATORS: a fiscal year across two calendar years; {year} is "2026", {next} "27".
    return _("FY {year}–{next}").format(year=start.year, next=f"{(start.year + 1) % 100:02d}")


def month_of(day: date) -> Period:
    start = date(day.year, day.month, 1)
    return Period(start, add_months(start, 1) - timedelta(days=1), "month")


def quarter_of(day: date) -> Period:
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(start, add_months(start, 3) - timedelta(days=1), "quarter")


def fiscal_year_start(day: date, start_month: int) -> date:
    """The first day of the fiscal year that `day` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


def fiscal_year_of(day: date, start_month: int) -> Period:
    start = fiscal_year_start(day, start_month)
    return Period(start, add_months(start, 12) - timedelta(days=1), "fiscal_year")


def year_to_date(today: date, start_month: int = 1) -> Period:
    """The calendar year so far (the fiscal year so far is the current fiscal year, offered as such). A fiscal year
    that starts in January makes the two the same."""
    return Period(date(today.year, 1, 1), today, "year_to_date")


def quarters_of(year: Period) -> list[Period]:
    """The four calendar quarters of a fiscal year (it starts on a quarter's first day)."""
    return [quarter_of(add_months(year.start, 3 * n)) for n in range(4)]


def so_far(period: Period, today: date) -> Period:
    """A period that has not ended yet, cut at today: what can be counted of it."""
    return period if period.end <= today else Period(period.start, max(today, period.start), period.kind)


def recent(kind: str, today: date, start_month: int, count: int) -> list[Period]:
    """The current period of a kind (cut at today) and the `count - 1` before it, newest first."""
    if kind == "month":
        found = [month_of(add_months(today, -n)) for n in range(count)]
    elif kind == "quarter":
        found = [quarter_of(add_months(today, -3 * n)) for n in range(count)]
    elif kind == "fiscal_year":
        found = [fiscal_year_of(add_months(today, -12 * n), start_month) for n in range(count)]
    else:
        raise ValueError(kind)
    return [so_far(p, today) for p in found]
