"""Content packs: the shipped files load, match the verified reference facts, and broken files are refused
with a message that names the file, the entry and the problem."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from models.base.settings import REPO_ROOT
from models.content.loader import CHECKIN_SECTIONS, ContentError, load_content
from tests.unit.helpers import edit_yaml

# The verified facts, kept in the repository so a clean clone can check against them (the project's shared
# copy is ../shared/reference/resources.md; test_content checks the two agree when both are there).
REFERENCE = REPO_ROOT / "tests" / "data" / "reference-resources.md"
# Lines added after the shared reference was written, verified the same way (see the file for its sources).
ADDED = REPO_ROOT / "tests" / "data" / "reference-resources-added.md"


def _checklist(root: Path) -> Path:
    return root / "checklists" / "trauma-bonding.yaml"


def _pack(root: Path) -> Path:
    return root / "resources" / "us-national.yaml"


# --- what ships ----------------------------------------------------------------------------------------------

def test_checklist_has_every_section_in_order_and_unique_stable_codes(content):
    cl = content.checklist
    assert [s.code for s in cl.checkin_sections()] == list(CHECKIN_SECTIONS)
    assert {s.code for s in cl.intake_sections()} == {"vulnerability", "contexts"}
    codes = cl.all_codes()
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+\.[a-z0-9-]+", c) for c in codes)
    assert cl.version >= 1 and cl.source


def test_suicidal_thoughts_and_self_harm_need_an_immediate_response(content):
    flagged = {content.checklist.item(c).immediate: c for c in content.checklist.immediate_codes()}
    assert set(flagged) == {"suicide", "self-harm"}
    assert all(flagged[k].startswith("behavioural.") for k in flagged)


def test_intimate_partner_is_the_first_context_and_only_one_may_be_chosen(content):
    contexts = content.checklist.section("contexts")
    assert contexts.choice == "one"
    assert contexts.items[0].code == "contexts.intimate-partner"
    assert {"contexts.trafficking", "contexts.elder-abuse", "contexts.workplace", "contexts.other"} <= {
        i.code for i in contexts.items}


def test_unknown_codes_raise_key_error(content):
    with pytest.raises(KeyError):
        content.checklist.item("signs.not-a-real-item")
    with pytest.raises(KeyError):
        content.checklist.section("nope")
    with pytest.raises(KeyError):
        content.resource("nope")


def test_wording_observes_and_never_blames(content):
    """Trauma-informed wording: none of the phrases that put the bond on the survivor."""
    words = " ".join(i.label + " " + (i.guidance or "") for s in content.checklist.sections for i in s.items)
    words += " ".join(r.purpose + " " + r.serves for r in content.resources)
    for phrase in ("refuses", "refuse to", "fails to", "won't leave", "chooses to stay", "score",
                   "risk level", "abuser", "victim"):
        assert phrase not in words.lower(), phrase
    assert "not their fault" in content.checklist.item("signs.self-blame").guidance


def test_the_article_s_leaving_strategies_are_not_signs(content):
    labels = " ".join(i.label.lower() for i in content.checklist.section("signs").items)
    assert "safety plan" not in labels and "ground rules" not in labels and "network" not in labels


def test_every_resource_names_its_source_and_a_check_date_not_in_the_future(content):
    assert len(content.resources) == 17
    for r in content.resources:
        assert r.source and r.checked <= date.today()
        assert r.pack == "us-national"
        assert r.channels(), r.code


def test_crisis_panel_has_988_for_suicide_and_911_for_danger(content):
    assert [r.code for r in content.resources_for_immediate("suicide")][0] == "lifeline-988"
    danger = [r.code for r in content.resources_for_immediate("danger")]
    assert danger[0] == "emergency-911" and "ndvh" in danger


def test_corrected_name_of_the_dating_abuse_line(content):
    names = [r.name for r in content.resources]
    assert "love is respect" in names
    assert not any("dignity" in n.lower() for n in names)


def test_the_repository_copy_of_the_reference_facts_matches_the_shared_one():
    shared = REPO_ROOT.parent / "shared" / "reference" / "resources.md"
    if not shared.exists():
        pytest.skip("no ../shared/reference next to this checkout (a clean clone); the repository copy is used")
    assert REFERENCE.read_text() == shared.read_text()


def _reference_numbers() -> set[str]:
    assert REFERENCE.exists(), f"the verified reference facts are missing: {REFERENCE}"
    assert ADDED.exists(), f"the verified reference facts for the added lines are missing: {ADDED}"
    text = REFERENCE.read_text() + ADDED.read_text()
    found = set(re.findall(r"\b1-\d{3}-\d{3}-\d{4}\b", text))
    found |= set(re.findall(r"\b(?:988|911|211|88788|22522|233733|741741|838255|678678|66008)\b", text))
    return found


def test_every_number_in_the_pack_is_in_the_verified_reference(content):
    reference = _reference_numbers()
    ours = set()
    for r in content.resources:
        if r.phone:
            ours.add(r.phone.number)
        if r.text:
            ours.add(r.text.number)
        if r.tty and r.tty != "711":  # 711 is the national relay code, confirmed separately (see the note)
            ours.add(r.tty)
    assert ours <= reference, ours - reference
    # and the headline numbers are all there
    assert {"1-800-799-7233", "1-866-331-9474", "1-800-656-4673", "1-888-373-7888", "988", "911",
            "1-844-762-8483", "1-800-422-4453", "1-800-677-1116", "88788", "22522", "741741", "838255",
            "1-866-488-7386", "1-877-565-8860", "1-800-786-2929", "211"} <= ours


# --- broken files -------------------------------------------------------------------------------------------

def test_a_bad_phone_number_names_the_file_the_entry_and_the_field(copy):
    _pack(copy).write_text(_pack(copy).read_text().replace("1-800-799-7233", "1-800-79", 1))
    with pytest.raises(ContentError) as err:
        load_content(copy, ("us-national",))
    msg = str(err.value)
    assert "content/resources/us-national.yaml" in msg
    assert "entry 'ndvh' (National Domestic Violence Hotline)" in msg
    assert "phone.number" in msg and "'1-800-79'" in msg


def test_letters_that_do_not_spell_the_number_are_refused(copy):
    _pack(copy).write_text(_pack(copy).read_text().replace("1-800-799-SAFE", "1-800-799-SAFA"))
    with pytest.raises(ContentError, match="do not spell"):
        load_content(copy, ("us-national",))


def test_a_check_date_in_the_future_is_refused(copy):
    future = (date.today() + timedelta(days=3)).isoformat()
    edit_yaml(_pack(copy), lambda d: d["resources"][0].update(checked=future))
    with pytest.raises(ContentError, match=f"entry 'lifeline-988'.*checked.*{future} is in the future"):
        load_content(copy, ("us-national",))


def test_a_missing_source_is_refused(copy):
    edit_yaml(_pack(copy), lambda d: d["resources"][3].pop("source"))
    with pytest.raises(ContentError, match="field 'source': Field required"):
        load_content(copy, ("us-national",))


def test_a_misspelt_field_is_refused_not_ignored(copy):
    edit_yaml(_pack(copy), lambda d: d["resources"][2].update(hourz="24/7"))
    with pytest.raises(ContentError, match="field 'hourz': is not a field Waypoint knows"):
        load_content(copy, ("us-national",))


def test_an_unknown_need_tag_is_refused(copy):
    edit_yaml(_pack(copy), lambda d: d["resources"][2].update(needs=["domestic-violence", "transport"]))
    with pytest.raises(ContentError, match="needs.*'transport'"):
        load_content(copy, ("us-national",))


def test_a_plain_http_address_is_refused(copy):
    edit_yaml(_pack(copy), lambda d: d["resources"][2].update(web="http://www.thehotline.org"))
    with pytest.raises(ContentError, match="https://"):
        load_content(copy, ("us-national",))


def test_a_resource_nobody_can_reach_is_refused(copy):
    def strip(d):  # type: ignore[no-untyped-def]
        for field in ("phone", "text", "tty", "chat", "web"):
            d["resources"][3].pop(field, None)
    edit_yaml(_pack(copy), strip)
    with pytest.raises(ContentError, match="love-is-respect.*at least one way to reach it"):
        load_content(copy, ("us-national",))


def test_without_a_suicide_resource_the_crisis_panel_would_be_empty_so_loading_stops(copy):
    def unflag(d):  # type: ignore[no-untyped-def]
        for r in d["resources"]:
            r["immediate"] = [k for k in r.get("immediate", []) if k != "suicide"]
    edit_yaml(_pack(copy), unflag)
    with pytest.raises(ContentError, match=r"immediate: \[suicide\]"):
        load_content(copy, ("us-national",))


def test_duplicate_resource_codes_across_packs_are_refused(copy):
    shutil.copy(_pack(copy), copy / "resources" / "second.yaml")
    edit_yaml(copy / "resources" / "second.yaml", lambda d: d.update(pack="second"))
    with pytest.raises(ContentError, match="second.yaml: entry 'lifeline-988'.*already used in pack us-national"):
        load_content(copy, ("us-national", "second"))


def test_packs_load_in_the_order_given(copy):
    def one_local(d):  # type: ignore[no-untyped-def]
        d["pack"] = "local"
        d["resources"] = [dict(d["resources"][2], code="local-shelter", name="Local shelter line")]
    shutil.copy(_pack(copy), copy / "resources" / "local.yaml")
    edit_yaml(copy / "resources" / "local.yaml", one_local)
    loaded = load_content(copy, ("local", "us-national"))
    assert loaded.resources[0].code == "local-shelter" and loaded.resources[0].pack == "local"
    assert len(loaded.resources) == 18


def test_an_unknown_pack_lists_the_ones_there_are(copy):
    with pytest.raises(ContentError, match="no resource pack called 'texas'. Available: example-local, us-national"):
        load_content(copy, ("texas",))


def test_a_pack_whose_name_disagrees_with_its_file_is_refused(copy):
    edit_yaml(_pack(copy), lambda d: d.update(pack="us-other"))
    with pytest.raises(ContentError, match="make them agree"):
        load_content(copy, ("us-national",))


def test_a_checklist_item_code_outside_its_section_is_refused(copy):
    edit_yaml(_checklist(copy), lambda d: d["sections"][1]["items"][0].update(code="signs.anger"))
    with pytest.raises(ContentError, match="trauma-bonding.yaml.*'signs.anger' must look like 'emotional"):
        load_content(copy, ("us-national",))


def test_a_duplicate_item_code_is_refused(copy):
    def dup(d):  # type: ignore[no-untyped-def]
        d["sections"][0]["items"].append(dict(d["sections"][0]["items"][0]))
    edit_yaml(_checklist(copy), dup)
    with pytest.raises(ContentError, match="used twice"):
        load_content(copy, ("us-national",))


def test_a_missing_section_is_refused(copy):
    edit_yaml(_checklist(copy), lambda d: d.update(sections=[s for s in d["sections"] if s["code"] != "physical"]))
    with pytest.raises(ContentError, match="needs the section.*physical"):
        load_content(copy, ("us-national",))


def test_an_unknown_immediate_kind_is_refused(copy):
    edit_yaml(_checklist(copy), lambda d: d["sections"][0]["items"][0].update(immediate="urgent"))
    with pytest.raises(ContentError, match="immediate.*'urgent'"):
        load_content(copy, ("us-national",))


def test_an_empty_label_is_refused(copy):
    edit_yaml(_checklist(copy), lambda d: d["sections"][0]["items"][2].update(label="   "))
    with pytest.raises(ContentError, match="entry 'signs.cut-off-from-others'.*label.*must not be empty"):
        load_content(copy, ("us-national",))


def test_a_version_below_one_is_refused(copy):
    edit_yaml(_checklist(copy), lambda d: d.update(version=0))
    with pytest.raises(ContentError, match="field 'version'"):
        load_content(copy, ("us-national",))


def test_invalid_yaml_gives_the_line(copy):
    _checklist(copy).write_text("id: trauma-bonding\nsections: [\n  - code: signs\n")
    with pytest.raises(ContentError, match=r"trauma-bonding.yaml: this is not valid YAML at line \d+"):
        load_content(copy, ("us-national",))


def test_a_missing_checklist_file_is_named(copy):
    _checklist(copy).unlink()
    with pytest.raises(ContentError, match="content/checklists/trauma-bonding.yaml: the file is missing"):
        load_content(copy, ("us-national",))


def test_no_active_pack_is_refused(copy):
    with pytest.raises(ContentError, match="no resource pack is active"):
        load_content(copy, ())
