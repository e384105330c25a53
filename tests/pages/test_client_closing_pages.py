"""Closing and reopening a client's file on the timeline page (AppTest): asked once more with a reason, the page
stays on the closed client with Reopen, and a second click cannot close another client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.store.entities import Client, ClientClosure
from tests.pages.helpers import actor, advocate_client, check_in, open_page, texts

pytestmark = pytest.mark.pages


def _status(db, code: str) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        client = s.scalars(select(Client).where(Client.code == code)).one()
        return client.status, client.closed_reason


def _two_clients(db, content, people) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    first, second = sorted(advocate_client(db, content, people) for _ in range(2))
    return first, second


def test_close_asks_for_a_reason_then_stays_on_the_closed_client_with_reopen(app, db, people, content):
    first, second = _two_clients(db, content, people)
    at = open_page(app, "ada", "client", code=first)
    assert at.header[0].value == first
    at.button(key="tl_close").click().run()
    assert _status(db, first) == ("open", None)  # only asked
    assert "Close the file of " + first in texts(at)
    assert at.radio(key="tl_reason").value is None  # nothing chosen for them
    at.button(key="tl_close_yes").click().run()
    assert not at.exception
    assert _status(db, first) == ("open", None)  # refused: no reason
    assert [e.value for e in at.error] == ["Choose why the file is being closed from the list."]
    at.radio(key="tl_reason").set_value("moved_away")
    at.button(key="tl_close_yes").click().run()
    assert not at.exception
    assert _status(db, first) == ("closed", "moved_away")
    # The same client, now closed, with the message and a way back; the address still names it.
    assert at.header[0].value == first and at.query_params["code"] in (first, [first])
    assert at.success[0].value == "Closed: Moved away. You can reopen it."
    assert "**Status:** Closed on" in texts(at) and "(moved away)" in texts(at)
    assert [b.label for b in at.button if b.key == "tl_reopen"] == ["Reopen this client"]
    assert not [b for b in at.button if b.key in ("tl_close", "tl_close_yes")]
    # The client picker still lists it, marked closed.
    picker = at.selectbox(key="tl_code")
    assert picker.value == first and picker.format_func(first) == f"{first} (closed)"
    assert _status(db, second) == ("open", None)

    at.button(key="tl_reopen").click().run()
    assert not at.exception
    assert _status(db, first) == ("open", None)
    assert at.success[0].value.startswith("Reopened.")
    with db.reading() as s:
        [closure] = s.scalars(select(ClientClosure)).all()
    assert closure.reason == "moved_away" and closure.reopened_on is not None


def test_cancel_leaves_the_file_open(app, db, people, content):
    code = advocate_client(db, content, people)
    at = open_page(app, "ada", "client", code=code)
    at.button(key="tl_close").click().run()
    at.radio(key="tl_reason").set_value("goals_met")
    at.button(key="tl_close_no").click().run()
    assert not at.exception
    assert _status(db, code) == ("open", None)
    assert [b.key for b in at.button if b.key and b.key.startswith("tl_close")] == ["tl_close"]
    with db.reading() as s:
        assert s.scalars(select(ClientClosure)).all() == []


def test_a_second_click_cannot_close_another_client(app, db, people, content):
    first, second = _two_clients(db, content, people)
    at = open_page(app, "ada", "client", code=first)
    at.button(key="tl_close").click().run()
    at.radio(key="tl_reason").set_value("goals_met")
    at.button(key="tl_close_yes").click().run()
    assert _status(db, first) == ("closed", "goals_met")
    # Clicking again where the buttons were: the first spot holds Reopen now, and the question is gone, so no
    # button on the page closes anything; the page still shows the closed client.
    assert not [b for b in at.button if b.key in ("tl_close", "tl_close_yes")]
    assert at.header[0].value == first
    # Even with the question still pending for the closed client, nothing that closes is drawn, and the page does
    # not move on to the next client.
    at.session_state["tl_closing"] = first
    at.run()
    assert not [b for b in at.button if b.key in ("tl_close", "tl_close_yes")]
    assert _status(db, second) == ("open", None)
    assert at.header[0].value == first and at.selectbox(key="tl_code").value == first


def test_the_timeline_shows_words_not_ids_and_the_chart_in_words(app, db, people, content):
    code = advocate_client(db, content, people)
    ada = actor(people)
    sign = content.checklist.section("signs").items[0].code
    day = (utcnow() - timedelta(days=2)).replace(hour=10, minute=5, second=0, microsecond=0)
    check_in(db, ada, content, code, occurred_at=day, items=[sign], concern="high", submission_key="k-closing-page-1")
    check_in(db, ada, content, code, occurred_at=day + timedelta(hours=4), concern="low",
             submission_key="k-closing-page-2")
    at = open_page(app, "ada", "client", code=code)
    assert not at.exception
    assert "**Status:** Open" in texts(at)
    columns = list(at.table[0].value.columns)[1:]  # after "Sign or reaction": one per check-in, newest first
    assert len(columns) == 2 and not any("#" in c for c in columns)
    assert columns[0].endswith("14:05") and columns[1].endswith("10:05"), columns  # the time tells them apart
    words = next(c.value for c in at.caption if c.value.startswith("Chart in words"))
    assert "1 item at the first check-in, 0 at the latest (1 fewer)" in words
    assert "Level of concern: high at the first check-in, low at the latest." in words
