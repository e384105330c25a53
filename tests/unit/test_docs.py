"""The documentation keeps up with the code.

Every `WAYPOINT_*` setting the code reads is described in one place: a row of the settings table in
docs/configuration.md, and a table row nowhere else (other pages may name a setting in prose and link there). The
table lists nothing the code no longer reads. The README stays short, every relative link in the README and in
docs/ leads somewhere, and docs/README.md is the index of every page.

The code is models/ and dashboard/ (any mention of a `WAYPOINT_*` name counts: a message naming a setting must
name a documented one) and the `./waypoint` script (where only a read, `$WAYPOINT_X` or `${WAYPOINT_X...}`,
counts: it also exports `WAYPOINT_TEST_PG_URL` for the tests). tests/ and bench/ are not searched: their own
variables, such as `WAYPOINT_TEST_PG_URL`, belong in docs/development.md, not in the settings table.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Not models' REPO_ROOT: the test must not depend on where the settings module lives.
ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
README_MAX_LINES = 200
IN_CI = os.environ.get("CI", "").lower() == "true"

SETTING = re.compile(r"WAYPOINT_[A-Z0-9_]+")
SHELL_READ = re.compile(r"\$\{?(WAYPOINT_[A-Z0-9_]+)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def settings_read_by_code() -> dict[str, list[str]]:
    """Each setting name, with the files that read or name it."""
    found: dict[str, set[str]] = {}
    for folder in ("models", "dashboard"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in SETTING.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, set()).add(_rel(path))
    script = ROOT / "waypoint"
    for name in SHELL_READ.findall(script.read_text(encoding="utf-8")):
        found.setdefault(name, set()).add(_rel(script))
    return {name: sorted(files) for name, files in sorted(found.items())}


def markdown_files() -> list[Path]:
    """The README, every page in docs/, and the READMEs beside the content files."""
    pages = [ROOT / "README.md", *sorted(DOCS.rglob("*.md")), *sorted((ROOT / "content").rglob("*.md"))]
    return [p for p in pages if p.is_file()]


def table_rows(path: Path) -> list[list[str]]:
    """The cells of every Markdown table row outside code blocks."""
    rows = []
    for line in prose_lines(path):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            rows.append([cell.strip() for cell in stripped.strip("|").split("|")])
    return rows


def prose_lines(path: Path) -> list[str]:
    """The lines of a Markdown file, without fenced code blocks."""
    lines, in_fence = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append(line)
    return lines


def documented_settings() -> list[str]:
    """The names in the first cell of a row of docs/configuration.md's tables, once per row."""
    names = []
    for cells in table_rows(CONFIGURATION):
        names += re.findall(r"`(WAYPOINT_[A-Z0-9_]+)`", cells[0])
    return names


def links(path: Path) -> list[tuple[bool, str]]:
    """(is_image, target) for every link in the file's prose, code spans and code blocks left out."""
    text = INLINE_CODE.sub("", "\n".join(prose_lines(path)))
    return [(bang == "!", target) for bang, target in LINK.findall(text)]


def relative_targets(path: Path) -> list[tuple[bool, str, Path, str]]:
    """(is_image, as written, resolved file, anchor) for each link that stays inside the repository."""
    out = []
    for is_image, target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("//"):
            continue  # https:, mailto: and the like
        file_part, _, anchor = target.partition("#")
        resolved = path if not file_part else (path.parent / file_part).resolve()
        out.append((is_image or resolved.suffix.lower() in IMAGE_SUFFIXES, target, resolved, anchor))
    return out


def heading_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    for line in prose_lines(path):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            text = heading.group(1).replace("`", "").lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


# --- one place for every setting ------------------------------------------------------------------------------


def test_the_code_reads_settings_and_the_search_finds_them():
    found = settings_read_by_code()
    # A sanity check on the search itself: these are read in three different places.
    assert {"WAYPOINT_DATABASE_URL", "WAYPOINT_DB_BUSY_TIMEOUT_MS", "WAYPOINT_PORT"} <= found.keys()
    assert "WAYPOINT_TEST_PG_URL" not in found, "a test-only variable is read by the application code"


def test_every_setting_the_code_reads_is_in_the_configuration_table():
    documented = set(documented_settings())
    missing = {name: files for name, files in settings_read_by_code().items() if name not in documented}
    assert not missing, (
        "settings read by the code but missing from the table in docs/configuration.md "
        f"(add a row: `NAME` | default | allowed values | what it does): {missing}"
    )


def test_the_configuration_table_lists_only_settings_the_code_reads():
    stale = sorted(set(documented_settings()) - settings_read_by_code().keys())
    assert not stale, f"docs/configuration.md describes settings no code reads any more: {stale}"


def test_each_setting_has_one_row_in_the_configuration_table():
    names = documented_settings()
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"settings with more than one row in docs/configuration.md: {twice}"


def test_no_other_page_has_a_table_row_for_a_setting():
    settings = settings_read_by_code().keys()
    elsewhere = []
    for page in markdown_files():
        if page == CONFIGURATION:
            continue
        for cells in table_rows(page):
            named = sorted(set(SETTING.findall(" ".join(cells))) & settings)
            if named:
                elsewhere.append(f"{_rel(page)}: {', '.join(named)}")
    assert not elsewhere, (
        "settings are described in one table only, in docs/configuration.md; elsewhere name them in prose "
        f"and link there: {elsewhere}"
    )


# --- the README and the index -----------------------------------------------------------------------------------


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; keep it to {README_MAX_LINES} and move the rest to a page in docs/"
    )


def test_the_index_links_every_page():
    index = DOCS / "README.md"
    linked = {resolved for _, _, resolved, _ in relative_targets(index)}
    pages = {p.resolve() for p in DOCS.glob("*.md") if p.name != "README.md"}
    unlisted = sorted(p.name for p in pages - linked)
    assert not unlisted, f"docs/README.md is the index: add a line with a link for {unlisted}"


# --- links ------------------------------------------------------------------------------------------------------


def test_every_relative_link_leads_to_a_file_or_folder():
    broken = []
    for page in markdown_files():
        for is_image, target, resolved, anchor in relative_targets(page):
            if is_image:
                continue  # the next test
            if not resolved.exists():
                broken.append(f"{_rel(page)}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in heading_anchors(resolved):
                broken.append(f"{_rel(page)}: {target} (no heading gives #{anchor})")
    assert not broken, f"links to nothing: {broken}"


def test_every_image_is_committed():
    """The README's screenshots are made by the browser suite and committed with it. Until they are, this test
    skips on a developer's machine and says which are missing; under CI=true a missing image fails."""
    missing, not_images = [], []
    for page in markdown_files():
        for is_image, target, resolved, _ in relative_targets(page):
            if not is_image:
                continue
            if not resolved.is_file():
                missing.append(f"{_rel(page)}: {target}")
            elif resolved.suffix.lower() == ".png" and not resolved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"):
                not_images.append(f"{_rel(page)}: {target}")
    assert not not_images, f"files named .png that are not PNG images: {not_images}"
    if missing:
        message = f"images not committed yet (the browser suite makes the screenshots): {missing}"
        if IN_CI:
            pytest.fail(message + "; under CI=true they may not be missing")
        pytest.skip(message)
