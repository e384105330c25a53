"""Referral scripts: each renders with every resource it names, numbers come only from the packs, and a script
that names an unknown resource or field stops loading with a message naming the file, the entry and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.base.settings import REPO_ROOT
from models.content.loader import PLACEHOLDER, RESOURCE_FIELDS, ContentError, load_content, placeholders, resource_field
from models.rules.permissions import Actor, PermissionDenied
from models.services.scripts import list_scripts, render_script, scripts_naming
from tests.unit.helpers import edit_yaml

CONTENT = REPO_ROOT / "content"
SCRIPTS = Path("scripts") / "referral-scripts.yaml"
ADA = Actor(1, "ada", "Ada", "advocate")
NUMBER = re.compile(r"\b\d{3}\b|\d-\d{3}-\d{3}-\d{4}")


def _edit(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    edit_yaml(root / SCRIPTS, change)


def test_the_five_situations_have_a_script(content):
    codes = [s.code for s in list_scripts(content, ADA)]
    assert codes == ["offering-a-referral", "crisis", "not-ready-to-leave", "thinking-of-leaving",
                     "someone-who-has-been-there"]


@pytest.mark.parametrize("code", ["offering-a-referral", "crisis", "not-ready-to-leave",
                                  "someone-who-has-been-there"])
def test_every_script_renders_with_every_resource_it_names(content, code):
    script = content.script(code)
    rendered = render_script(content, ADA, code)
    assert not PLACEHOLDER.search(rendered.say) and not PLACEHOLDER.search(rendered.notes or "")
    assert "{" not in rendered.say + (rendered.notes or "")
    named = script.named_resources()
    assert named and [r.code for r in rendered.resources] == named
    for field_name in ("say", "notes"):
        text = getattr(script, field_name) or ""
        filled = getattr(rendered, field_name) or ""
        for res_code, field in re.findall(r"\{([a-z0-9-]+)\.([a-z_]+)\}", text):
            value = resource_field(content.resource(res_code), field)
            assert value and value in filled, (code, res_code, field)


def test_scripts_type_no_number_themselves(content):
    """A number in a script would be typed twice; every one must come from a placeholder."""
    for script in content.scripts:
        for text in (script.say, script.notes or "", script.when):
            assert not NUMBER.search(PLACEHOLDER.sub("", text)), (script.code, NUMBER.search(PLACEHOLDER.sub("", text)))


def test_the_crisis_script_reads_out_the_right_numbers(content):
    say = render_script(content, ADA, "crisis").say
    assert "**911**" in say and "**988**" in say
    assert "1-800-799-7233" in say and "START to 88788" in say


def test_a_changed_number_changes_in_every_script(copy):
    pack = copy / "resources" / "us-national.yaml"
    pack.write_text(pack.read_text().replace("1-866-331-9474", "1-866-331-9475"))
    changed = load_content(copy, ("us-national",))
    using = [s for s in changed.scripts if ("love-is-respect", "phone") in placeholders(s.say + (s.notes or ""))]
    assert len(using) >= 2
    for script in using:
        rendered = render_script(changed, ADA, script.code)
        text = rendered.say + (rendered.notes or "")
        assert "1-866-331-9475" in text and "1-866-331-9474" not in text


def test_offerable_resources_default_to_the_ones_named(content):
    crisis = render_script(content, ADA, "crisis")
    assert [r.code for r in crisis.offerable] == ["emergency-911", "lifeline-988", "ndvh"]
    assert [s.code for s in scripts_naming(content, ADA, "pandoras-project")] == ["someone-who-has-been-there"]


def test_wording_offers_and_never_blames(content):
    words = " ".join(s.say + " " + (s.notes or "") + " " + s.when for s in content.scripts).lower()
    for phrase in ("refuses", "refuse to", "fails to", "won't leave", "chooses to stay", "why don't you",
                   "why haven't you", "you should leave", "you must", "abuser", "victim", "score", "risk level"):
        assert phrase not in words, phrase
    assert "your decision" in words or "you get to decide" in words


def test_a_role_without_resources_cannot_read_scripts(content):
    with pytest.raises(PermissionDenied):
        list_scripts(content, Actor(9, "x", "X", "visitor"))


def test_an_unknown_resource_names_the_file_entry_and_field(copy):
    _edit(copy, lambda d: d["scripts"][1].update(say=d["scripts"][1]["say"] + "\nOr call {local-line.phone}."))
    with pytest.raises(ContentError) as err:
        load_content(copy, ("us-national",))
    msg = str(err.value)
    assert "content/scripts/referral-scripts.yaml" in msg
    assert "entry 'crisis' (When a client is in crisis)" in msg
    assert "field 'say'" in msg and "{local-line.phone}" in msg and "not in the active resource packs" in msg


def test_a_field_the_resource_does_not_have_is_refused(copy):
    _edit(copy, lambda d: d["scripts"][0].update(notes="Text {rainn.text} instead."))
    with pytest.raises(ContentError, match=r"entry 'offering-a-referral'.*field 'notes'.*\{rainn\.text\}.*"
                                           r"RAINN National Sexual Assault Hotline has no 'text'"):
        load_content(copy, ("us-national",))


def test_an_unknown_field_name_is_refused(copy):
    _edit(copy, lambda d: d["scripts"][0].update(say="Call {ndvh.fax}."))
    with pytest.raises(ContentError, match=r"entry 'offering-a-referral'.*field 'say'.*'fax' is not a resource field"):
        load_content(copy, ("us-national",))


def test_a_malformed_placeholder_and_a_stray_brace_are_refused(copy):
    _edit(copy, lambda d: d["scripts"][0].update(say="Call {ndvh phone} today."))
    with pytest.raises(ContentError, match=r"'\{ndvh phone\}' is not a placeholder"):
        load_content(copy, ("us-national",))
    _edit(copy, lambda d: d["scripts"][0].update(say="Call {ndvh.phone today."))
    with pytest.raises(ContentError, match=r"field 'say'.*'\{' or '\}' that is not part of a placeholder"):
        load_content(copy, ("us-national",))


def test_an_offer_of_an_unknown_resource_and_a_duplicate_code_are_refused(copy):
    _edit(copy, lambda d: d["scripts"][0].update(offer=["ndvh", "nope"]))
    with pytest.raises(ContentError, match=r"entry 'offering-a-referral'.*field 'offer': 'nope'"):
        load_content(copy, ("us-national",))
    _edit(copy, lambda d: d["scripts"][0].update(offer=["ndvh"], code="crisis"))
    with pytest.raises(ContentError, match="script code 'crisis' is used twice"):
        load_content(copy, ("us-national",))


def test_a_missing_scripts_file_is_named(copy):
    (copy / SCRIPTS).unlink()
    with pytest.raises(ContentError, match="content/scripts/referral-scripts.yaml: the file is missing"):
        load_content(copy, ("us-national",))


def test_a_script_naming_a_national_line_fails_when_only_a_local_pack_is_active(copy):
    """An agency that drops us-national must adapt its scripts: the app says so rather than show gaps."""
    # The local pack answers every immediate need itself, so the packs alone would load.
    edit_yaml(copy / "resources" / "example-local.yaml",
              lambda data: data["resources"][0].update(immediate=["suicide", "self-harm", "danger"]))
    with pytest.raises(ContentError) as err:
        load_content(copy, ("example-local",))
    assert "referral-scripts.yaml: entry 'offering-a-referral'" in str(err.value)
    assert "{ndvh.name} names the resource 'ndvh', which is not in the active resource packs" in str(err.value)


def test_every_placeholder_field_is_documented_in_the_file_header():
    header = (CONTENT / SCRIPTS).read_text().split("version:")[0]
    for name in RESOURCE_FIELDS:
        assert name in header, name
