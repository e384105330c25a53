"""Resources, scripts, guidance and the safety plan as Streamlit runs them; an agency's own pack after a restart,
and a broken one refused with the file, the entry and the problem."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import select

from models.base.settings import REPO_ROOT, Settings
from models.content.loader import load_content
from models.store.entities import AuditEvent, CheckIn, CheckInReferral, SafetyPlanStep
from tests.pages.helpers import advocate_client, open_page, texts

pytestmark = pytest.mark.pages


@pytest.fixture(scope="module")
def content():
    return load_content(Settings().content_dir, ("us-national",))


def _client(db, content, people) -> str:
    """A client of ada's with one check-in an hour ago: the contact a referral or a plan belongs to."""
    return advocate_client(db, content, people, harm_contact="some", concern="high")


def _card_titles(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.value.removeprefix("### ") for m in at.markdown if m.value.startswith("### ")]


def test_every_role_finds_resources_and_two_letters_bring_the_trafficking_line_first(app, people):
    for username in ("ada", "sam", "alex"):
        at = open_page(app, username, "resources")
        assert not at.exception
        assert len(_card_titles(at)) == 17
    at.text_input(key="res_query").input("tr").run()
    assert _card_titles(at)[0] == "National Human Trafficking Hotline"
    codes = [c.value for c in at.code]
    assert "1-888-373-7888" in codes and "Text HELP to 233733" in codes  # each number its own copyable box


def test_the_need_filter_and_a_search_with_no_result(app, people):
    at = open_page(app, "ada", "resources")
    needs = at.pills(key="res_needs")
    assert {"Domestic violence", "Dating abuse", "Sexual assault", "Human trafficking", "Suicidal crisis", "Children",
            "Older adults", "Native communities", "Peer support"} <= set(needs.options)
    assert {"LGBTQ+", "Legal help", "Housing", "Veterans", "Young people",
            "Deaf and hard of hearing"} <= set(needs.options)
    needs.set_value(["elders"]).run()
    assert _card_titles(at) == ["Eldercare Locator"]
    at.text_input(key="res_query").input("zzzz").run()
    assert "Nothing matches" in at.info[0].value


def test_a_card_shows_hours_languages_and_when_and_where_it_was_checked(app, people):
    at = open_page(app, "ada", "resources")
    at.text_input(key="res_query").input("hotline.org").run()
    shown = texts(at) + " ".join(c.value for c in at.caption)
    assert "Hours:** 24 hours a day, every day" in shown
    assert "Languages:** English and Spanish" in shown
    assert "Checked on 25 Nov 2026 against thehotline.org" in shown  # the organisation's page and the date
    assert "shared/reference" not in shown and "Waypoint reference" not in shown  # nothing about our repository
    assert "United States, national lines" in shown


def test_the_crisis_script_reads_the_pack_numbers_and_marks_a_referral_on_the_current_check_in(app, db, people,
                                                                                               content):
    code = _client(db, content, people)
    at = open_page(app, "ada", "scripts")
    at.pills(key="sc_script").set_value("crisis").run()
    assert not at.exception
    said = " ".join(m.value for m in at.markdown).replace("\u2011", "-")  # shown with non-breaking hyphens
    assert "**911**" in said and "**988**" in said and "1-800-799-7233" in said
    at.selectbox(key="sc_client").select(code).run()
    at.checkbox(key="sc_offer_lifeline-988").check()
    at.button(key="sc_mark").click().run()
    assert not at.exception
    assert "Recorded on" in at.success[0].value and "988 Suicide & Crisis Lifeline offered" in at.success[0].value
    with db.reading() as s:
        offered = s.scalars(select(CheckInReferral.resource_code)).all()
        version = s.scalar(select(CheckIn.version))
    assert offered == ["lifeline-988"] and version == 2
    assert at.checkbox(key="sc_done_lifeline-988").value is True


def test_marking_without_choosing_says_so_next_to_the_boxes(app, db, people, content):
    code = _client(db, content, people)
    at = open_page(app, "ada", "scripts")
    at.selectbox(key="sc_client").select(code).run()
    at.button(key="sc_mark").click().run()
    assert "at least one" in at.error[0].value
    with db.reading() as s:
        assert s.scalars(select(CheckInReferral)).all() == []


def test_a_client_without_check_ins_is_sent_to_record_one_first(app, db, people, content):
    code = advocate_client(db, content, people)  # no check-in yet
    at = open_page(app, "ada", "scripts")
    at.selectbox(key="sc_client").select(code).run()
    assert "no check-in yet" in at.info[0].value
    assert not [b for b in at.button if b.key == "sc_mark"]


def test_supervisors_read_scripts_but_have_nothing_to_record(app, people):
    at = open_page(app, "sam", "scripts")
    assert not at.exception and "What you can say" in texts(at)
    assert not [s for s in at.selectbox if s.key == "sc_client"]


def test_guidance_by_stage_with_a_topic_filter(app, people):
    at = open_page(app, "alex", "guidance")
    assert not at.exception
    assert [t.label.split(" (")[0] for t in at.tabs] == ["While still in the relationship", "Preparing to leave",
                                                        "The day of leaving", "After leaving"]
    at.pills(key="gd_topics").set_value(["technology"]).run()
    assert all("(0)" not in t.label for t in at.tabs)
    assert "Location sharing turned off" in texts(at)
    assert "A code word or signal agreed" not in texts(at)


def test_ticking_the_safety_plan_on_the_client_page_saves_with_dates(app, db, people, content):
    code = _client(db, content, people)
    at = open_page(app, "ada", "client", code=code)
    assert not at.exception
    assert not [c for c in at.checkbox if c.key.startswith(f"sp_{code}_")]  # closed until the advocate opens it
    at.toggle(key=f"sp_open_{code}").set_value(True).run()
    at.checkbox(key=f"sp_{code}_while-staying.code-word").check()
    at.checkbox(key=f"sp_{code}_preparing.documents").check()
    at.button(key=f"FormSubmitter:sp_form_{code}-Save safety plan").click().run()
    assert not at.exception
    assert "Safety plan saved: 2 steps now in place." in at.success[0].value
    with db.reading() as s:
        rows = s.scalars(select(SafetyPlanStep).order_by(SafetyPlanStep.step_code)).all()
    assert [(r.step_code, r.in_place) for r in rows] == [("preparing.documents", True),
                                                          ("while-staying.code-word", True)]
    assert "In place since" in " ".join(c.value for c in at.caption)
    assert "Safety plan · 2 of 38 steps in place" in texts(at)
    assert at.toggle(key=f"sp_open_{code}").value is True  # still open to show the result
    at.radio(key=f"sp_paper_{code}").set_value("print").run()  # the handout is offered once paper is safe
    # issue 15: the handout is prepared in a script run first (no on-click builder any connection could call)
    assert at.button(key=f"sp_download_{code}_prepare").disabled is False


def test_a_supervisor_sees_the_plan_without_tick_boxes(app, db, people, content):
    code = _client(db, content, people)
    at = open_page(app, "sam", "client", code=code)
    at.toggle(key=f"sp_open_{code}").set_value(True).run()
    assert not at.exception
    assert not [c for c in at.checkbox if c.key.startswith(f"sp_{code}_")]
    assert "○ A code word or signal agreed with someone trusted" in texts(at)


def _custom_content(tmp_path, pack_text: str) -> str:
    target = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", target)
    (target / "resources" / "our-county.yaml").write_text(pack_text)
    # Every language needs its copy of a pack (docs/languages.md); the same words stand in for a translation.
    (target / "es" / "resources" / "our-county.yaml").write_text(pack_text)
    return str(target)


def test_an_agencys_own_pack_shows_first_after_a_restart(app, people, tmp_path, monkeypatch):
    example = yaml.safe_load((REPO_ROOT / "content" / "resources" / "example-local.yaml").read_text())
    example["pack"] = "our-county"
    monkeypatch.setenv("WAYPOINT_CONTENT_DIR", _custom_content(tmp_path, yaml.safe_dump(example)))
    monkeypatch.setenv("WAYPOINT_RESOURCE_PACKS", "our-county,us-national")
    at = open_page(app, "ada", "resources")
    assert not at.exception
    titles = _card_titles(at)
    assert titles[0] == "Example County Safe Home (fictional)" and len(titles) == 20


def test_a_broken_pack_is_refused_naming_the_file_the_entry_and_the_problem(app, tmp_path, monkeypatch):
    example = (REPO_ROOT / "content" / "resources" / "example-local.yaml").read_text()
    broken = example.replace("pack: example-local", "pack: our-county").replace("1-541-555-0157", "555-015")
    monkeypatch.setenv("WAYPOINT_CONTENT_DIR", _custom_content(tmp_path, broken))
    monkeypatch.setenv("WAYPOINT_RESOURCE_PACKS", "our-county,us-national")
    at = app().run()
    assert "cannot start" in at.error[0].value
    message = at.code[0].value
    assert "content/resources/our-county.yaml" in message
    assert "entry 'example-legal-aid' (Example Legal Aid Clinic (fictional))" in message
    assert "'555-015' is not a valid phone number" in message or "'555-015' is not a phone number" in message
    assert not at.text_input


def test_viewing_the_plan_is_audited_as_a_view_of_the_client(app, db, people, content):
    code = _client(db, content, people)
    open_page(app, "ada", "client", code=code)  # opening the page is what is audited
    with db.reading() as s:
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "client_viewed",
                                                            AuditEvent.target == code)).all()
    assert "safety plan" in details and "timeline" in details
