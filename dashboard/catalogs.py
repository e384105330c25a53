"""The message catalogs: collect every translatable text from the code, and say what a language still lacks.

`./waypoint catalog` rewrites `content/locale/messages.pot` from the code and adds its new texts, untranslated, to
every language's `.po` (texts the code no longer has are dropped). `./waypoint catalog --check` lists what is
missing, unchecked (fuzzy) or broken (a `{placeholder}` the translation lost or invented); the test suite and
`check-content` refuse the same problems, so a half-translated language never ships.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from models.base import i18n
from models.base.settings import REPO_ROOT

SOURCES = ("dashboard", "models")
HEADER = """\
# Waypoint's interface in {name}. Each msgid is the English; write its translation in msgstr.
# Keep every {{placeholder}} and Markdown mark (** for bold, [text](link)) exactly; never mark an entry fuzzy
# unless it needs checking (a fuzzy entry is shown in English). docs/languages.md explains the rest."""
TEMPLATE = i18n.LOCALE_DIR / "messages.pot"
# A fixed stamp keeps the files' headers still, so a diff shows only texts that changed.
STAMP = datetime(2026, 12, 1, tzinfo=UTC)


def extract(root: Path = REPO_ROOT) -> Catalog:
    """Every `_()`, `N_()`, `ngettext()` and `pgettext()` text in the code, with the files it comes from."""
    catalog = Catalog(project="Waypoint", locale=None, creation_date=STAMP, revision_date=STAMP, fuzzy=False,
                      msgid_bugs_address="", copyright_holder="Waypoint")
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
                root / folder, keywords=DEFAULT_KEYWORDS, comment_tags=("TRANSLATORS:",),
                strip_comment_tags=True,
                directory_filter=lambda d: Path(d).name not in {"__pycache__", "migrations"}):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=116, include_lineno=False, sort_by_file=False, ignore_obsolete=True)
    path.write_bytes(buf.getvalue())


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def update(content_dir: Path, root: Path = REPO_ROOT) -> list[str]:
    """Rewrite the template and bring every language's catalog up to it; returns one line per file written."""
    template = extract(root)
    (content_dir / i18n.LOCALE_DIR).mkdir(parents=True, exist_ok=True)
    _write(template, content_dir / TEMPLATE)
    done = [f"content/{TEMPLATE.as_posix()}: {len(template)} texts"]
    for lang in i18n.languages():
        if lang.code == i18n.SOURCE:
            continue
        path = content_dir / i18n.LOCALE_DIR / f"{lang.code}.po"
        if path.exists():
            catalog = read(path, lang.code)
        else:
            catalog = Catalog(locale=lang.code, project="Waypoint", creation_date=STAMP, fuzzy=False,
                              header_comment=HEADER.format(name=lang.name))
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.revision_date = STAMP
        _write(catalog, path)
        missing = sum(1 for m in catalog if m.id and not _translated(m.string))
        done.append(f"content/{path.relative_to(content_dir).as_posix()}: {len(catalog)} texts, {missing} still to "
                    "translate")
    return done


def _translated(string: str | tuple[str, ...] | None) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def _forms(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def problems(content_dir: Path, root: Path = REPO_ROOT) -> list[str]:
    """What stops each language's catalog from being complete: one plain line per text, naming file and text."""
    template = extract(root)
    found: list[str] = []
    for lang in i18n.languages():
        if lang.code == i18n.SOURCE:
            continue
        shown = f"content/{(i18n.LOCALE_DIR / lang.code).as_posix()}.po"
        path = content_dir / i18n.LOCALE_DIR / f"{lang.code}.po"
        if not path.exists():
            found.append(f"{shown}: missing (run ./waypoint catalog to create it, then translate it)")
            continue
        catalog = read(path, lang.code)
        for message in template:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            have = catalog.get(key, context=message.context)
            if have is None:
                found.append(f"{shown}: not in the catalog yet: {key!r} (run ./waypoint catalog)")
            elif have.fuzzy:
                found.append(f"{shown}: marked fuzzy (unchecked): {key!r}")
            elif not _translated(have.string):
                found.append(f"{shown}: not translated: {key!r}")
            else:
                # A plural's "one" form may leave the count out ("one client"); the other forms keep every field.
                wanted = set().union(*(i18n.placeholders(s) for s in _forms(message.id)))
                forms = _forms(have.string)
                for n, form in enumerate(forms):
                    got = i18n.placeholders(form)
                    bad = got != wanted if (len(forms) == 1 or n == len(forms) - 1) else not got <= wanted
                    if bad:
                        found.append(f"{shown}: placeholders differ in {key!r}: the English has "
                                     f"{sorted(wanted)}, the translation {sorted(got)}")
    return found
