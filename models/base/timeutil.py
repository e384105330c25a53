"""One clock for the whole app: naive UTC datetimes, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, because SQLite drops time zones and mixing the two breaks comparisons."""
    return datetime.now(UTC).replace(tzinfo=None)
