"""Words and times on the admin and advocate pages as Streamlit runs them (issue 17, items 13 and 14): every time
in the agency's zone (here America/Chicago, not the server's UTC) and one format, no "UTC" column, actions and
accounts in words rather than event names or numbers, no content codes or versions on the guidance page."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models.base.timeutil import show
from models.services.handover import hand_over
from models.store.entities import AuditEvent, User
from tests.pages.helpers import PASSWORD, actor, advocate_client, make_account, open_page, texts

pytestmark = pytest.mark.pages

CHICAGO = ZoneInfo("America/Chicago")
SHOWN = re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} C[SD]T")  # "2 Dec 2026, 08:05 CST"


@pytest.fixture(autouse=True)
def chicago(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "America/Chicago")


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    """What the page says, with captions, labels and table headers (texts() leaves them out)."""
    parts = [texts(at)] + [c.value for c in at.caption]
    for frame in [*at.dataframe, *at.table]:
        parts += [str(c) for c in frame.value.columns]
    return "\n".join(parts)


def _sign_in_time(db, username: str) -> datetime:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        return s.scalars(select(AuditEvent.at).where(AuditEvent.action == "sign_in",
                                                     AuditEvent.actor_username == username)
                         .order_by(AuditEvent.id.desc())).first()


def test_sign_ins_are_in_the_agencys_zone_with_its_abbreviation(app, db, people):
    at = open_page(app, "alex", "sign_ins")
    assert not at.exception
    frame = at.dataframe[0].value
    assert "When" in frame.columns and "UTC" not in _all_text(at)
    assert all(SHOWN.fullmatch(w) for w in frame["When"]), list(frame["When"])
    expected = show(_sign_in_time(db, "alex"), CHICAGO, with_zone=True)
    assert expected in set(frame["When"])
    assert "Signed in" in set(frame["What"]) and "sign_in" not in set(frame["What"])
    assert set(frame["Outcome"]) <= {"done", "failed", "refused"}
    assert any("agency's (C" in c.value for c in at.caption)  # says which clock: CST or CDT


def test_the_audit_log_speaks_in_words_and_names(app, db, people, content):
    code = advocate_client(db, content, people)
    bo = make_account(db, "bo", "advocate", password=PASSWORD, display_name="Bo Advocate")
    hand_over(db, actor(people, "supervisor"), people["advocate"], {code: bo.user_id})
    at = open_page(app, "alex", "audit")
    assert not at.exception
    assert not at.dataframe  # a static table, whose cells wrap
    frame = at.table[0].value.map(lambda v: re.sub(r"\\(.)", r"\1", str(v)))
    said = _all_text(at)
    assert "UTC" not in said and "Code or id" not in said
    assert all(SHOWN.fullmatch(w) for w in frame["When"])
    moved = frame[frame["Action"] == "Gave a client to another advocate"]
    assert list(moved["Detail"]) == ["from Ada Advocate to Bo Advocate; hand-over"]
    assert list(moved["About"]) == [code]
    handed = frame[frame["Action"] == "Handed over an advocate's clients"]
    assert list(handed["About"]) == ["Ada Advocate"]  # the account's name, not its number
    every_cell = " ".join(str(v) for v in frame.to_numpy().ravel())
    assert not re.search(r"\buser \d+\b", every_cell)
    assert not any(re.fullmatch(r"[a-z]+(_[a-z]+)+", str(v)) for v in frame["Action"])
    assert "their session" in set(frame["About"])  # a sign-in's session, not its database number
    # The action filter lists words, and choosing one still filters by it.
    box = at.selectbox(key="au_action")
    assert "Signed in" in box.options and "Opened a client" in box.options
    assert not [o for o in box.options if "_" in o]
    box.select("client_reassigned").run()
    assert set(at.table[0].value["Action"]) == {"Gave a client to another advocate"}


def test_accounts_show_the_last_sign_in_in_the_agencys_zone(app, db, people):
    at = open_page(app, "alex", "accounts")
    assert not at.exception
    frame = at.dataframe[0].value
    assert "Last sign-in" in frame.columns and "UTC" not in _all_text(at)
    with db.reading() as s:
        last = s.scalar(select(User.last_login_at).where(User.username == "alex"))
    shown = frame.loc[frame["Username"] == "alex", "Last sign-in"].tolist()
    assert shown == [show(last, CHICAGO)]
    assert frame.loc[frame["Username"] == "ada", "Last sign-in"].tolist() == ["never"]


def test_the_guidance_page_shows_no_codes_or_versions(app, people, content):
    at = open_page(app, "ada", "guidance")
    assert not at.exception
    said = _all_text(at)
    step = content.guidance.stages[0].steps[0]
    assert step.label in said
    assert step.code not in said and " · code " not in said
    assert not re.search(r"\bversion \d", said)


def test_the_resources_search_suggests_real_words(app, people):
    at = open_page(app, "ada", "resources")
    box = at.text_input(key="res_query")
    assert box.placeholder.endswith("e.g. text, Spanish, TTY")
    assert "e.g. tr" not in box.placeholder
