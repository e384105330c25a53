"""Times are stored in UTC and shown in the agency's time zone (WAYPOINT_TIME_ZONE, docs/configuration.md).

One zone for everyone, not each browser's own: a supervisor and an advocate on a call read the same time for the
same check-in, and a page never shows UTC beside local time. Every time on a page goes through show() or
show_date(); every date input uses INPUT_DATE_FORMAT.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from models.base import i18n, timeutil
from models.base.settings import time_zone_from

# The one format of every st.date_input (Streamlit offers only a few, all of digits): the year first, so a typed
# date is never read in another country's day-month order.
INPUT_DATE_FORMAT = "YYYY-MM-DD"


@lru_cache(maxsize=8)
def _zone_for(setting: str) -> ZoneInfo:
    return ZoneInfo(time_zone_from({"WAYPOINT_TIME_ZONE": setting}))


def zone() -> ZoneInfo:
    """The agency's zone. An unusable setting stops the app at start-up (ui.app_context) with its own message."""
    return _zone_for(os.environ.get("WAYPOINT_TIME_ZONE", ""))


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time as the agency's wall clock (naive), for widgets that edit it."""
    if value is None:
        return None
    return timeutil.in_zone(value, zone()).replace(tzinfo=None)


def to_utc(day: date, at: time) -> datetime:
    """A day and time typed in the agency's zone, as the naive UTC the services take."""
    local = datetime.combine(day, at).replace(tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def now_local() -> datetime:
    return datetime.now(zone()).replace(tzinfo=None, second=0, microsecond=0)


def today() -> date:
    """Today in the agency's zone: the default of a date input."""
    return datetime.now(zone()).date()


def show(value: datetime | None, *, with_time: bool = True, with_zone: bool = False) -> str:
    """"2 Dec 2026, 14:05" in the agency's zone; with_zone adds its abbreviation ("CST") where the hour matters."""
    return timeutil.show(value, zone(), with_time=with_time, with_zone=with_zone)


def show_date(value: datetime | date | None) -> str:
    """"2 Dec 2026": the day in the agency's zone (a plain date is shown as it is)."""
    return timeutil.show(value, zone(), with_time=False)


def weekday(value: date) -> str:
    """The day of the week, short, in the reader's language ("Wed", "mié"): said beside a date, never alone."""
    if i18n.current() == i18n.SOURCE:
        return f"{value:%a}"
    from babel.dates import format_date

    return format_date(value, "EEE", locale=i18n.language().format_locale)


def day_month(value: date) -> str:
    """"2 Dec": a day and its month in the reader's language, without the year (said once, after a range)."""
    if i18n.current() == i18n.SOURCE:
        return f"{value.day} {value:%b}"
    from babel.dates import format_date

    return format_date(value, "d MMM", locale=i18n.language().format_locale)


def zone_name() -> str:
    """The zone's abbreviation now ("CST"), for a caption saying which clock the times are on."""
    return f"{datetime.now(zone()):%Z}"
