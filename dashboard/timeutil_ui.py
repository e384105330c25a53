"""Times are stored in UTC and shown in the browser's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st


def zone() -> ZoneInfo | type[UTC]:
    name = None
    try:
        name = st.context.timezone
    except Exception:  # outside a browser session (tests, scripts)
        name = None
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(zone()).replace(tzinfo=None)


def to_utc(day: date, at: time) -> datetime:
    local = datetime.combine(day, at).replace(tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def now_local() -> datetime:
    return datetime.now(zone()).replace(tzinfo=None, second=0, microsecond=0)


def show(value: datetime | None, *, with_time: bool = True) -> str:
    local = to_local(value)
    if local is None:
        return "—"
    return local.strftime("%d %b %Y, %H:%M" if with_time else "%d %b %Y")
