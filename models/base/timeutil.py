"""One clock for the whole app: naive UTC datetimes, the same on SQLite and PostgreSQL; and one way to write a time
for people, in the agency's zone (models/base/settings.py, WAYPOINT_TIME_ZONE). Services take and return UTC; only
what is shown is converted."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from models.base import i18n

NOTHING = "—"


# Names the time zone database gives to UTC itself: one zone, so summaries cut in one serve a setting of another.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})


def zone_key(name: str) -> str:
    """A zone's name with UTC's aliases as "UTC" (a machine set to "Etc/UTC" and summaries built in "UTC" agree)."""
    return "UTC" if name in _UTC_NAMES else name


def utcnow() -> datetime:
    """Naive UTC, because SQLite drops time zones and mixing the two breaks comparisons."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_midnight(day: date, zone: tzinfo | None) -> datetime:
    """The instant a day begins in `zone`, as stored (naive UTC); UTC when `zone` is None. Daylight saving time
    moves it by an hour, which is why a period's bounds are worked out per day and never by adding hours."""
    if zone is None:
        return datetime.combine(day, datetime.min.time())
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC).replace(tzinfo=None)


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """A stored time (naive UTC, or aware) as the wall clock in `zone`, aware so its abbreviation can be said."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(zone)


def show(value: datetime | date | None, zone: tzinfo, *, with_time: bool = True, with_zone: bool = False) -> str:
    """"2 Dec 2026, 14:05" (with_zone: "2 Dec 2026, 14:05 CST"), or "2 Dec 2026": the one format for people.
    No leading zero and a month in words, so a date never reads as another day in another country's order.
    A plain date is a day already and is not converted."""
    if value is None:
        return NOTHING
    if not isinstance(value, datetime):
        return i18n.month_day_year(value)
    local = in_zone(value, zone)
    day = i18n.month_day_year(local)
    if not with_time:
        return day
    return f"{day}, {local:%H:%M}" + (f" {local:%Z}" if with_zone else "")
