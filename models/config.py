"""Settings read once from the environment, so every process is configured the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'data' / 'waypoint.db'}"


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    content_dir: Path = REPO_ROOT / "content"
    resource_packs: tuple[str, ...] = ("us-national",)
    idle_minutes: int = 15
    session_hours: int = 12
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    suppression_min: int = 5
    # Clients whose file was closed more than this many years ago are removed by `waypoint retention --apply`.
    retention_years: int = 7

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read WAYPOINT_* variables; anything unset keeps its safe default."""
        env = dict(os.environ if env is None else env)
        content_dir = Path(env.get("WAYPOINT_CONTENT_DIR") or REPO_ROOT / "content")
        if not content_dir.is_absolute():
            content_dir = REPO_ROOT / content_dir
        packs = tuple(p.strip() for p in env.get("WAYPOINT_RESOURCE_PACKS", "us-national").split(",") if p.strip())
        if not packs:
            raise ConfigError("WAYPOINT_RESOURCE_PACKS names no pack; give at least one, e.g. us-national")
        return cls(
            database_url=env.get("WAYPOINT_DATABASE_URL") or DEFAULT_DATABASE_URL,
            content_dir=content_dir,
            resource_packs=packs,
            idle_minutes=_int(env, "WAYPOINT_IDLE_MINUTES", 15),
            session_hours=_int(env, "WAYPOINT_SESSION_HOURS", 12),
            lockout_attempts=_int(env, "WAYPOINT_LOCKOUT_ATTEMPTS", 5),
            lockout_minutes=_int(env, "WAYPOINT_LOCKOUT_MINUTES", 15),
            suppression_min=_int(env, "WAYPOINT_SUPPRESSION_MIN", 5, minimum=2),
            retention_years=_int(env, "WAYPOINT_RETENTION_YEARS", 7),
        )
