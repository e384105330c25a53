"""Bad content files: what an agency's editor could save in content/*.yaml.

Each example copies the shipped content, damages one file (broken YAML, a value of the wrong type, a huge or
control-character string, an unknown field, a missing field, nesting or aliases no editor writes) and loads it.
Loading either works (the damage was harmless) or raises ContentError whose message names the file and, for a
damaged entry, the entry or field. Any other exception is a traceback an agency cannot act on, and fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from models.base.settings import Settings
from models.content.loader import (
    CHECKLIST_FILE,
    GUIDANCE_FILE,
    MAX_TEXT,
    RESOURCES_DIR,
    SCRIPTS_FILE,
    Content,
    ContentError,
    load_content,
)
from tests.unit.bad_inputs import NASTY, any_text
from tests.unit.helpers import copy_of_content

SOURCE = Settings().content_dir
FILES = {
    "checklist": CHECKLIST_FILE,
    "pack": RESOURCES_DIR / "us-national.yaml",
    "scripts": SCRIPTS_FILE,
    "guidance": GUIDANCE_FILE,
}
CONTENT_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                                      HealthCheck.too_slow])

junk_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True),
    any_text, st.just("x" * 100_000), st.just("<script>alert(1)</script>"), st.just("line\x00nul"),
    st.just("bell\x07"), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                            max_size=2),
    st.just("2999-01-01"), st.just("{ndvh.nothing}"), st.just("9" * 30),
)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a YAML document a value sits, for picking one to damage."""
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*here, i))
    return found


def _load(root: Path) -> Content:
    return load_content(root, ("us-national",))


def _assert_plain(exc: ContentError, shown: str) -> None:
    message = str(exc)
    assert message.startswith(shown) or shown in message, message[:300]
    assert "Traceback" not in message
    assert len(message) < 20_000  # the message names the problem; it does not repeat a 100,000-character value


@CONTENT_SETTINGS
@given(which=st.sampled_from(sorted(FILES)), data=st.data(),
       how=st.sampled_from(["replace", "unknown_key", "delete", "wrap_in_list"]), value=junk_values)
def test_a_damaged_field_is_refused_naming_the_file_and_entry(tmp_path_factory, which: str, data: st.DataObject,
                                                              how: str, value: Any) -> None:  # type: ignore[no-untyped-def]
    root = copy_of_content(tmp_path_factory.mktemp("c"))
    path = root / FILES[which]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    spot = data.draw(st.sampled_from(_paths(doc)[1:]), label="where")
    parent: Any = doc
    for part in spot[:-1]:
        parent = parent[part]
    last = spot[-1]
    if how == "replace":
        parent[last] = value
    elif how == "unknown_key":
        target = parent[last] if isinstance(parent[last], dict) else parent
        if not isinstance(target, dict):
            return
        target["colour"] = value
    elif how == "delete":
        del parent[last]
    else:
        parent[last] = [parent[last]]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shown = f"content/{FILES[which].as_posix()}"
    try:
        loaded = _load(root)
    except ContentError as exc:
        event("refused")
        # Scripts are checked against the packs, so a damaged pack can surface as a script naming a missing field.
        if which == "pack" and shown not in str(exc):
            assert "content/" in str(exc) or "resource packs" in str(exc), str(exc)[:300]
        else:
            _assert_plain(exc, shown)
        if how == "unknown_key" and isinstance(value, (int, str)):
            assert "colour" in str(exc) or "content/" in str(exc)
        return
    # The damage was harmless (a string that is still a fine label, a deleted optional field): the result holds.
    assert how != "unknown_key"  # every model forbids fields it does not know
    for r in loaded.resources:
        assert len(r.name) <= MAX_TEXT and "\x00" not in r.name


@CONTENT_SETTINGS
@given(which=st.sampled_from(sorted(FILES)), text=st.one_of(any_text, st.sampled_from([
    "[" * 600 + "]" * 600, "a: &a [x]\nb: *a\n", "a: !!python/object/apply:os.system ['echo hi']\n", "\t- x",
    "key: value\n  bad indent: x\n", "- a\n- b\n", "just text", "", "~", "123", "\ufeff", "a: b: c",
    "a: &x [*x]", "%YAML 9.9\n---\na: 1"])))
@example(which="checklist", text="\x00")
@example(which="guidance", text="lol: &a [\"x\",\"x\"]\nlol2: &b [*a,*a,*a]\nlol3: [*b,*b,*b]\n")
def test_a_file_that_is_not_content_yaml_is_refused_naming_the_file(tmp_path_factory, which: str, text: str) -> None:  # type: ignore[no-untyped-def]
    root = copy_of_content(tmp_path_factory.mktemp("c"))
    (root / FILES[which]).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        _load(root)
    _assert_plain(refused.value, f"content/{FILES[which].as_posix()}")


def test_bytes_that_are_not_utf8_are_refused_naming_the_file(tmp_path: Path) -> None:
    root = copy_of_content(tmp_path)
    (root / CHECKLIST_FILE).write_bytes(b"id: \xff\xfe broken")
    with pytest.raises(ContentError) as refused:
        _load(root)
    _assert_plain(refused.value, "content/checklists/trauma-bonding.yaml")


@pytest.mark.parametrize("bad", ["x" * 100_000, "bell\x07ring", "nul\x00here", "esc\x1b[2J"])
def test_huge_or_control_character_labels_are_refused_naming_the_entry(tmp_path: Path, bad: str) -> None:
    root = copy_of_content(tmp_path)
    path = root / RESOURCES_DIR / "us-national.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = doc["resources"][0]
    first["hours"] = bad
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        _load(root)
    message = str(refused.value)
    assert message.startswith("content/resources/us-national.yaml")
    assert f"entry '{first['code']}'" in message and "hours" in message
    assert len(message) < 1000


def test_a_version_too_big_for_the_database_is_refused(tmp_path: Path) -> None:
    """The checklist version is stored with every check-in: 2**40 would fail every save on PostgreSQL."""
    root = copy_of_content(tmp_path)
    path = root / CHECKLIST_FILE
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["version"] = 2**40
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        _load(root)
    assert "version" in str(refused.value)


def test_a_resource_code_too_long_for_its_column_is_refused(tmp_path: Path) -> None:
    root = copy_of_content(tmp_path)
    path = root / RESOURCES_DIR / "us-national.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["resources"][-1]["code"] = "a" + "-b" * 40
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        _load(root)
    assert "code" in str(refused.value)


@pytest.mark.parametrize("pack", ["../checklists/trauma-bonding", "US-National", "us national", "us-national\x00",
                                  "", "a" * 5000, "%", "..", "/etc/passwd"])
def test_resource_pack_names_are_refused_before_any_file_is_opened(pack: str) -> None:
    with pytest.raises(ContentError) as refused:
        load_content(SOURCE, (pack,)) if pack else load_content(SOURCE, ())
    assert "pack" in str(refused.value)


def test_the_nasty_list_is_used() -> None:
    assert any(len(t) >= 100_000 for t in NASTY)


def test_a_billion_laughs_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    """Nine levels of nine aliases: 387 million values from a file of a few hundred bytes. Refused by counting."""
    root = copy_of_content(tmp_path)
    levels = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    (root / GUIDANCE_FILE).write_text(levels + "stages: [*i, *i]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="expands to more than") as refused:
        _load(root)
    _assert_plain(refused.value, "content/guidance/leaving.yaml")


def test_an_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    root = copy_of_content(tmp_path)
    (root / GUIDANCE_FILE).write_text("stages: &s [*s]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="refers to itself"):
        _load(root)


def test_a_few_plain_aliases_still_load(tmp_path: Path) -> None:
    """Tools that write YAML (and the tests' own editing) share repeated lists as aliases: those are fine."""
    root = copy_of_content(tmp_path)
    path = root / RESOURCES_DIR / "us-national.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    shared = doc["resources"][0]["needs"]
    doc["resources"][1]["needs"] = shared
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    assert "*id" in text  # the dump really uses an alias
    path.write_text(text, encoding="utf-8")
    assert _load(root).resources[1].needs == tuple(shared)
