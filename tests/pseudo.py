"""A made-up language, "qps", built from the English at test time: every catalog text and every content text is
accented and wrapped in ⟦…⟧. A page drawn in it shows at a glance any text that did not come from a catalog or a
content file (it has letters outside the brackets), and building it proves that a language is data: a catalog, a
folder of content and one entry in languages.yaml, with no code changed (issue 20)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from models.base import i18n
from models.content.loader import CHECKLIST_FILE, DISCREET_FILE, GUIDANCE_FILE, RESOURCES_DIR, SCRIPTS_FILE

CODE = "qps"
OPEN, CLOSE = "⟦", "⟧"
_ACCENTS = str.maketrans("aeiouAEIOUcnyCNY", "áéíóúÁÉÍÓÚçñýÇÑÝ")
# Kept as they are: {placeholders}, `code`, Markdown links' addresses, URLs, ":material/icons:" and e-mail addresses.
_KEEP = re.compile(r"(\{[^{}]*\}|`[^`]*`|\]\([^)]*\)|https?://\S+|:material/\w+:|\S+@\S+)")
# Content fields that are words (the rest are codes, numbers, addresses and settings, the same in every language).
PROSE = {"title", "description", "label", "guidance", "intro", "detail", "handout", "say", "notes", "when", "name",
         "purpose", "serves", "hours", "languages", "note", "plain_label", "numbers_heading", "notes_heading",
         "source"}


def pseudo(text: str) -> str:
    """⟦Áccéñtéd⟧, with everything a program reads (placeholders, code, addresses) untouched."""
    if not text.strip():
        return text
    parts = _KEEP.split(text)
    changed = "".join(p if i % 2 else p.translate(_ACCENTS) for i, p in enumerate(parts))
    return f"{OPEN}{changed}{CLOSE}"


def _walk(node: Any, key: str | None = None) -> Any:
    if isinstance(node, dict):
        return {k: _walk(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk(v, key) for v in node]
    if isinstance(node, str) and key in PROSE:
        return pseudo(node)
    return node


def _content_file(source: Path, target: Path) -> None:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    if "handout" in data and isinstance(data["handout"], dict):  # the handout's own words: keep them discreet
        data["handout"] = {k: pseudo(v) if isinstance(v, str) else v for k, v in data["handout"].items()}
        data = {**_walk({k: v for k, v in data.items() if k != "handout"}), "handout": data["handout"]}
    else:
        data = _walk(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def build(content_dir: Path, target: Path) -> Path:
    """A copy of `content_dir` at `target` with qps added exactly as docs/languages.md tells an agency to add one."""
    shutil.copytree(content_dir, target)
    languages = target / i18n.LANGUAGES_FILE
    data = yaml.safe_load(languages.read_text(encoding="utf-8"))
    data["languages"].append({"code": CODE, "name": "Pseudo", "format_locale": "en_US", "chart_locale": "en-US",
                              "html": "en"})
    languages.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with (target / i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        template = read_po(f)
    catalog = Catalog(locale="en", project="Waypoint")  # English plural rules: one and other
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            string: str | tuple[str, ...] = tuple(pseudo(form) for form in message.id)
        else:
            string = pseudo(message.id)
        catalog.add(message.id, string, context=message.context)
    buf = io.BytesIO()
    write_po(buf, catalog)
    (target / i18n.LOCALE_DIR / f"{CODE}.po").write_bytes(buf.getvalue())
    packs = sorted((content_dir / RESOURCES_DIR).glob("*.yaml"))
    for path in [CHECKLIST_FILE, SCRIPTS_FILE, GUIDANCE_FILE, *(p.relative_to(content_dir) for p in packs)]:
        _content_file(content_dir / path, target / CODE / path)
    (target / CODE / DISCREET_FILE).write_text("words: [qqqq]\nphrases: ['qqqq\\s+qqqq']\n", encoding="utf-8")
    return target


_BRACKETED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")


def outside(text: str) -> str:
    """What is left of a text once every ⟦…⟧ (nested ones too) is taken out: what did not come from a catalog."""
    while True:
        shorter = _BRACKETED.sub(" ", text)
        if shorter == text:
            return text
        text = shorter
