"""The safety review (issue 13) as Streamlit shows it: the crisis panel's wording, the paper question before a
handout, and check-ins from two checklist versions side by side on a client's page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services.clients import open_client
from tests.pages.conftest import sign_in, texts

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
