"""The safety review (issue 13) as Streamlit shows it: the crisis panel's wording, the paper question before a
handout, and check-ins from two checklist versions side by side on a client's page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services.checkins import CheckInForm, record_check_in
from models.services.clients import open_client
from models.services.safety_plans import update_safety_plan
from tests.pages.conftest import sign_in, texts
from tests.unit.test_checklist_versions import version_1

pytestmark = pytest.mark.pages


@pytest.fixture(scope="module")
def content():
    s = Settings.from_env()
    return load_content(s.content_dir, s.resource_packs)


def _ada(people) -> Actor:  # type: ignore[no-untyped-def]
    return Actor(people["advocate"], "ada", "Ada Advocate", "advocate")


def _client(db, content, people) -> str:  # type: ignore[no-untyped-def]
    return open_client(db, _ada(people), content, relationship_context="contexts.intimate-partner", factors=[],
                       opened_on=(utcnow() - timedelta(days=90)).date()).code


def test_the_crisis_panel_says_911_is_for_help_now_and_lists_it_once(app, db, people, content):
    code = _client(db, content, people)
    suicide = next(i.code for s in content.checklist.checkin_sections() for i in s.items if i.immediate == "suicide")
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    at.checkbox(key=f"ci_item_{suicide}").check()
    at.radio(key="ci_concern").set_value("immediate").run()
    assert not at.exception
    shown = texts(at)
    assert "911 is the number for help now" in shown
    assert "cannot send police or an ambulance" in shown
    # Listed once, at the top of the panel as the line for help now, not again under suicide or danger (issue 17).
    assert shown.count("Emergency services (911)") == 1 and "**For help now: Emergency services (911)**" in shown
    assert "National Domestic Violence Hotline: call" in shown and "cannot send emergency help" in shown
    assert "988 Suicide & Crisis Lifeline: call" in shown


def test_with_only_suicide_ticked_the_panel_cautions_that_texting_911_may_not_work(app, db, people, content):
    code = _client(db, content, people)
    suicide = next(i.code for s in content.checklist.checkin_sections() for i in s.items if i.immediate == "suicide")
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    at.checkbox(key=f"ci_item_{suicide}").check().run()
    assert not at.exception
    shown = texts(at)
    assert "text **911**" in shown
    assert "text **911** (only where local emergency services accept texts; otherwise call)" in shown


def _open_plan(app, db, content, people):  # type: ignore[no-untyped-def]
    code = _client(db, content, people)
    update_safety_plan(db, _ada(people), content, code, {"while-staying.code-word": True,
                                                           "preparing.bag-ready": True})
    at = sign_in(app(), "ada")
    at.query_params["code"] = code
    at.switch_page("views/client.py").run()
    at.toggle(key=f"sp_open_{code}").set_value(True).run()
    assert not at.exception
    return at, code


def _downloads(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The files the page offers: each is prepared in a script run first (issue 15), then saved once."""
    return [b.key for b in at.button if b.key and b.key.endswith("_prepare")] + [
        b.key for b in at.get("link_button")]


def test_nothing_can_be_printed_until_the_paper_question_is_answered(app, db, people, content):
    at, code = _open_plan(app, db, content, people)
    assert at.radio(key=f"sp_paper_{code}").label == "Is it safe for the client to take paper home?"
    assert at.radio(key=f"sp_paper_{code}").value is None
    assert _downloads(at) == []
    at.radio(key=f"sp_paper_{code}").set_value("print").run()
    assert _downloads(at) == [f"sp_download_{code}_prepare"]


def test_the_version_to_memorise_shows_only_what_the_client_chose_and_is_never_offered_as_a_file(app, db, people,
                                                                                                 content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("memorise").run()
    assert not at.exception
    shown = texts(at)
    assert "Nothing is chosen to remember yet" in shown  # 911, pre-selected, needs no learning
    assert content.guidance.step("preparing.bag-ready").handout not in shown
    at.multiselect(key=f"sp_memorise_steps_{code}").select("preparing.bag-ready")
    at.multiselect(key=f"sp_numbers_{code}").select("ndvh").run()
    assert not at.exception
    shown = texts(at)
    assert "Numbers to learn" in shown and "National Domestic Violence Hotline: call 1-800-799-7233" in shown
    assert content.guidance.step("preparing.bag-ready").handout in shown
    assert content.guidance.step("while-staying.code-word").handout not in shown  # in place, not chosen
    assert at.multiselect(key=f"sp_memorise_steps_{code}").options == [  # only steps in place are offered
        content.guidance.step("while-staying.code-word").label, content.guidance.step("preparing.bag-ready").label]
    assert _downloads(at) == []


def test_the_print_view_says_which_steps_stay_off_paper_and_caps_and_warns_about_numbers(app, db, people, content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("print").run()
    assert not at.exception
    assert at.multiselect(key=f"sp_numbers_{code}").value == ["emergency-911"]  # the Hotline is not pre-chosen
    info = " ".join(i.value for i in at.info)
    assert "2 steps in place are not printed because no wording of them is safe on paper" in info
    assert "Go through them together" in info
    assert "- " + content.guidance.step("preparing.bag-ready").label in texts(at)
    at.multiselect(key=f"sp_numbers_{code}").select("ndvh").run()
    warning = " ".join(w.value for w in at.warning)
    assert "Left off the handout unless you confirm below: National Domestic Violence Hotline" in warning
    assert "recognise" in warning and "posters" in warning
    assert any("The handout will list 0 steps and 1 number." in c.value for c in at.caption)
    at.checkbox(key=f"sp_known_{code}").check().run()
    assert any("The handout will list 0 steps and 2 numbers." in c.value for c in at.caption)
    for extra in ("love-is-respect", "childhelp"):
        at.multiselect(key=f"sp_numbers_{code}").select(extra)
    at.run()
    assert "Choose at most 3 numbers for the handout (4 are chosen)" in " ".join(e.value for e in at.error)
    assert at.button(key=f"sp_download_{code}_prepare").disabled is True
    assert at.multiselect(key=f"sp_numbers_{code}").value[-1] == "childhelp"  # the choice is kept to change


def test_the_reminder_card_refuses_a_revealing_name_and_offers_the_card_for_an_everyday_one(app, db, people,
                                                                                              content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("card").run()
    number = at.selectbox(key=f"sp_card_number_{code}")
    assert number.value is None  # no number is chosen for the advocate
    assert "emergency-911" not in number.options and "lifeline-988" not in number.options
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is True  # no number, no name yet
    at.selectbox(key=f"sp_card_number_{code}").select("love-is-respect").run()
    at.text_input(key=f"sp_card_name_{code}").input("Safe house").run()
    assert "would tell someone who finds the card" in at.error[0].value
    assert at.text_input(key=f"sp_card_name_{code}").value == "Safe house"  # the typing is kept to correct
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is True
    at.text_input(key=f"sp_card_name_{code}").input("Support").run()
    assert "sound like a service" in at.error[0].value
    at.text_input(key=f"sp_card_name_{code}").input("Pharmacy").run()
    assert not at.error and at.button(key=f"sp_card_download_{code}_prepare").disabled is False
    at.button(key=f"sp_card_download_{code}_prepare").click().run()  # prepared in a script run, then saved once
    assert not at.exception and _downloads(at) == [f"sp_card_download_{code}_get"]


def test_a_recognisable_number_goes_on_the_card_only_after_the_warning(app, db, people, content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("card").run()
    at.selectbox(key=f"sp_card_number_{code}").select("ndvh")
    at.text_input(key=f"sp_card_name_{code}").input("Pharmacy").run()
    assert "Left off the card unless you confirm below" in " ".join(w.value for w in at.warning)
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is True
    at.checkbox(key=f"sp_card_known_{code}").check().run()
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is False


# --------------------------------------------------------------------------- checklist versions 1 and 2


def _two_versions(db, content, people) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    code = _client(db, content, people)
    old = record_check_in(db, _ada(people), version_1(content), CheckInForm(
        client=code, occurred_at=utcnow() - timedelta(days=20), contact_mode="phone", harm_contact="some",
        concern="moderate", items=["signs.self-blame"]), submission_key="pages-v1-check-in")
    new = record_check_in(db, _ada(people), content, CheckInForm(
        client=code, occurred_at=utcnow() - timedelta(days=2), contact_mode="phone", harm_contact="some",
        concern="moderate", items=["signs.no-way-out"]), submission_key="pages-v2-check-in")
    return code, old.id, new.id


def test_the_timeline_shows_version_1_and_2_check_ins_side_by_side(app, db, people, content):
    code, old, _ = _two_versions(db, content, people)
    at = sign_in(app(), "ada")
    at.query_params["code"] = code
    at.switch_page("views/client.py").run()
    assert not at.exception
    grid = at.table[0].value.set_index("Sign or reaction")  # newest check-in first
    label = content.checklist.item("signs.no-way-out").label
    assert list(grid.loc[label]) == ["●", "–"]  # observed at the version 2 check-in; not asked at version 1
    assert list(grid.loc[content.checklist.item("signs.self-blame").label]) == ["", "●"]
    assert any("– means the item was not yet on the checklist" in c.value for c in at.caption)
    assert "**Checklist:** recorded on an earlier checklist: items added later were not asked" in texts(at)
    # Correcting the version 1 check-in offers its own checklist only.
    at.button(key=f"tl_correct_{old}").click().run()
    keys = {c.key for c in at.checkbox}
    assert "tl_item_signs.self-blame" in keys and "tl_item_signs.no-way-out" not in keys
    assert any("recorded on an earlier checklist" in c.value for c in at.caption)


def test_the_trends_page_says_which_items_count_only_newer_check_ins(app, db, people, content):
    _two_versions(db, content, people)
    at = sign_in(app(), "sam")
    at.switch_page("views/trends.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert content.checklist.item("signs.no-way-out").label in captions and "version" not in captions
    assert "are not counted as “not observed”" in captions
    day = (utcnow() - timedelta(days=2)).date()  # the first check-in recorded on version 2
    since = f"added to the checklist later, counted from {day.day} {day:%b %Y}"
    assert captions.count(f": {since}.") == 1  # said once for the items added together, not once per item
    table = next(d.value for d in at.dataframe if "Counted" in d.value.columns)
    assert since in set(table["Counted"])


def test_the_caseload_arrow_does_not_read_a_longer_checklist_as_a_rise(app, db, people, content):
    code = _client(db, content, people)
    record_check_in(db, _ada(people), version_1(content), CheckInForm(
        client=code, occurred_at=utcnow() - timedelta(days=20), contact_mode="phone", harm_contact="some",
        concern="moderate", items=["signs.self-blame"]), submission_key="pages-arrow-v1")
    record_check_in(db, _ada(people), content, CheckInForm(
        client=code, occurred_at=utcnow() - timedelta(days=2), contact_mode="phone", harm_contact="some",
        concern="moderate", items=["signs.self-blame", "signs.no-way-out", "signs.depends-on-person"]),
        submission_key="pages-arrow-v2")
    at = sign_in(app(), "ada")
    at.switch_page("views/caseload.py").run()
    assert not at.exception
    grid = at.dataframe[0].value.set_index("Client")
    assert grid.loc[code, "Signs observed"] == "3 → same"  # 1 then 1 on the items both versions ask, not ↑


def test_the_guidance_page_says_which_steps_are_printed_and_which_are_only_remembered(app, people, content):
    at = sign_in(app(), "ada")
    at.switch_page("views/guidance.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    printed = content.guidance.step("while-staying.trusted-people")
    never = content.guidance.step("preparing.bag-ready")
    assert f"On the printed handout: “{printed.handout}”" in captions
    assert f"Never printed, because no wording of it is safe on paper; to remember together: “{never.handout}”" \
        in captions


def test_the_911_card_in_resources_says_texting_works_only_where_accepted(app, people):
    at = sign_in(app(), "ada")
    at.switch_page("views/resources.py").run()
    assert not at.exception
    cautions = [c.value for c in at.caption if c.value.startswith("Texting:")]
    assert cautions == ["Texting: only where local emergency services accept texts; otherwise call."]
