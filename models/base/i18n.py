"""Languages: the words a person reads come from gettext catalogs, their numbers and dates from Babel.

Each person reads Waypoint in their own language, so the language is never process-wide (no `gettext.install`):
`_()` asks, on every call, for the language of whoever the current code is working for: a `using()` block first
(a handout printed in the client's language), then the source the app registers (the signed-in person's choice,
kept in their session), then the agency's default. Code with no catalogs loaded (most unit tests) reads English.

The languages are data: `content/locale/languages.yaml` lists them, `content/locale/<code>.po` holds each one's
words (English is the source text and needs no catalog). Catalogs are read at start-up straight from the `.po`
files, so an agency editing a translation has nothing to compile.
"""

from __future__ import annotations

import functools
import io
import string
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from gettext import NullTranslations
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

SOURCE = "en"  # the language the code is written in: its catalog is the identity
LOCALE_DIR = Path("locale")  # inside the content folder
LANGUAGES_FILE = LOCALE_DIR / "languages.yaml"
DOMAIN_FILE = "messages"


class LanguageError(Exception):
    """The languages file or a catalog cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Language:
    """One language people can choose. `name` is written in that language, so a person finds their own."""

    code: str  # what an account stores: "en", "es"
    name: str  # "English", "Español"
    format_locale: str  # Babel's locale for numbers and dates: "en_US", "es_US"
    chart_locale: str  # d3's locale for chart axes: "en-US", "es-MX"
    html: str  # the page's lang attribute, for screen readers: "en", "es"


ENGLISH = Language(SOURCE, "English", "en_US", "en-US", "en")

_NULL = NullTranslations()
_languages: dict[str, Language] = {SOURCE: ENGLISH}
_catalogs: dict[str, NullTranslations] = {}
_default = SOURCE
_current: ContextVar[str | None] = ContextVar("waypoint_language", default=None)
_source: Callable[[], str | None] | None = None


# --- loading ------------------------------------------------------------------------------------------------

def _read_languages(path: Path, shown: str) -> list[Language]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [ENGLISH]
    except (OSError, yaml.YAMLError) as exc:
        raise LanguageError(f"{shown}: cannot be read ({exc})") from None
    rows = data.get("languages") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise LanguageError(f"{shown}: expected a 'languages:' list with one entry per language")
    found: list[Language] = []
    for i, row in enumerate(rows, 1):
        where = f"{shown}, entry {i}"
        if not isinstance(row, dict):
            raise LanguageError(f"{where}: expected code, name, format_locale and chart_locale")
        missing = [k for k in ("code", "name", "format_locale", "chart_locale") if not str(row.get(k) or "").strip()]
        if missing:
            raise LanguageError(f"{where}: missing {', '.join(missing)}")
        code = str(row["code"]).strip()
        if not code.replace("-", "").isalnum() or not code.islower() or len(code) > 16:
            raise LanguageError(f"{where}: code {code!r} must be short lower-case letters, like 'es'")
        try:
            Locale.parse(str(row["format_locale"]))
        except (UnknownLocaleError, ValueError):
            raise LanguageError(f"{where} ({code}): format_locale {row['format_locale']!r} is not a locale Babel "
                                "knows (for example es_US)") from None
        try:
            chart_locale_for(str(row["chart_locale"]).strip())
        except ValueError:
            raise LanguageError(f"{where} ({code}): chart_locale {row['chart_locale']!r} is not a locale the charts "
                                "know (d3's list: en-US, es-MX, fr-FR ...)") from None
        if any(lang.code == code for lang in found):
            raise LanguageError(f"{where}: the code {code!r} is listed twice")
        found.append(Language(code, str(row["name"]).strip(), str(row["format_locale"]).strip(),
                              str(row["chart_locale"]).strip(), str(row.get("html") or code).strip()))
    if not any(lang.code == SOURCE for lang in found):
        raise LanguageError(f"{shown}: English ('{SOURCE}') must stay listed: it is the text every catalog translates")
    _conversation.clear()
    _conversation.update(_read_conversation(data.get("conversation"), shown, found))
    return found


def _read_conversation(rows: Any, shown: str, languages: list[Language]) -> dict[str, dict[str, str]]:
    """The conversation languages: code -> names given in the file (by interface language)."""
    if rows is None:
        return {}
    if not isinstance(rows, list):
        raise LanguageError(f"{shown}: 'conversation:' must be a list of language codes")
    english = Locale.parse(ENGLISH.format_locale)
    found: dict[str, dict[str, str]] = {}
    for i, row in enumerate(rows, 1):
        code, names = (row, {}) if isinstance(row, str) else (
            (row.get("code"), row.get("names") or {}) if isinstance(row, dict) else (None, {}))
        if not isinstance(code, str) or not code.isalpha() or not code.islower() or len(code) > 8 or code == OTHER:
            raise LanguageError(f"{shown}, conversation entry {i}: {code!r} is not an ISO 639 language code "
                                "(lower-case letters, like 'vi')")
        if code in found:
            raise LanguageError(f"{shown}, conversation entry {i}: {code!r} is listed twice")
        if not isinstance(names, dict) or not all(isinstance(v, str) and v.strip() for v in names.values()):
            raise LanguageError(f"{shown}, conversation entry {i} ({code}): 'names:' maps a language code to a name")
        for lang in languages:
            if not names.get(lang.code) and not Locale.parse(lang.format_locale).languages.get(code) \
                    and not english.languages.get(code):
                raise LanguageError(f"{shown}, conversation entry {i} ({code}): no name for it in {lang.name}; "
                                    f"add names: {{{lang.code}: ...}}")
        found[code] = {str(k): str(v).strip() for k, v in names.items()}
    return found


OTHER = "other"  # a conversation language not on the list
_conversation: dict[str, dict[str, str]] = {}


def conversation_languages() -> list[str]:
    """The codes an advocate can record as a check-in's conversation language, "other" last."""
    return [*_conversation, OTHER]


def conversation_name(code: str) -> str:
    """A conversation language's name in the language being written ("vietnamita" for a Spanish reader)."""
    if code == OTHER:
        return _("Another language")
    given = _conversation.get(code, {})
    lang = language()
    return (given.get(lang.code) or Locale.parse(lang.format_locale).languages.get(code)
            or Locale.parse(ENGLISH.format_locale).languages.get(code) or code)


def read_catalog(path: Path, shown: str) -> Translations:
    """A `.po` file as translations, compiled in memory. Fuzzy entries are left out (gettext's rule: a guess
    nobody has checked is not shown), so an unfinished word reads in English rather than wrong."""
    try:
        with path.open("rb") as f:
            catalog = read_po(f)
    except FileNotFoundError:
        raise LanguageError(f"{shown}: missing; every language listed in languages.yaml needs its catalog") from None
    except Exception as exc:  # Babel raises plain errors for a broken file
        raise LanguageError(f"{shown}: cannot be read ({exc})") from None
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN_FILE)


def load(content_dir: Path, default: str = SOURCE, *, with_catalogs: bool = True) -> list[Language]:
    """Read the languages and their catalogs (once, at start-up); `default` must be one of them. Without catalogs
    for the command that makes them (a language just added has none yet)."""
    global _default
    languages = _read_languages(content_dir / LANGUAGES_FILE, f"content/{LANGUAGES_FILE.as_posix()}")
    catalogs: dict[str, NullTranslations] = {}
    for lang in languages:
        if lang.code != SOURCE and with_catalogs:
            path = content_dir / LOCALE_DIR / f"{lang.code}.po"
            catalogs[lang.code] = read_catalog(path, f"content/{LOCALE_DIR.as_posix()}/{lang.code}.po")
    codes = [lang.code for lang in languages]
    if default not in codes:
        raise LanguageError(f"WAYPOINT_LANGUAGE is {default!r}, which is not in {LANGUAGES_FILE} "
                            f"(listed: {', '.join(codes)})")
    _languages.clear()
    _languages.update({lang.code: lang for lang in languages})
    _catalogs.clear()
    _catalogs.update(catalogs)
    _default = default
    _loaded.clear()
    _loaded.append((Path(content_dir), default))
    return languages


_loaded: list[tuple[Path, str]] = []  # what load() last read: one content folder per process, except in tests


def ensure(content_dir: Path, default: str = SOURCE) -> list[Language]:
    """load() unless these are the languages already loaded (every page run asks; a test may switch folders)."""
    if _loaded != [(Path(content_dir), default)]:
        return load(content_dir, default)
    return languages()


def languages() -> list[Language]:
    """The languages people can choose, in the file's order."""
    return list(_languages.values())


def display_name(code: str) -> str:
    """A language named in the language being written, as in a sentence ("inglés", not "English")."""
    lang = _languages.get(code)
    if lang is None:
        return code
    try:
        named = Locale.parse(lang.format_locale).get_language_name(language().format_locale)
    except (UnknownLocaleError, ValueError):
        named = None
    return named or lang.name


def known(code: str | None) -> bool:
    return code is not None and code in _languages


def default() -> str:
    return _default


# --- the current language -----------------------------------------------------------------------------------

def set_source(source: Callable[[], str | None] | None) -> None:
    """Where the app keeps the signed-in person's language (their session); asked when no `using()` is active."""
    global _source
    _source = source


def current() -> str:
    """The language of the person (or client) the running code is writing for."""
    code = _current.get()
    if code is None and _source is not None:
        code = _source()
    return code if code in _languages else _default


def language(code: str | None = None) -> Language:
    return _languages.get(code or current(), ENGLISH)


@contextmanager
def using(code: str | None) -> Iterator[None]:
    """Write in `code` inside the block: a handout in the client's language, a command in the default one."""
    token = _current.set(code if code in _languages else None)
    try:
        yield
    finally:
        _current.reset(token)


def _catalog() -> NullTranslations:
    return _catalogs.get(current(), _NULL)


def _(message: str) -> str:  # noqa: N802 - gettext's name, which the extractor and every translator know
    """The message in the current language (English when it has no translation yet)."""
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """One message for 1 and another for other counts, in the current language's plural rules."""
    return _catalog().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short word that means different things in different places ("Open" a page, "open" a case)."""
    return _catalog().pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for the catalog, translate later"
    """Marks a module-level text for the catalog; it is translated where it is shown, with `_()`."""
    return message


# --- numbers and dates --------------------------------------------------------------------------------------

def number(value: float, *, digits: int | None = None) -> str:
    """12,345 or 12,345.6 as the language writes them."""
    fmt = None if digits is None else "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=language().format_locale)


def and_list(items: list[str]) -> str:
    """"a, b and c" as the language joins a list ("a, b y c")."""
    from babel.lists import format_list

    return format_list(items, locale=language().format_locale) if items else ""


def percent(value: float) -> str:
    """0.25 as "25%" (or "25 %") as the language writes it."""
    return format_percent(value, locale=language().format_locale)


def month_day_year(value: date | datetime) -> str:
    """"2 Dec 2026" / "2 dic 2026": day first, month in words, so no reader mistakes the order."""
    if current() == SOURCE:
        return f"{value.day} {value:%b %Y}"
    from babel.dates import format_date

    return format_date(value, "d MMM y", locale=language().format_locale)


@functools.cache
def chart_locale_for(tag: str) -> dict[str, Any]:
    """Vega-Lite's format locale (month and day names, decimal mark) for a d3 locale tag, from the same library
    that renders charts for PDFs; ValueError for a tag it does not know."""
    import vl_convert

    try:
        return {"number": vl_convert.get_format_locale(tag), "time": vl_convert.get_time_format_locale(tag)}
    except Exception as exc:  # noqa: BLE001 - vl_convert raises a plain error for an unknown tag
        raise ValueError(str(exc)) from None


def chart_locale() -> dict[str, Any]:
    """The locale for a chart's `config.locale`, in the language being written: axes say "ene feb mar"."""
    return chart_locale_for(language().chart_locale)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message: a translation must keep exactly these, or the app would fail on it."""
    try:
        return {field for _text, field, _spec, _conv in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return {"<unbalanced braces>"}
