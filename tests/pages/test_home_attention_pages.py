"""Home's list of today's due and overdue clients, the needs-attention reasons, and a supervisor's review with a
refused note that keeps what was typed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.base.timeutil import utcnow
from models.services.clients import close_client
from models.store.entities import AttentionReview
from tests.pages.helpers import actor, advocate_client, open_page
from tests.unit.helpers import immediate_items as immediate_items_of

BAD_NOTE = "Spoke to her; she is at 42 Elm Street tonight."


def _codes(table):  # type: ignore[no-untyped-def]
    return table["Client"].str.replace("\\", "").str.replace("\u2060", "")


def _links(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.proto.label for e in at.get("page_link")]


def test_home_lists_due_and_overdue_clients_most_overdue_first(app, db, content, people):
    now = utcnow().replace(microsecond=0)
    late = advocate_client(db, content, people, days_ago=30, occurred_at=now - timedelta(days=10),
                           next_due_at=now - timedelta(days=3))
    later = advocate_client(db, content, people, days_ago=30, occurred_at=now - timedelta(days=10),
                            next_due_at=now - timedelta(days=1))
    advocate_client(db, content, people, days_ago=30, occurred_at=now - timedelta(days=1),
                    next_due_at=now + timedelta(days=5))
    at = open_page(app, "ada", "home")
    assert not at.exception
    due = [label for label in _links(at) if label.startswith((late, later))]
    assert due == [f"{late}: overdue 3 days", f"{later}: overdue 1 day"]
    assert [m.label for m in at.metric][:3] == ["Open clients", "Overdue follow-ups", "Due later today"]


def test_attention_page_says_why_and_a_bad_note_keeps_the_typing(app, db, content, people):
    code = advocate_client(db, content, people, concern="immediate", items=immediate_items_of(content)[:1])
    at = open_page(app, "sam", "attention")
    assert not at.exception
    table = at.table[0].value
    row = table[_codes(table) == code].iloc[0]
    assert "Immediate danger" in row["Why"] and content.checklist.item(immediate_items_of(content)[0]).label \
        .split()[0] in row["Why"]
    at.selectbox(key="na_review_client").select(code)
    at.text_area(key="na_review_note").input(BAD_NOTE)
    at.button(key="na_review_save").click().run()
    assert not at.exception
    assert at.text_area(key="na_review_note").value == BAD_NOTE  # the typing is kept
    assert any("street address" in e.value for e in at.error)
    with db.reading() as s:
        assert s.scalar(select(AttentionReview.id)) is None
    at.text_area(key="na_review_note").input("Talked it through with the advocate.")
    at.button(key="na_review_save").click().run()
    assert not at.exception
    assert any("marked reviewed" in s.value for s in at.success)
    assert not at.table or code not in " ".join(_codes(at.table[0].value))
    at.toggle(key="na_reviewed").set_value(True).run()
    shown = at.table[0].value
    assert "Sam Supervisor" in shown[_codes(shown) == code].iloc[0]["Reviewed"]


def test_caseload_shows_reasons_and_closed_clients(app, db, content, people):
    code = advocate_client(db, content, people, concern="immediate")
    gone = advocate_client(db, content, people)
    close_client(db, actor(people), gone, reason="moved_away")
    at = open_page(app, "ada", "caseload")
    assert not at.exception
    table = at.dataframe[0].value
    assert table[table["Client"] == code].iloc[0]["Needs attention"] == "● yes"
    assert any(label.startswith(f"{code}: Immediate danger") for label in _links(at))
    assert not any(label.startswith(gone) for label in _links(at))
    at.toggle(key="cl_closed").set_value(True).run()
    assert not at.exception
    closed = [label for label in _links(at) if label.startswith(gone)]
    assert len(closed) == 1 and "closed" in closed[0]
