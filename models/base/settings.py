"""Settings read once from the environment, so every process is configured the same way."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'data' / 'waypoint.db'}"


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


def idle_minutes_from(env: Mapping[str, str]) -> int:
    """WAYPOINT_IDLE_MINUTES alone: checked on every action, so read without the rest (the note key file)."""
    return _int(env, "WAYPOINT_IDLE_MINUTES", 15, maximum=24 * 60)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1, maximum: int = 10_000) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}")
    return value


def keys_from(env_value: str | None, key_file: Path) -> tuple[str, ...]:
    """Note keys from the variable if set, else from the file (one per line, newest first; # comments)."""
    if env_value and env_value.strip():
        return tuple(k.strip() for k in env_value.split(",") if k.strip())
    try:
        lines = key_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise ConfigError(f"The note key file {key_file} cannot be read ({exc.strerror}).") from None
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


ROLES = ("advocate", "supervisor", "admin")
LOCALTIME = Path("/etc/localtime")


def _known_zone(name: str) -> bool:
    """Whether `name` is a zone of the tz database (a name too long for a file name is none either)."""
    if len(name) > 64 or "\0" in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def server_zone(localtime: Path = LOCALTIME, tz_variable: str | None = None) -> str:
    """The server's own IANA zone, the default agency zone: the TZ variable when it names a zone (or a zone file),
    else what /etc/localtime links to (how Linux and macOS set the system zone), else UTC. A name rather than a
    zone object, so the same text shows in the log, the docs and the setting."""
    raw = (os.environ.get("TZ") if tz_variable is None else tz_variable) or ""
    name = raw.strip().removeprefix(":")
    if name.startswith("/"):
        localtime = Path(name)
    elif name and _known_zone(name):
        return name
    try:
        target = str(localtime.resolve(strict=True))
    except (OSError, RuntimeError):
        return "UTC"
    _, found, name = target.partition("zoneinfo/")
    return name if found and _known_zone(name) else "UTC"


def time_zone_from(env: Mapping[str, str]) -> str:
    """WAYPOINT_TIME_ZONE alone: the agency's zone, an IANA name such as America/Chicago, in which every time is
    shown and every date typed is meant. Read on its own because every time shown asks for it."""
    raw = (env.get("WAYPOINT_TIME_ZONE") or "").strip()
    if not raw:
        return server_zone()
    if not _known_zone(raw):
        raise ConfigError(f"WAYPOINT_TIME_ZONE must name a time zone such as America/Chicago or Europe/London "
                          f"(an IANA name, as in the tz database), got {raw!r}")
    return raw


def agency_name_from(env: Mapping[str, str]) -> str:
    """WAYPOINT_AGENCY_NAME: printed on reports, so it must be one plain line a PDF can carry."""
    raw = " ".join((env.get("WAYPOINT_AGENCY_NAME") or "").split())
    if not raw:
        return "Waypoint agency"
    if len(raw) > 120 or not raw.isprintable():
        raise ConfigError("WAYPOINT_AGENCY_NAME must be one line of at most 120 characters, e.g. "
                          "'Riverside Family Safety Center'.")
    return raw


FISCAL_START_NAMES = {"1": 1, "jan": 1, "january": 1, "4": 4, "apr": 4, "april": 4, "7": 7, "jul": 7, "july": 7,
                      "10": 10, "oct": 10, "october": 10}


def fiscal_year_start_from(env: Mapping[str, str]) -> int:
    """WAYPOINT_FISCAL_YEAR_START: the month the agency's fiscal year begins (October, the US federal year, by
    default). Only a quarter's first month: a fiscal year must be four whole calendar quarters."""
    raw = (env.get("WAYPOINT_FISCAL_YEAR_START") or "").strip().lower()
    if not raw:
        return 10
    if raw not in FISCAL_START_NAMES:
        raise ConfigError("WAYPOINT_FISCAL_YEAR_START must be the month the fiscal year starts: January, April, "
                          "July or October (or 1, 4, 7, 10), so that the year is four calendar quarters.")
    return FISCAL_START_NAMES[raw]


def _on_off(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("on", "true", "yes", "1"):
        return True
    if raw in ("off", "false", "no", "0"):
        return False
    raise ConfigError(f"{name} must be on or off, got {raw!r}")


def mfa_roles(raw: str | None) -> frozenset[str]:
    """WAYPOINT_MFA_REQUIRED: roles separated by commas, or "none". Unset means supervisors and admins, the
    roles that see every client or every account."""
    if raw is None or not raw.strip():
        return frozenset({"supervisor", "admin"})
    names = {part.strip().lower() for part in raw.split(",") if part.strip()}
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(ROLES))
    if unknown:
        raise ConfigError(f"WAYPOINT_MFA_REQUIRED names no role {unknown[0]!r}; use some of advocate, supervisor, "
                          f"admin (separated by commas), or none")
    return frozenset(names)


def language_from(env: Mapping[str, str]) -> str:
    """WAYPOINT_LANGUAGE: a code such as "es". Whether that language is installed is checked when the languages
    are read (models/base/i18n.load), which names the ones that are."""
    raw = (env.get("WAYPOINT_LANGUAGE") or "").strip()
    if not raw:
        return "en"
    if len(raw) > 16 or not raw.replace("-", "").isalnum():
        raise ConfigError(f"WAYPOINT_LANGUAGE must be a language code such as en or es, got {raw[:20]!r}")
    return raw.lower()


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
    # Keys for notes at rest, newest first (models/store/note_cipher.py). Never in repr: settings may be logged.
    note_keys: tuple[str, ...] = field(default=(), repr=False)
    note_key_file: Path = REPO_ROOT / "data" / "note.key"
    # Roles that must have an authenticator app (models/services/second_factor.py); others may choose one.
    mfa_required: frozenset[str] = frozenset({"supervisor", "admin"})
    # Off for an agency that signs in only through its identity provider (models/services/identity.py).
    password_sign_in: bool = True
    # The agency's time zone (an IANA name): every time is shown in it and every date typed is a day in it.
    time_zone: str = field(default_factory=server_zone)
    # Named on every report that leaves the agency (models/services/releases.py).
    agency_name: str = "Waypoint agency"
    # The month the fiscal year starts: 1, 4, 7 or 10, so that a fiscal year is four calendar quarters.
    fiscal_year_start: int = 10
    # The language of the sign-in page and of every account that has not chosen one (content/locale/languages.yaml).
    language: str = "en"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read WAYPOINT_* variables; anything unset keeps its safe default."""
        env = dict(os.environ if env is None else env)
        content_dir = Path(env.get("WAYPOINT_CONTENT_DIR") or REPO_ROOT / "content")
        if not content_dir.is_absolute():
            content_dir = REPO_ROOT / content_dir
        key_file = Path(env.get("WAYPOINT_NOTE_KEY_FILE") or REPO_ROOT / "data" / "note.key")
        if not key_file.is_absolute():
            key_file = REPO_ROOT / key_file
        packs = tuple(p.strip() for p in env.get("WAYPOINT_RESOURCE_PACKS", "us-national").split(",") if p.strip())
        if not packs:
            raise ConfigError("WAYPOINT_RESOURCE_PACKS names no pack; give at least one, e.g. us-national")
        return cls(
            database_url=env.get("WAYPOINT_DATABASE_URL") or DEFAULT_DATABASE_URL,
            content_dir=content_dir,
            resource_packs=packs,
            idle_minutes=idle_minutes_from(env),
            session_hours=_int(env, "WAYPOINT_SESSION_HOURS", 12, maximum=24 * 31),
            lockout_attempts=_int(env, "WAYPOINT_LOCKOUT_ATTEMPTS", 5, maximum=1000),
            lockout_minutes=_int(env, "WAYPOINT_LOCKOUT_MINUTES", 15, maximum=7 * 24 * 60),
            suppression_min=_int(env, "WAYPOINT_SUPPRESSION_MIN", 5, minimum=2, maximum=1000),
            retention_years=_int(env, "WAYPOINT_RETENTION_YEARS", 7, maximum=150),
            note_keys=keys_from(env.get("WAYPOINT_NOTE_KEYS"), key_file),
            note_key_file=key_file,
            mfa_required=mfa_roles(env.get("WAYPOINT_MFA_REQUIRED")),
            password_sign_in=_on_off(env, "WAYPOINT_PASSWORD_SIGN_IN", True),
            time_zone=time_zone_from(env),
            agency_name=agency_name_from(env),
            fiscal_year_start=fiscal_year_start_from(env),
            language=language_from(env),
        )
