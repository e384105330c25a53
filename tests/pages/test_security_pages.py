"""Issue 15 on the pages as Streamlit runs them (AppTest): typed text is plain text everywhere (item 7)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.services.accounts import bootstrap_user
from models.services.checkins import CheckInForm, record_check_in
from models.services.clients import open_client
from tests.pages.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.pages

EVIL_NAME = "Eve ![pixel](https://tracker.example/p.png) [call me](https://evil.example) :red[x] *bold*"
# Markdown that would act: an image or a link (unescaped "](" ), emphasis, a Streamlit colour directive.
ACTIVE = re.compile(r"(?<!\\)\]\((?!\s)|(?<!\\):red(?<!\\)\[|(?<!\\)\*bold(?<!\\)\*")


def _rendered(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every element whose text Streamlit renders as Markdown, main area and sidebar, labels included."""
    out = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "info", "warning", "error", "success"):
        out += [str(e.value) for e in at.get(kind)]
        out += [str(e.value) for e in at.sidebar.get(kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "page_link"):
        out += [str(getattr(e, "label", "") or "") for e in at.get(kind)]
    return out


@pytest.fixture
def evil(db, content):  # type: ignore[no-untyped-def]
    eve = bootstrap_user(db, username="eve", display_name=EVIL_NAME, role="advocate", password=PASSWORD)
    bootstrap_user(db, username="sam", display_name="Sam", role="supervisor", password=PASSWORD)
    actor = Actor(eve, "eve", EVIL_NAME, "advocate")
    context = content.checklist.section("contexts").items[0].code
    code = open_client(db, actor, content, relationship_context=context, factors=[],
                       opened_on=utcnow().date() - timedelta(days=20)).code
    record_check_in(db, actor, content, CheckInForm(
        client=code, occurred_at=utcnow().replace(microsecond=0) - timedelta(hours=1), contact_mode="phone",
        harm_contact="none", concern="moderate"), submission_key="evil-check-in-1")
    return code


def _check(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception
    shown = _rendered(at)
    assert any("Eve" in t for t in shown), shown  # the name is there ...
    bad = [t for t in shown if "Eve" in t and ACTIVE.search(t)]
    assert not bad, bad  # ... and none of it acts as Markdown


def test_a_display_name_is_plain_text_on_home_and_sidebar(app, evil):
    at = sign_in(app(), "eve")
    _check(at)
    assert any("Welcome" in t.value and "Eve" in t.value for t in at.title)


def test_a_display_name_is_plain_text_on_the_client_page(app, evil):
    at = sign_in(app(), "sam")
    at.switch_page("views/client.py")
    at.query_params["code"] = evil
    at.run()
    _check(at)
    assert any("Recorded by" in t and "Eve" in t for t in _rendered(at))
    at.switch_page("views/caseload.py").run()
    _check(at)
