"""Home's list of today's due and overdue clients, the needs-attention reasons, and a supervisor's review with a
refused note that keeps what was typed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from models.base.timeutil import utcnow
from models.services.clients import close_client
from models.store.entities import AttentionReview
from tests.pages.helpers import actor, advocate_client, check_in, open_page
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


def _audit_actions(db) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    from models.store.entities import AuditEvent
    with db.reading() as s:
        return [(a, o) for a, o in s.execute(select(AuditEvent.action, AuditEvent.outcome)
                                             .where(AuditEvent.action == "attention_reviewed")).all()]


def test_a_review_empties_the_form_and_a_second_press_asks_for_an_entry(app, db, content, people):
    first = advocate_client(db, content, people, concern="immediate")
    second = advocate_client(db, content, people, concern="immediate")
    at = open_page(app, "sam", "attention")
    assert at.selectbox(key="na_review_client").value is None  # nothing chosen until the supervisor chooses
    at.selectbox(key="na_review_client").select(first)
    at.text_area(key="na_review_note").input("Talked it through with the advocate.")
    at.button(key="na_review_save").click().run()
    assert not at.exception
    assert at.selectbox(key="na_review_client").value is None and at.text_area(key="na_review_note").value == ""
    assert at.selectbox(key="na_review_client").options == [f"{second}: Immediate danger"]  # the reviewed one left
    assert any(f"{first} marked reviewed" in s.value for s in at.success)
    assert any(f"{first} marked reviewed" in t.value for t in at.toast)
    assert any(c.value == "1 reviewed entry not shown: turn on Show reviewed to see it." for c in at.caption)
    before = _audit_actions(db)
    at.button(key="na_review_save").click().run()  # pressed again with nothing chosen
    assert not at.exception
    assert [e.value for e in at.error] == ["Choose an entry to mark reviewed."]
    assert before == [("attention_reviewed", "ok")]
    assert _audit_actions(db) == before  # no refused review row
    with db.reading() as s:
        assert len(s.scalars(select(AttentionReview.id)).all()) == 1


def test_reviewed_entries_hidden_are_counted_in_words_for_two(app, db, content, people):
    codes = [advocate_client(db, content, people, concern="immediate") for _ in range(3)]
    at = open_page(app, "sam", "attention")
    for code in codes[:2]:
        at.selectbox(key="na_review_client").select(code)
        at.text_area(key="na_review_note").input("Talked it through with the advocate.")
        at.button(key="na_review_save").click().run()
    assert any(c.value == "2 reviewed entries not shown: turn on Show reviewed to see them." for c in at.caption)


def test_a_stale_entry_says_it_changed_since_the_page_was_drawn(app, db, content, people):
    code = advocate_client(db, content, people, concern="high")
    advocate_client(db, content, people, concern="immediate")
    check_in(db, actor(people), content, code, occurred_at=utcnow() - timedelta(minutes=30), concern="immediate")
    at = open_page(app, "sam", "attention")
    at.selectbox(key="na_review_client").select(code)
    at.text_area(key="na_review_note").input("Talked it through with the advocate.")
    # Meanwhile the advocate records another check-in: the entry the supervisor sees is no longer current.
    check_in(db, actor(people), content, code, occurred_at=utcnow() - timedelta(minutes=5), concern="immediate")
    at.button(key="na_review_save").click().run()
    assert not at.exception
    assert any("changed since the page was drawn" in e.value for e in at.error)
    assert at.text_area(key="na_review_note").value == "Talked it through with the advocate."
    with db.reading() as s:
        assert s.scalar(select(AttentionReview.id)) is None


def test_caseload_attention_box_is_most_urgent_first(app, db, content, people):
    now = utcnow().replace(microsecond=0)
    late = advocate_client(db, content, people, days_ago=60, occurred_at=now - timedelta(days=40),
                           next_due_at=now - timedelta(days=20))
    urgent = advocate_client(db, content, people, concern="immediate")
    rising = advocate_client(db, content, people, days_ago=60, occurred_at=now - timedelta(days=20), concern="low",
                             next_due_at=now - timedelta(days=12))
    check_in(db, actor(people), content, rising, occurred_at=now - timedelta(hours=2), concern="high")
    for who in ("ada", "sam"):
        at = open_page(app, who, "caseload")
        assert not at.exception
        labels = [label for label in _links(at) if label.startswith((late, urgent, rising))]
        first_seen = list(dict.fromkeys(label[:7] for label in labels))  # the box comes before the list of links
        assert first_seen == [urgent, rising, late], labels
    page = open_page(app, "sam", "attention")
    assert list(_codes(page.table[0].value)) == [urgent, rising, late]


def test_home_links_to_the_caseload_filtered_to_due_and_says_who_is_not_shown(app, db, content, people,
                                                                           monkeypatch):
    from dashboard import timeutil_ui as tz
    from models.services.attention import days_overdue

    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "Pacific/Kiritimati")  # UTC+14: the days differ from UTC's
    zone = tz.zone()
    now = utcnow().replace(microsecond=0)
    end_utc = datetime.combine(tz.today(), time(23, 59)).replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    # One client due at an hour where the agency's count and the UTC count of days overdue differ.
    odd = next(now - timedelta(days=20, hours=h) for h in range(24)
               if days_overdue(now - timedelta(days=20, hours=h), now, zone)
               != days_overdue(now - timedelta(days=20, hours=h), now))
    overdue = [advocate_client(db, content, people, days_ago=40, occurred_at=now - timedelta(days=20),
                               next_due_at=now - timedelta(days=n + 5)) for n in range(10)]
    overdue.append(advocate_client(db, content, people, days_ago=40, occurred_at=now - timedelta(days=30),
                                   next_due_at=odd))
    later = advocate_client(db, content, people, days_ago=40, occurred_at=now - timedelta(days=20),
                            next_due_at=min(now + timedelta(minutes=30), end_utc))
    not_yet = advocate_client(db, content, people, days_ago=40, occurred_at=now - timedelta(days=2),
                              next_due_at=now + timedelta(days=5))
    at = open_page(app, "ada", "home")
    assert not at.exception
    later_today = now + timedelta(minutes=30) <= end_utc
    total = 11 + later_today
    words = "1 more overdue and 1 due later today" if later_today else "1 more overdue"
    assert any(c.value == f"Showing 10 of {total}, most overdue first; not shown: {words}." for c in at.caption)
    [link] = [e.proto for e in at.get("page_link") if e.proto.label.startswith("See all")]
    assert link.label == f"See all {total} due or overdue in my caseload" and "caseload" in link.page
    assert "due=today" in link.query_string
    at = open_page(app, "ada", "caseload", due="today")
    assert not at.exception and at.toggle(key="cl_due").value is True
    shown = set(at.dataframe[0].value["Client"])
    assert shown == set(overdue) | ({later} if later_today else set()) and not_yet not in shown
    # Home and the caseload give the same days for the same client.
    home = open_page(app, "ada", "home")
    days = {label.split(": ")[0]: label.split(": ")[1] for label in _links(home) if label[:7] in overdue}
    table = at.dataframe[0].value.set_index("Client")
    assert overdue[-1] in days and days[overdue[-1]] == f"overdue {days_overdue(odd, utcnow(), zone)} days"
    for code, words in days.items():
        assert table.loc[code, "Status"].replace("⚠ O", "o") == words, (code, words)
