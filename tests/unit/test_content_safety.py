"""Safety review of the content (issue 13): the printed handout gives no plan away, every line that can reach it has
wording written for it and is checked when the app starts, and the guidance, scripts and crisis panel say what a
missing warning would otherwise leave out."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from models.base.settings import REPO_ROOT
from models.content.crisis import (
    SENDS_HELP,
    SUPPORT_ONLY,
    TEXT_EMERGENCY_CAUTION,
    crisis_prompts,
    text_caution,
    ways_to_reach,
)
from models.content.loader import (
    ALWAYS_RECOGNISABLE,
    ContentError,
    load_content,
    revealing_words,
    single_revealing_words,
)
from models.rules.permissions import Actor
from models.services.handout import _PLAIN_BY_NEED, plain_label, render_html
from models.services.scripts import render_script

CONTENT = REPO_ROOT / "content"
GUIDANCE = Path("guidance") / "leaving.yaml"
ADA = Actor(1, "ada", "Ada", "advocate")

# What someone who finds the printed page must not read, chosen independently of the loader's own list so the
# test checks the page, not the regular expression. Three kinds of giveaway:
# - what the page is about (abuse, violence, danger, harm, safety and the words around them);
# - who it points to (hotlines, shelters, police, advocates, courts, protective orders);
# - what a plan to get away is made of: the act (leave, escape, flee, get away, go back), a packed bag, papers and
#   documents, keys, location and tracking, hiding and secrets, evidence, and the word "plan" itself. Each of
#   these was on the handout before this review ("pack a small bag", "take the bag, papers, medicines, keys",
#   "turn off location sharing", "check ... for tracking").
# Not on the list: everyday words a household leaflet uses (money, cards, phone, friend, children, 911 and
# "help", which every home knows), because a page without them could not say anything useful.
GIVEAWAYS = (
    "abuse", "abusive", "abuser", "violence", "violent", "domestic", "danger", "dangerous", "harm", "hurt",
    "safe", "safety", "unsafe", "victim", "survivor", "trauma", "assault", "rape", "trafficking", "stalking",
    "threat", "weapon", "injury", "bruise", "suicide", "crisis",
    "hotline", "helpline", "shelter", "refuge", "police", "advocate", "court", "protective order",
    "restraining order",
    "leave", "leaving", "escape", "flee", "get away", "get out", "run away", "move out", "go back", "pulled back",
    "bag", "bags", "pack", "packed", "packing", "papers", "documents", "document", "passport", "key", "keys",
    "spare key", "key copy", "location", "location sharing", "tracking", "tracker", "track", "gps", "spyware",
    "monitor", "plan", "plans", "planning", "hide", "hidden", "secret", "evidence", "incident",
    # The plan by meaning, with no flagged word: staying elsewhere, spare keys and clothes kept ready, timing
    # around someone's absence, and keeping things where only the client can reach them (found by a new-user walk
    # on lines that passed every word above).
    "put you up", "short notice", "friend's place", "change of clothes", "spare charger", "spare key",
    "second set", "front door and the car", "least likely", "interrupted", "at a set time", "only you can open",
    "only you use", "keep to yourself", "code word", "come and get me", "door to the outside", "somewhere else",
    "stay with", "while they are out", "when they are out",
)
# What the stages were called on the page when it had a heading per stage: in order, a timeline of the plan.
STAGE_HEADINGS = ("Day to day", "Things to sort out", "Worth knowing", "Later on")


def _giveaways(text: str) -> list[str]:
    return [g for g in GIVEAWAYS if re.search(rf"\b{re.escape(g)}\b", text, re.IGNORECASE)]


class _Text(HTMLParser):
    """Every piece of text a reader of the page sees (not the style sheet)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.at.append(tag)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.at and self.at[-1] == tag:
            self.at.pop()

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not (self.at and self.at[-1] == "style"):
            self.text.append(data)


def _seen(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.text)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _edit(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = root / GUIDANCE
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


# --------------------------------------------------------------------------- item 4: the printed handout


def test_a_handout_built_from_every_step_and_every_number_contains_no_giveaway(content):
    every_step = content.guidance.all_codes()
    page = render_html(content, every_step, list(content.resources))
    seen = _seen(page)
    for step in (content.guidance.step(c) for c in every_step):  # printable steps in their handout wording only
        assert (step.handout in seen) == step.printable, step.code
    assert _giveaways(seen) == [], _giveaways(seen)
    assert revealing_words(seen) == []
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page)
    assert headings == ["Things to remember", "Useful numbers", "My notes"]  # no stage headings, no sequence
    assert not [h for h in STAGE_HEADINGS if h in seen]
    assert page.count("<ul>") == 1  # one plain list


def test_what_is_never_printed_is_the_plan_itself(content):
    g = content.guidance
    for stage in ("preparing", "leaving-day"):
        assert not [s.code for s in g.stage(stage).steps if s.printable], stage
    for step in (s for st in g.stages for s in st.steps):
        if {"take", "technology", "routine"} & set(step.topics):
            assert not step.printable, step.code
    printed = [s.code for st in g.stages for s in st.steps if s.printable]
    assert "while-staying.code-word" not in printed  # a code word written down is no longer a secret
    assert printed  # the page still has something to say


@pytest.mark.parametrize("line", [
    "A change of clothes and a spare charger at a friend's place.",
    "Some cash, your bank cards, and a second set for the front door and the car.",
    "Two people who could put you up at short notice.",
    "Choose a time when you are least likely to be interrupted.",
    "Ring Sam while they are out.",
    "Keep a diary somewhere only you can open.",
])
def test_lines_that_give_the_plan_away_by_meaning_are_caught(line):
    assert revealing_words(line), line


def test_each_step_line_on_its_own_is_discreet(content):
    for stage in content.guidance.stages:
        for step in stage.steps:
            assert single_revealing_words(step.handout) == [], step.code  # printed or only memorised
            if step.printable:
                assert _giveaways(step.handout) == [], (step.code, _giveaways(step.handout))


def test_the_handout_uses_only_the_handout_wording_never_the_advocates(content):
    every_step = content.guidance.all_codes()
    seen = _seen(render_html(content, every_step, []))
    for code in every_step:
        step = content.guidance.step(code)
        assert step.label not in seen, code
        if step.detail:
            assert step.detail not in seen, code


def test_the_step_lines_the_review_named_are_gone_from_the_handout(content):
    seen = _seen(render_html(content, content.guidance.all_codes(), [])).lower()
    for line in ("pack a small bag", "take the bag, papers", "check your phone, car or belongings for tracking",
                 "turn off location sharing"):
        assert line not in seen, line


def test_the_location_line_on_the_handout_carries_its_caution_in_plain_words(content):
    line = content.guidance.step("leaving-day.location-off").handout.lower()
    assert "talk it through" in line and "notice to others" in line
    assert "change" in content.guidance.step("while-staying.devices-checked").handout.lower()


def test_plain_names_for_numbers_are_discreet_too(content):
    for _, name in _PLAIN_BY_NEED:
        assert _giveaways(name) == [] and revealing_words(name) == [], name
    for r in content.resources:
        assert _giveaways(plain_label(r)) == [], r.code


def test_a_number_that_spells_a_word_is_printed_as_digits(content):
    page = render_html(content, [], [content.resource("ndvh")])
    assert "1-800-799-7233" in page and "SAFE" not in page


def test_pack_text_that_would_give_the_page_away_is_left_off_the_page(content):
    r = content.resource("pandoras-project").model_copy(update={"web": "https://example.org/abuse-survivors",
                                                                  "hours": "Shelter intake 9 to 5"})
    ndvh = content.resource("ndvh").model_copy(update={"hours": "Ask for the shelter desk"})
    seen = _seen(render_html(content, [], [r, ndvh]))
    assert "abuse" not in seen.lower() and "shelter" not in seen.lower()
    assert "1-800-799-7233" in seen  # the number itself still goes on


def test_a_step_line_that_gives_the_plan_away_is_refused_naming_the_file_and_step(copy):
    def reveal(d):  # type: ignore[no-untyped-def]
        d["stages"][1]["steps"][0]["handout"] = "Pack a small bag and keep it by the door."
    _edit(copy, reveal)
    with pytest.raises(ContentError) as err:
        load_content(copy, ("us-national",))
    msg = str(err.value)
    assert "content/guidance/leaving.yaml" in msg and "entry 'preparing.bag-ready'" in msg
    assert "field 'handout'" in msg and "would tell someone who finds the handout" in msg and "'Pack'" in msg


@pytest.mark.parametrize("line", [
    "A change of clothes and a spare charger at a friend's place.",
    "Two people who could put you up at short notice.",
    "Choose a time when you are least likely to be interrupted.",
])
def test_a_printable_line_that_gives_the_plan_away_by_meaning_is_refused(copy, line):
    _edit(copy, lambda d: d["stages"][0]["steps"][1].update(handout=line))  # while-staying.trusted-people
    with pytest.raises(ContentError, match=r"entry 'while-staying.trusted-people'.*printable: true, but .*"
                                           r"would tell someone who finds the handout what the client plans"):
        load_content(copy, ("us-national",))


@pytest.mark.parametrize("stage, step, why", [
    (1, 0, "the stage 'preparing'"),
    (2, 0, "the stage 'leaving-day'"),
    (0, 7, "the topic 'technology'"),
    (3, 5, "the topic 'routine'"),
])
def test_a_step_no_wording_can_disguise_cannot_be_marked_printable(copy, stage, step, why):
    _edit(copy, lambda d: d["stages"][stage]["steps"][step].update(printable=True))
    with pytest.raises(ContentError, match=rf"{why}.*set printable: false"):
        load_content(copy, ("us-national",))


def test_every_step_must_say_whether_it_is_safe_on_paper(copy):
    _edit(copy, lambda d: d["stages"][3]["steps"][0].pop("printable"))
    with pytest.raises(ContentError, match=r"entry 'after-leaving.new-number'.*field 'printable': Field required"):
        load_content(copy, ("us-national",))
    _edit(copy, lambda d: d["stages"][3]["steps"][0].update(printable="yes please"))
    with pytest.raises(ContentError, match=r"field 'printable'"):
        load_content(copy, ("us-national",))


@pytest.mark.parametrize("line", [
    "Take the bag, papers, medicines and keys.",
    "Turn off location sharing first.",
    "Keep your documents with a friend.",
    "Call the hotline when you can.",
    "Make a plan with someone you trust.",
    "Hide some money where only you can reach it.",
    "If you need to go back for things, ask someone to come.",
])
def test_each_kind_of_giveaway_is_refused(copy, line):
    _edit(copy, lambda d: d["stages"][0]["steps"][0].update(handout=line))
    with pytest.raises(ContentError, match=r"entry 'while-staying.code-word'.*field 'handout'.*would tell"):
        load_content(copy, ("us-national",))


def test_a_step_without_a_handout_line_is_refused_at_start_up(copy):
    _edit(copy, lambda d: d["stages"][2]["steps"][0].pop("handout"))
    with pytest.raises(ContentError, match=r"content/guidance/leaving.yaml: entry 'leaving-day.timing'.*"
                                           r"field 'handout': Field required"):
        load_content(copy, ("us-national",))


def test_ordinary_words_that_contain_a_giveaway_are_not_refused():
    for fine in ("a package from the post office", "a new keyboard", "the planets", "batteries and chargers",
                 "security questions", "a day out", "the outside door", "a phone battery"):
        assert revealing_words(fine) == [], fine


# --------------------------------------------------------------------------- items 1, 2, 3, 6, 8: the guidance


def test_the_guidance_says_plainly_that_leaving_and_after_are_the_most_dangerous_time(content):
    g = content.guidance
    day, after = g.stage("leaving-day").intro.lower(), g.stage("after-leaving").intro.lower()
    assert "leaving, and the weeks just after, is often when the risk of serious harm is highest" in day
    assert "reason to plan" in day and "never a reason the client should not go" in day  # not to frighten
    assert "the danger does not end on the day" in after and "keep planning" in after
    assert "911" in day


def test_the_guidance_covers_not_telling_the_person_causing_harm_in_advance(content):
    step = content.guidance.step("preparing.not-telling")
    assert "beforehand" in step.label and "person causing harm" in step.label
    assert "owes no warning" in step.detail and "children" in step.detail
    assert "in advance" in content.guidance.stage("leaving-day").intro
    assert "does not have to tell the person causing harm" in content.guidance.stage("preparing").intro


def test_the_guidance_says_devices_and_history_can_be_watched_and_what_to_use_instead(content):
    detail = content.guidance.step("while-staying.safer-device").detail.lower()
    for said in ("browsing and search history", "messages", "call lists", "accounts they share", "phone plan",
                 "wiping all history at once can itself raise suspicion", "a friend's phone",
                 "a computer at a library or at work"):
        assert said in detail, said
    assert "library or work computer" in content.guidance.step("preparing.separate-device").detail


def test_the_guidance_plans_contact_that_cannot_be_cut_off(content):
    step = content.guidance.step("after-leaving.shared-contact")
    assert "shared children" in step.label and "court-ordered contact" in step.label
    detail = step.detail.lower()
    for said in ("busy public place", "supervised exchange", "one written channel", "dated record"):
        assert said in detail, said
    assert "next step" in content.guidance.step("after-leaving.contact-plan").detail
    assert "contact" in step.topics


def test_economic_abuse_is_named_as_such_and_not_as_trafficking(content):
    detail = content.guidance.step("while-staying.money-aside").detail
    assert "economic abuse" in detail and "not trafficking unless" in detail


def test_new_steps_raise_the_guidance_version(content):
    assert content.guidance.version == 2
    codes = content.guidance.all_codes()
    for new in ("while-staying.safer-device", "preparing.not-telling", "after-leaving.shared-contact"):
        assert new in codes


# --------------------------------------------------------------------------- items 1, 2, 3, 6, 7: the scripts


def _said(content, code: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join(render_script(content, ADA, code).say.split())


def _notes(content, code: str) -> str:  # type: ignore[no-untyped-def]
    return " ".join((render_script(content, ADA, code).notes or "").split())


def test_the_script_for_a_client_thinking_of_leaving_says_the_danger_plainly_without_frightening(content):
    say = _said(content, "thinking-of-leaving")
    assert "not to frighten you" in say
    assert "the time around leaving, and the weeks just after, are often when things are most dangerous" in say
    assert "step by step" in say and "we can do that together" in say
    assert "You don't have to tell them you're going, or when" in say  # item 2
    assert "**911**" in say and "the number that can send help" in say
    notes = _notes(content, "thinking-of-leaving")
    assert "Say the warning once, calmly" in notes and "not a change of mind" in notes


@pytest.mark.parametrize("code", ["offering-a-referral", "not-ready-to-leave", "thinking-of-leaving",
                                  "someone-who-has-been-there"])
def test_every_script_that_offers_text_chat_or_a_website_says_history_can_be_seen_and_what_to_use(content, code):
    say = _said(content, code).lower()
    assert "history" in say or "phone bill" in say or "see who you've called" in say, code
    assert "friend's phone" in say and "library" in say and "at work" in say, code


def test_the_referral_script_warns_that_history_accounts_and_the_bill_can_be_seen_and_wiping_stands_out(content):
    say = _said(content, "offering-a-referral")
    for said in ("get into your phone or computer", "shares an account", "sees the phone bill",
                 "websites you've visited", "Deleting everything all at once can stand out"):
        assert said in say, said
    assert "a shared phone plan's bill shows numbers" in _notes(content, "offering-a-referral")


def test_the_trafficking_line_is_for_force_fraud_or_coercion_and_economic_abuse_has_its_own_advice(content):
    notes = _notes(content, "offering-a-referral")
    assert "when work, money or debt is being used to control them" not in notes
    assert "made to work, or to trade sex, through force, fraud or coercion" in notes
    economic = notes[notes.index("economic abuse") - 250:]
    assert "part of most domestic violence, and not in itself trafficking" in economic
    assert "National Domestic Violence Hotline can help" in economic
    assert "only if they are also being forced or tricked into work or sex" in economic


def test_the_crisis_script_says_the_hotline_cannot_send_help(content):
    say = _said(content, "crisis")
    assert "They can't send anyone to where you are" in say and "it's always **911** first" in say


def test_the_crisis_script_leaves_device_advice_until_the_client_is_safe(content):
    notes = _notes(content, "crisis")
    assert "Once they are safe, and not during the crisis" in notes and "call lists" in notes


# --------------------------------------------------------------------------- item 7: the crisis panel


def test_the_danger_panel_says_911_is_for_help_now_and_the_hotline_is_for_support_and_planning(content):
    (danger,) = crisis_prompts(content, {"danger"})
    assert "911 is the number for help now" in danger.say
    assert "National Domestic Violence Hotline cannot send police or an ambulance" in danger.say
    assert "support and planning" in danger.say
    first, *others = danger.lines
    assert first.resource.code == "emergency-911" and first.role == SENDS_HELP
    hotline = next(line for line in others if line.resource.code == "ndvh")
    assert hotline.role == SUPPORT_ONLY and "cannot send emergency help" in hotline.role


def test_911_is_listed_once_when_several_kinds_are_ticked(content):
    prompts = crisis_prompts(content, {"suicide", "self-harm", "danger"})
    assert [p.kind for p in prompts] == ["suicide", "self-harm", "danger"]
    listed = [r.code for p in prompts for r in p.resources]
    assert listed.count("emergency-911") == 1 and len(listed) == len(set(listed))
    assert {"lifeline-988", "emergency-911", "ndvh"} <= set(listed)
    assert prompts[0].resources[0].code == "lifeline-988"  # for thoughts of suicide, 988 stays first
    both = crisis_prompts(content, {"suicide", "danger"})
    assert [r.code for p in both for r in p.resources].count("emergency-911") == 1
    assert all("911" in p.say for p in both)  # every prompt still says when to call it


def test_a_line_that_is_not_an_emergency_service_never_reads_as_one(content):
    for kind in ("suicide", "self-harm", "danger"):
        for p in crisis_prompts(content, {kind}):
            for line in p.lines:
                assert (line.role == SENDS_HELP) == ("emergency" in line.resource.needs), line.resource.code


def test_text_to_911_always_carries_its_caution_even_when_only_suicide_is_ticked(content):
    (suicide,) = crisis_prompts(content, {"suicide"})
    emergency = next(line.resource for line in suicide.lines if "emergency" in line.resource.needs)
    ways = ways_to_reach(emergency)
    texted = [w for w in ways if w.startswith("text")]
    assert texted == [f"text **911** ({TEXT_EMERGENCY_CAUTION})"]
    assert "only where local emergency services accept texts" in TEXT_EMERGENCY_CAUTION
    for kind in ("suicide", "self-harm", "danger"):  # wherever a prompt's own words mention texting 911
        for p in crisis_prompts(content, {kind}):
            if "text 911" in p.say.lower():
                assert "only where" in p.say, kind
    assert text_caution(content.resource("lifeline-988")) is None  # other text lines need no such caution
    assert all(TEXT_EMERGENCY_CAUTION not in w for w in ways_to_reach(content.resource("lifeline-988")))


# --------------------------------------------------------------------------- numbers a stranger would recognise


def _edit_pack(root: Path, code: str, change) -> None:  # type: ignore[no-untyped-def]
    path = root / "resources" / "us-national.yaml"
    data = yaml.safe_load(path.read_text())
    change(next(r for r in data["resources"] if r["code"] == code))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_the_well_known_numbers_are_marked_recognisable(content):
    marked = {r.code for r in content.resources if r.recognisable}
    assert {"lifeline-988", "ndvh", "crisis-text-line", "veterans-crisis-line"} <= marked
    assert "emergency-911" not in marked and "love-is-respect" not in marked
    for r in content.resources:
        if r.numbers() & ALWAYS_RECOGNISABLE:
            assert r.recognisable, r.code


def test_a_pack_that_lists_a_recognisable_number_without_marking_it_is_refused(copy):
    _edit_pack(copy, "veterans-crisis-line", lambda r: r.pop("recognisable"))  # dial 988, like the Lifeline
    with pytest.raises(ContentError) as err:
        load_content(copy, ("us-national",))
    msg = str(err.value)
    assert "content/resources/us-national.yaml: entry 'veterans-crisis-line'" in msg
    assert "field 'recognisable'" in msg and "the number 988" in msg and "recognisable: true" in msg


def test_recognisable_is_true_or_false(copy):
    _edit_pack(copy, "ndvh", lambda r: r.update(recognisable="very"))
    with pytest.raises(ContentError, match=r"entry 'ndvh'.*field 'recognisable'"):
        load_content(copy, ("us-national",))
