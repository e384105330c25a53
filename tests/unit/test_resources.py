"""Resources: the us-national pack checked row by row against the verified reference facts (every number and
text code, and no row left out), and search that finds the right line in a keystroke or two, by need as well as
by name (housing, legal, LGBTQ+, veterans, young people, deaf and hard of hearing, Spanish, text)."""

from __future__ import annotations

import re

import pytest

from models.base.settings import REPO_ROOT
from models.rules.permissions import Actor, PermissionDenied
from models.services.resources import NEED_LABELS, needs_in_packs, search_resources

# The verified facts, kept in the repository so a clean clone can check against them (the project's shared
# copy is ../shared/reference/resources.md; test_content checks the two agree when both are there).
REFERENCE = REPO_ROOT / "tests" / "data" / "reference-resources.md"
# Lines added after the shared reference was written, verified the same way (see the file for its sources).
ADDED = REPO_ROOT / "tests" / "data" / "reference-resources-added.md"
ADA = Actor(1, "ada", "Ada", "advocate")
PHONE = re.compile(r"\b1-\d{3}-\d{3}-\d{4}\b|\b(?:988|911|211)\b")
SHORT = re.compile(r"\b\d{3,6}\b")


def _table(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert path.exists(), f"the verified reference facts are missing: {path}"
    rows = []
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] not in ("resource", "---") and not set(cells[0]) <= {"-"}:
            rows.append(dict(zip(("resource", "for", "phone", "text", "other", "hours"), cells, strict=True)))
    return rows


def _reference_rows() -> list[dict[str, str]]:
    shared, added = _table(REFERENCE), _table(ADDED)
    assert len(shared) >= 10 and len(added) >= 7, "the reference tables could not be read"
    return shared + added


def _entry_for(content, reference_name: str):  # type: ignore[no-untyped-def]
    """The pack entry a reference row is about: the reference adds remarks in brackets after the name."""
    base = re.sub(r"\s*\(.*\)$", "", reference_name).strip().lower()
    matches = [r for r in content.resources if r.name.lower().startswith(base)]
    assert len(matches) == 1, f"no single pack entry for reference row '{reference_name}'"
    return matches[0]


def test_every_reference_row_is_in_the_pack(content):
    entries = {_entry_for(content, row["resource"]).code for row in _reference_rows()}
    assert entries == {r.code for r in content.resources}  # complete both ways: nothing missing, nothing extra


def test_each_phone_number_matches_its_reference_row(content):
    for row in _reference_rows():
        r = _entry_for(content, row["resource"])
        numbers = PHONE.findall(row["phone"])
        if not numbers:  # "none": the reference gives no phone line
            assert r.phone is None, r.code
            continue
        assert r.phone is not None and r.phone.number == numbers[0], (r.code, numbers)
        letters = re.search(r"\((1-\d{3}-[0-9A-Z-]+)\)", row["phone"])
        if letters:
            assert r.phone.letters == letters.group(1), r.code


def test_each_text_number_and_keyword_matches_its_reference_row(content):
    for row in _reference_rows():
        r = _entry_for(content, row["resource"])
        cell = row["text"]
        confirm = "confirm" in cell
        given = SHORT.findall(cell)
        keyword = re.search(r"text ([A-Z]+) to", cell)
        if given and not confirm:  # a fact the reference states: the pack must carry it exactly
            assert r.text is not None and r.text.number == given[0], (r.code, given)
            assert (r.text.keyword or None) == (keyword.group(1) if keyword else None), r.code
        elif r.text is not None:
            # The reference leaves it to be confirmed, or gives nothing: the pack may carry a text line only if
            # its number agrees with what the reference does say and its source names where it was confirmed.
            if given:
                assert r.text.number == given[0], r.code
            elif r.phone:
                assert r.text.number == r.phone.number, r.code  # "call or text" the same number
            assert ";" in r.source or r.note, f"{r.code}: an unconfirmed text line needs its own source or a caveat"
            if r.text.keyword and not (keyword and keyword.group(1) == r.text.keyword):
                assert r.note and r.text.keyword in r.note or ";" in r.source, r.code
        if "text" in cell.lower() and not confirm and given:
            assert r.text is not None, r.code


def test_tty_matches_the_reference(content):
    for row in _reference_rows():
        r = _entry_for(content, row["resource"])
        tty = re.search(r"TTY ([0-9-]+)", row["other"])
        if tty and "confirm" not in row["other"].split("TTY", 1)[1][:40]:
            assert r.tty == tty.group(1), r.code
        elif r.tty:
            assert tty and r.tty == tty.group(1) or r.tty == "711", r.code


def test_the_article_s_wrong_name_for_the_dating_line_is_not_used(content):
    assert any(r.name == "love is respect" for r in content.resources)
    assert not any("dignity" in (r.name + r.purpose).lower() for r in content.resources)


@pytest.mark.parametrize("typed", ["tr", "traf", "TRAFFICKING", "trafficked"])
def test_the_trafficking_line_comes_first_within_two_keystrokes(content, typed):
    assert search_resources(content, ADA, query=typed)[0].code == "trafficking-hotline"


@pytest.mark.parametrize(("typed", "code"), [
    ("988", "lifeline-988"), ("8007997233", "ndvh"), ("799-7233", "ndvh"), ("dating", "love-is-respect"),
    ("native", "stronghearts"), ("older", "eldercare-locator"), ("child", "childhelp"), ("peer", "pandoras-project"),
    ("sexual assault", "rainn"), ("LOVEIS", "love-is-respect"),
])
def test_search_finds_by_number_purpose_need_and_keyword(content, typed, code):
    assert search_resources(content, ADA, query=typed)[0].code == code


def test_every_word_must_match_and_nonsense_finds_nothing(content):
    assert search_resources(content, ADA, query="zzzz") == []
    both = search_resources(content, ADA, query="text spanish")
    assert {r.code for r in both} == {"lifeline-988", "ndvh", "trafficking-hotline", "crisis-text-line"}


def _codes(content, typed: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in search_resources(content, ADA, query=typed)]


@pytest.mark.parametrize(("typed", "first", "also"), [
    # The searches that found little or nothing before these lines were added.
    ("housing", {"us-211", "runaway-safeline"}, {"ndvh", "trafficking-hotline"}),  # and shelter, via "housing"
    ("LGBT", {"trevor-project", "trans-lifeline"}, set()),
    ("legal", {"womenslaw", "trafficking-hotline"}, set()),
    ("veteran", {"veterans-crisis-line"}, set()),
    ("deaf", {"lifeline-988"}, {"ndvh", "trafficking-hotline"}),  # ASL by video; TTY and the 711 relay
    ("text", {"crisis-text-line"}, {"lifeline-988", "ndvh", "veterans-crisis-line", "trevor-project",
                                    "runaway-safeline", "stronghearts"}),
    ("Spanish", {"lifeline-988", "ndvh", "rainn", "trafficking-hotline", "crisis-text-line"}, set()),
    ("young", {"love-is-respect", "trevor-project", "runaway-safeline"}, {"childhelp"}),
])
def test_searching_by_need_finds_the_lines_for_it_best_first(content, typed, first, also):
    found = _codes(content, typed)
    assert set(found[:len(first)]) == first, found
    assert first | also <= set(found), found


@pytest.mark.parametrize(("typed", "code"), [
    ("youth", "trevor-project"), ("gay", "trevor-project"), ("transgender", "trans-lifeline"),
    ("homeless", "runaway-safeline"), ("espanol", "crisis-text-line"), ("asl", "lifeline-988"),
])
def test_common_words_for_a_need_find_it_too(content, typed, code):
    assert code in _codes(content, typed)


def test_what_the_search_is_not_about_is_not_found(content):
    assert "veterans-crisis-line" not in _codes(content, "LGBT")
    assert "us-211" not in _codes(content, "veteran")
    assert "emergency-911" not in _codes(content, "housing")


def test_without_a_query_the_packs_order_is_kept_and_needs_filter_by_any(content):
    assert [r.code for r in search_resources(content, ADA)] == [r.code for r in content.resources]
    found = search_resources(content, ADA, needs=["children", "elders"])
    assert [r.code for r in found] == ["childhelp", "eldercare-locator"]
    assert [r.code for r in search_resources(content, ADA, need="trafficking")] == ["trafficking-hotline"]


def test_the_need_filter_offers_what_the_packs_hold(content):
    offered = needs_in_packs(content, ADA)
    assert {"domestic-violence", "dating-abuse", "sexual-assault", "trafficking", "suicidal-crisis", "children",
            "elders", "native-communities", "lgbtq", "legal", "housing", "veterans", "young-people",
            "deaf-hard-of-hearing"} <= set(offered)
    assert set(offered) == {n for r in content.resources for n in r.needs}  # no filter that always comes up empty
    assert all(n in NEED_LABELS for n in offered)


@pytest.mark.parametrize(("need", "codes"), [
    ("housing", {"us-211", "runaway-safeline"}),
    ("veterans", {"veterans-crisis-line"}),
    ("lgbtq", {"trevor-project", "trans-lifeline"}),
    ("young-people", {"love-is-respect", "trevor-project", "runaway-safeline"}),
    ("deaf-hard-of-hearing", {"lifeline-988"}),
])
def test_each_new_need_filters_to_its_lines(content, need, codes):
    assert {r.code for r in search_resources(content, ADA, need=need)} == codes


def test_the_crisis_panel_is_unchanged_by_the_added_lines(content):
    added = {"womenslaw", "us-211", "crisis-text-line", "veterans-crisis-line", "trevor-project", "trans-lifeline",
             "runaway-safeline"}
    assert not [r.code for r in content.resources if r.code in added and r.immediate]
    assert [r.code for r in content.resources_for_immediate("danger")][0] == "emergency-911"


def test_no_card_names_our_own_files_as_its_source(content):
    """Cards show the source to advocates: the organisation's pages, never a path in this repository."""
    for r in content.resources:
        for text in (r.source, r.note or ""):
            assert "shared/" not in text and "reference" not in text.lower() and "waypoint" not in text.lower(), r.code


def test_only_roles_with_resources_may_search(content):
    with pytest.raises(PermissionDenied):
        search_resources(content, Actor(9, "x", "X", "visitor"), query="988")
