"""The advocate's pages as Streamlit runs them: new client, check-in, caseload, timeline and corrections."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services.checkins import CheckInForm, record_check_in
from models.services.clients import open_client
from models.store.entities import CheckIn, Client
from tests.pages.conftest import sign_in, texts

pytestmark = pytest.mark.pages
CODE = re.compile(r"^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$")


@pytest.fixture(scope="module")
def content():
    s = Settings.from_env()
    return load_content(s.content_dir, s.resource_packs)


def _count(db, model) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def _ada(people) -> Actor:
    return Actor(people["advocate"], "ada", "Ada Advocate", "advocate")


def _client(db, content, people, days_ago: int = 30) -> str:
    ctx = content.checklist.section("contexts").items[0].code
    return open_client(db, _ada(people), content, relationship_context=ctx, factors=[],
                       opened_on=(utcnow() - timedelta(days=days_ago)).date()).code


def _fill_minimum(at, prefix: str = "ci") -> None:
    at.selectbox(key=f"{prefix}_mode").select("phone")
    at.radio(key=f"{prefix}_harm").set_value("some")
    at.radio(key=f"{prefix}_concern").set_value("moderate")


def test_new_client_shows_a_random_code_once(app, db, people, content):
    at = sign_in(app(), "ada")
    at.switch_page("views/new_client.py").run()
    context = content.checklist.section("contexts").items[0].code
    at.radio(key="nc_context").set_value(context).run()
    at.button(key="nc_submit").click().run()
    assert not at.exception
    code = at.code[0].value
    assert CODE.match(code)
    with db.reading() as s:
        client = s.scalars(select(Client)).one()
    assert client.code == code and client.advocate_id == people["advocate"]
    at.run()  # shown once: gone on the next run
    assert not at.code


def test_new_client_without_context_is_refused_next_to_the_field(app, db, people):
    at = sign_in(app(), "ada")
    at.switch_page("views/new_client.py").run()
    at.button(key="nc_submit").click().run()
    assert "relationship" in at.error[0].value.lower()
    assert _count(db, Client) == 0


def test_check_in_saves_once_and_clears_the_form(app, db, people, content):
    code = _client(db, content, people)
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    _fill_minimum(at)
    first_sign = content.checklist.section("signs").items[0].code
    at.checkbox(key=f"ci_item_{first_sign}").check()
    at.text_area(key="ci_note").input("Talked through the plan for the weekend.")
    at.button(key="ci_save").click().run()
    assert not at.exception
    assert f"Check-in for {code} saved." in at.success[0].value
    assert _count(db, CheckIn) == 1
    assert at.text_area(key="ci_note").value == ""
    assert at.checkbox(key=f"ci_item_{first_sign}").value is False


def test_missing_answers_are_shown_by_their_fields_and_typing_is_kept(app, db, people, content):
    code = _client(db, content, people)
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    at.text_area(key="ci_note").input("Said the week was calmer.")
    at.button(key="ci_save").click().run()
    errors = " ".join(e.value for e in at.error).lower()
    assert "concern" in errors and "contact" in errors
    assert at.text_area(key="ci_note").value == "Said the week was calmer."
    assert _count(db, CheckIn) == 0


def test_a_phone_number_in_the_note_stops_the_save_and_keeps_the_text(app, db, people, content):
    code = _client(db, content, people)
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    _fill_minimum(at)
    note = "She asked me to call her sister on (555) 201-3344 tomorrow."
    at.text_area(key="ci_note").input(note)
    at.button(key="ci_save").click().run()
    assert _count(db, CheckIn) == 0
    assert at.text_area(key="ci_note").value == note
    assert "<mark" in "".join(h.proto.body for h in at.get("html"))
    assert at.radio(key="ci_concern").value == "moderate"  # the rest of the form is kept too
    at.text_area(key="ci_note").input("She asked me to call her sister tomorrow.")
    at.button(key="ci_save").click().run()
    assert _count(db, CheckIn) == 1


def test_an_item_needing_an_immediate_response_shows_crisis_help_before_saving(app, db, people, content):
    code = _client(db, content, people)
    suicide = next(i.code for s in content.checklist.checkin_sections() for i in s.items if i.immediate == "suicide")
    at = sign_in(app(), "ada")
    at.switch_page("views/check_in.py").run()
    at.selectbox(key="ci_client").select(code)
    at.checkbox(key=f"ci_item_{suicide}").check().run()
    shown = texts(at)
    assert "988" in shown
    assert _count(db, CheckIn) == 0
    at.checkbox(key=f"ci_item_{suicide}").uncheck().run()
    at.radio(key="ci_concern").set_value("immediate").run()
    assert "911" in texts(at)


def test_caseload_lists_the_overdue_client_first(app, db, people, content):
    ada = _ada(people)
    fresh, late = _client(db, content, people, 2), _client(db, content, people, 40)
    for code, days_ago in ((fresh, 1), (late, 30)):
        when = utcnow() - timedelta(days=days_ago)
        record_check_in(db, ada, content, CheckInForm(client=code, occurred_at=when, contact_mode="phone",
                                                      harm_contact="none", concern="low"),
                        submission_key=f"key-{code}")
    at = sign_in(app(), "ada")
    at.switch_page("views/caseload.py").run()
    table = at.dataframe[0].value
    assert list(table["Client"])[0] == late
    assert table.iloc[0]["Status"].startswith("⚠ Overdue")


def test_timeline_shows_chart_grid_and_lets_the_advocate_correct(app, db, people, content):
    ada = _ada(people)
    code = _client(db, content, people)
    sign = content.checklist.section("signs").items[0].code
    saved = record_check_in(db, ada, content, CheckInForm(
        client=code, occurred_at=utcnow() - timedelta(days=3), contact_mode="phone", harm_contact="none",
        concern="low", items=[sign]), submission_key="k-timeline-1")
    at = sign_in(app(), "ada")
    at.switch_page("views/client.py").run()
    at.selectbox(key="tl_code").select(code).run()
    assert not at.exception
    assert at.header[0].value == code
    assert any("observed" in c.value.lower() for c in at.caption)
    at.button(key=f"tl_correct_{saved.id}").click().run()
    at.radio(key="tl_concern").set_value("high")
    at.button(key="tl_save").click().run()
    assert not at.exception
    with db.reading() as s:
        row = s.get(CheckIn, saved.id)
    assert row.concern == "high" and row.version == 2
    assert "Correction saved" in at.success[0].value
