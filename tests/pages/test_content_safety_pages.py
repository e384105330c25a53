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
    assert shown.count("- Emergency services (911):") == 1  # listed under suicide, not again under danger
    assert "National Domestic Violence Hotline: call" in shown and "cannot send emergency help" in shown
    assert "988 Suicide & Crisis Lifeline: call" in shown


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


def test_the_version_to_memorise_is_shown_on_screen_and_never_offered_as_a_file(app, db, people, content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("memorise").run()
    assert not at.exception
    shown = texts(at)
    assert "Numbers to learn" in shown and "Support line: call 1-800-799-7233" in shown
    assert content.guidance.step("while-staying.code-word").handout in shown
    assert content.guidance.step("preparing.bag-ready").handout in shown
    assert _downloads(at) == []


def test_the_reminder_card_refuses_a_revealing_name_and_offers_the_card_for_an_everyday_one(app, db, people,
                                                                                              content):
    at, code = _open_plan(app, db, content, people)
    at.radio(key=f"sp_paper_{code}").set_value("card").run()
    assert at.selectbox(key=f"sp_card_number_{code}").value == "ndvh"
    assert "emergency-911" not in at.selectbox(key=f"sp_card_number_{code}").options
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is True  # no name yet
    at.text_input(key=f"sp_card_name_{code}").input("Safe house").run()
    assert "would tell someone who finds the card" in at.error[0].value
    assert at.button(key=f"sp_card_download_{code}_prepare").disabled is True
    at.text_input(key=f"sp_card_name_{code}").input("Dentist").run()
    assert not at.error and at.button(key=f"sp_card_download_{code}_prepare").disabled is False
    at.button(key=f"sp_card_download_{code}_prepare").click().run()  # prepared in a script run, then saved once
    assert not at.exception and _downloads(at) == [f"sp_card_download_{code}_get"]


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
    grid = at.dataframe[0].value
    label = content.checklist.item("signs.no-way-out").label
    assert list(grid.loc[label]) == ["–", "●"]  # not asked at the version 1 check-in; observed at version 2
    assert list(grid.loc[content.checklist.item("signs.self-blame").label]) == ["●", ""]
    assert any("– means the item was not yet on the checklist" in c.value for c in at.caption)
    assert "**Checklist:** version 1 (items added later were not asked)" in texts(at)
    # Correcting the version 1 check-in offers its own checklist only.
    at.button(key=f"tl_correct_{old}").click().run()
    keys = {c.key for c in at.checkbox}
    assert "tl_item_signs.self-blame" in keys and "tl_item_signs.no-way-out" not in keys
    assert any("recorded on checklist version 1" in c.value for c in at.caption)


def test_the_trends_page_says_which_items_count_only_newer_check_ins(app, db, people, content):
    _two_versions(db, content, people)
    at = sign_in(app(), "sam")
    at.switch_page("views/trends.py").run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Added in checklist version 2:" in captions and content.checklist.item("signs.no-way-out").label in captions
    assert "are not counted as “not observed”" in captions
