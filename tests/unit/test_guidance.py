"""Leaving guidance: four stages in order, stable unique step codes, every topic the issue asks for, discreet
handout words, and broken files refused with the file, the entry and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.content.loader import STAGES, ContentError, load_content
from models.rules.permissions import Actor
from models.services.guidance import TOPIC_LABELS, guidance_by_stage
from tests.unit.helpers import edit_yaml

GUIDANCE = Path("guidance") / "leaving.yaml"
ADA = Actor(1, "ada", "Ada", "advocate")


def _edit(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    edit_yaml(root / GUIDANCE, change)


def test_four_stages_in_order_each_with_steps(content):
    g = content.guidance
    assert g.version >= 1
    assert tuple(s.code for s in g.stages) == STAGES
    assert [s.title for s in g.stages] == ["While still in the relationship", "Preparing to leave",
                                           "The day of leaving", "After leaving"]
    assert all(len(s.steps) >= 3 for s in g.stages)


def test_step_codes_are_stable_unique_and_belong_to_their_stage(content):
    codes = content.guidance.all_codes()
    assert len(codes) == len(set(codes))
    for stage in content.guidance.stages:
        for step in stage.steps:
            assert re.fullmatch(rf"{stage.code}\.[a-z0-9]+(-[a-z0-9]+)*", step.code), step.code
    assert "while-staying.code-word" in codes  # the code the issue names


def test_every_topic_the_issue_asks_for_is_covered(content):
    steps = [step for stage in content.guidance.stages for step in stage.steps]
    words = " ".join(f"{s.label} {s.detail or ''} {s.handout}" for s in steps).lower()
    for thing in ("documents", "medicines", "money", "keys", "evidence", "changing your number", "location sharing",
                  "shared accounts", "tracking"):
        assert thing in words, thing
    topics = {t for s in steps for t in s.topics}
    assert topics == set(TOPIC_LABELS)
    technology = [s for s in steps if "technology" in s.topics]
    assert {s.code.split(".")[0] for s in technology} == set(STAGES)  # technology safety at every stage


def test_nothing_is_scored_and_nothing_blames(content):
    g = content.guidance
    text = " ".join([g.title, *(f"{st.title} {st.intro or ''}" for st in g.stages),
                     *(f"{s.label} {s.detail or ''} {s.handout}" for st in g.stages for s in st.steps)]).lower()
    for phrase in ("score", "points", "risk level", "high risk", "refuses", "fails to", "won't leave", "abuser",
                   "victim", "should have"):
        assert phrase not in text, phrase


def test_filter_by_topic_keeps_the_stages_and_only_matching_steps(content):
    by_stage = guidance_by_stage(content, ADA, topics=("technology",))
    assert [b.stage.code for b in by_stage] == list(STAGES)
    assert all("technology" in s.topics for b in by_stage for s in b.steps)
    everything = guidance_by_stage(content, ADA)
    assert sum(len(b.steps) for b in everything) == len(content.guidance.all_codes())


def test_stage_headings_for_the_handout_are_no_longer_accepted(copy):
    """The printed page is one plain list: headings by stage read as a timeline of the plan."""
    _edit(copy, lambda d: d["stages"][2].update(handout_heading="Worth knowing"))
    with pytest.raises(ContentError) as err:
        load_content(copy, ("us-national",))
    msg = str(err.value)
    assert "content/guidance/leaving.yaml" in msg and "entry 'leaving-day'" in msg
    assert "field 'handout_heading'" in msg and "is not a field Waypoint knows" in msg


def test_a_revealing_handout_title_is_refused(copy):
    _edit(copy, lambda d: d["handout"].update(title="My safety plan"))
    with pytest.raises(ContentError, match=r"field 'handout.title'.*'My safety plan' would tell"):
        load_content(copy, ("us-national",))


def test_a_step_code_outside_its_stage_is_refused(copy):
    _edit(copy, lambda d: d["stages"][1]["steps"][0].update(code="while-staying.bag-ready"))
    with pytest.raises(ContentError, match=r"entry 'preparing'.*'while-staying.bag-ready' must look like 'preparing"):
        load_content(copy, ("us-national",))


def test_a_duplicate_step_code_and_a_missing_stage_are_refused(copy):
    def dup(d):  # type: ignore[no-untyped-def]
        d["stages"][0]["steps"].append(dict(d["stages"][0]["steps"][0]))
    _edit(copy, dup)
    with pytest.raises(ContentError, match="step code 'while-staying.code-word' is used twice"):
        load_content(copy, ("us-national",))
    _edit(copy, lambda d: d.update(stages=d["stages"][:3]))
    with pytest.raises(ContentError, match="the stages must be while-staying, preparing, leaving-day, after-leaving"):
        load_content(copy, ("us-national",))


def test_an_unknown_topic_and_a_missing_handout_line_name_the_step(copy):
    _edit(copy, lambda d: d["stages"][0]["steps"][1].update(topics=["friends"]))
    with pytest.raises(ContentError, match=r"entry 'while-staying.trusted-people'.*topics.*'friends'"):
        load_content(copy, ("us-national",))
    _edit(copy, lambda d: (d["stages"][0]["steps"][1].update(topics=["people"]),
                           d["stages"][0]["steps"][1].pop("handout")))
    with pytest.raises(ContentError, match=r"entry 'while-staying.trusted-people'.*field 'handout': Field required"):
        load_content(copy, ("us-national",))
