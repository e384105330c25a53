"""Clients: random codes, opening, closing, reassigning, searching, and who may do each."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services import clients
from models.services.checkins import client_timeline, record_check_in
from models.services.clients import (
    CODE_ALPHABET,
    close_client,
    find_clients,
    generate_code,
    get_client,
    normalize_code,
    open_client,
    reassign_client,
    reopen_client,
)
from models.store.entities import Client, ClientFactor
from tests.unit import helpers
from tests.unit.helpers import checkin_form, count_rows, events, factor_codes, make_user


def new_client(db, actor, content, **kw):
    """Opened today unless `opened_on` says otherwise, with two factors."""
    kw.setdefault("factors", factor_codes(content))
    return helpers.new_client(db, actor, content, days_ago=None, **kw)


# --------------------------------------------------------------------------- codes (no database needed)


def test_ten_thousand_codes_use_only_the_unambiguous_alphabet():
    codes = [generate_code() for _ in range(10_000)]
    pattern = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}$")
    assert all(pattern.match(c) for c in codes)
    joined = "".join(codes)
    for forbidden in "01OIL":
        assert forbidden not in joined
    # 887 million possibilities: 10,000 draws repeat at most a handful of times, practically never.
    assert len(set(codes)) >= 9_990
    # Every allowed character turns up, so the draw covers the whole alphabet.
    assert set(joined.replace("-", "")) == set(CODE_ALPHABET)


def test_typed_codes_are_forgiven_case_spaces_and_a_missing_dash():
    assert normalize_code("k7f3qx") == "K7F-3QX"
    assert normalize_code(" K7F 3QX ") == "K7F-3QX"
    assert normalize_code("K7F-3QX") == "K7F-3QX"
    assert normalize_code("K0F-3QX") is None  # 0 is never in a code
    assert normalize_code("K7F-3Q") is None
    assert normalize_code("") is None and normalize_code(None) is None


# --------------------------------------------------------------------------- opening


def test_advocate_opens_a_client_for_themselves_and_it_is_audited(db, people, content):
    view = new_client(db, people.ada, content, opened_on=date.today() - timedelta(days=3))
    assert re.match(r"^[A-Z2-9]{3}-[A-Z2-9]{3}$", view.code)
    assert view.status == "open" and view.advocate_id == people.ada.user_id and view.advocate_name == "Ada"
    assert view.factors == tuple(sorted(factor_codes(content)))
    # A new client's first check-in falls due a week after the day they were opened (not on it).
    assert view.next_due_at is not None and view.next_due_at.date() == view.opened_on + timedelta(days=7)
    opened = events(db, "client_opened")
    assert [(e.target, e.outcome, e.actor_id) for e in opened] == [(view.code, "ok", people.ada.user_id)]


def test_the_same_answers_give_different_codes(db, people, content):
    first = new_client(db, people.ada, content)
    second = new_client(db, people.ada, content)
    assert first.code != second.code


def test_a_code_that_is_already_taken_is_drawn_again(db, people, content, monkeypatch):
    taken = new_client(db, people.ada, content).code
    draws = iter([taken, taken, "ZZZ-ZZZ"])
    monkeypatch.setattr(clients, "generate_code", lambda: next(draws))
    assert new_client(db, people.ada, content).code == "ZZZ-ZZZ"


def test_an_insert_that_loses_a_race_for_a_code_tries_again(db, people, content, monkeypatch):
    taken = new_client(db, people.ada, content).code
    calls = iter([taken, "YYY-YYY"])
    # Pretend the existence check missed the other insert, as it would under a race.
    monkeypatch.setattr(clients, "_unused_code", lambda s: next(calls))
    assert new_client(db, people.ada, content).code == "YYY-YYY"


def test_opening_reports_every_problem_at_once_and_saves_nothing(db, people, content):
    with pytest.raises(ValidationFailed) as failed:
        open_client(db, people.ada, content, relationship_context="not-a-context",
                    factors=["not-a-factor"], opened_on=date.today() + timedelta(days=3))
    assert set(failed.value.errors) == {"relationship_context", "factors", "opened_on"}
    assert "future" in failed.value.errors["opened_on"]
    assert count_rows(db, Client) == 0
    assert count_rows(db, ClientFactor) == 0


def test_an_advocate_cannot_open_a_client_for_someone_else(db, people, content):
    with pytest.raises(PermissionDenied):
        new_client(db, people.ada, content, advocate_id=people.bo.user_id)
    assert [e.outcome for e in events(db, "client_opened")] == ["denied"]


def test_a_supervisor_assigns_a_new_client_to_an_active_advocate(db, people, content):
    view = new_client(db, people.sam, content, advocate_id=people.bo.user_id)
    assert view.advocate_id == people.bo.user_id
    with pytest.raises(ValidationFailed) as missing:
        new_client(db, people.sam, content)
    assert "advocate" in missing.value.errors
    gone = make_user(db, "gone", "advocate", active=False)
    with pytest.raises(ValidationFailed):
        new_client(db, people.sam, content, advocate_id=gone.user_id)
    with pytest.raises(ValidationFailed):
        new_client(db, people.sam, content, advocate_id=people.sam.user_id)  # not an advocate


def test_an_admin_cannot_open_or_read_clients_and_each_refusal_is_audited(db, people, content):
    code = new_client(db, people.ada, content).code
    with pytest.raises(PermissionDenied):
        new_client(db, people.alex, content, advocate_id=people.ada.user_id)
    with pytest.raises(PermissionDenied) as refused:
        client_timeline(db, people.alex, content, code)
    assert code not in str(refused.value)
    with pytest.raises(PermissionDenied):
        get_client(db, people.alex, code)
    with pytest.raises(PermissionDenied):
        find_clients(db, people.alex, code[:3])
    with pytest.raises(PermissionDenied):
        close_client(db, people.alex, code, reason="goals_met")
    with pytest.raises(PermissionDenied):
        reassign_client(db, people.alex, code, people.bo.user_id)
    denied = {(e.action, e.actor_id) for e in events(db, outcome="denied")}
    assert {a for a, _ in denied} == {"client_opened", "client_viewed", "client_looked_up", "client_search",
                                      "client_closed", "client_reassigned"}
    assert {who for _, who in denied} == {people.alex.user_id}


# --------------------------------------------------------------------------- closing and reopening


def test_an_advocate_closes_and_reopens_their_own_client(db, people, content):
    code = new_client(db, people.ada, content, opened_on=date.today() - timedelta(days=30)).code
    closed = close_client(db, people.ada, code, reason="goals_met")
    assert closed.status == "closed" and closed.closed_on == utcnow().date() and closed.next_due_at is None
    with pytest.raises(ValidationFailed) as again:
        close_client(db, people.ada, code, reason="goals_met")
    assert "already closed" in again.value.errors["client"]
    with pytest.raises(ValidationFailed) as refused:
        record_check_in(db, people.ada, content, checkin_form(code), submission_key="k" * 16)
    assert "closed" in refused.value.errors["client"]
    reopened = reopen_client(db, people.ada, code)
    assert reopened.status == "open" and reopened.closed_on is None
    due = utcnow() + timedelta(days=7)  # like a new file: not overdue the moment it is reopened
    assert reopened.next_due_at is not None and abs(reopened.next_due_at - due) < timedelta(minutes=1)
    assert [e.action for e in events(db) if e.target == code and e.outcome == "ok"] == [
        "client_opened", "client_closed", "client_reopened"]


def test_a_closing_date_before_opening_or_in_the_future_is_refused(db, people, content):
    opened = date.today() - timedelta(days=10)
    code = new_client(db, people.ada, content, opened_on=opened).code
    with pytest.raises(ValidationFailed) as early:
        close_client(db, people.ada, code, reason="goals_met", closed_on=opened - timedelta(days=1))
    assert "before" in early.value.errors["closed_on"]
    with pytest.raises(ValidationFailed) as late:
        close_client(db, people.ada, code, reason="goals_met", closed_on=date.today() + timedelta(days=5))
    assert "future" in late.value.errors["closed_on"]


def test_another_advocate_cannot_close_reopen_or_read_a_client_and_is_audited(db, people, content):
    code = new_client(db, people.ada, content).code
    for call in (lambda: close_client(db, people.bo, code, reason="goals_met"),
                 lambda: reopen_client(db, people.bo, code),
                 lambda: get_client(db, people.bo, code), lambda: client_timeline(db, people.bo, content, code)):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert code not in str(refused.value)
    denied = events(db, outcome="denied")
    assert [(e.action, e.target, e.actor_id) for e in denied] == [
        ("client_closed", code, people.bo.user_id), ("client_reopened", code, people.bo.user_id),
        ("client_looked_up", code, people.bo.user_id), ("client_viewed", code, people.bo.user_id)]


def test_an_unknown_code_is_refused_like_someone_elses_client(db, people, content):
    code = new_client(db, people.ada, content).code
    with pytest.raises(PermissionDenied) as other:
        get_client(db, people.bo, code)
    with pytest.raises(PermissionDenied) as unknown:
        get_client(db, people.bo, "ZZZ-ZZZ" if code != "ZZZ-ZZZ" else "YYY-YYY")
    assert str(other.value) == str(unknown.value)


def test_a_supervisor_can_close_and_reopen_any_client(db, people, content):
    code = new_client(db, people.ada, content).code
    assert close_client(db, people.sam, code, reason="goals_met").status == "closed"
    assert reopen_client(db, people.sam, code).status == "open"


# --------------------------------------------------------------------------- reassigning


def test_a_supervisor_reads_and_reassigns_and_it_is_audited(db, people, content):
    code = new_client(db, people.ada, content).code
    assert get_client(db, people.sam, code).advocate_id == people.ada.user_id
    moved = reassign_client(db, people.sam, code, people.bo.user_id)
    assert moved.advocate_id == people.bo.user_id and moved.advocate_name == "Bo"
    assert get_client(db, people.bo, code).code == code
    with pytest.raises(PermissionDenied):
        get_client(db, people.ada, code)
    [event] = events(db, "client_reassigned")
    assert event.target == code and event.actor_id == people.sam.user_id and event.outcome == "ok"
    with pytest.raises(ValidationFailed):
        reassign_client(db, people.sam, code, people.alex.user_id)  # an admin holds no caseload


def test_an_advocate_cannot_reassign_even_their_own_client(db, people, content):
    code = new_client(db, people.ada, content).code
    with pytest.raises(PermissionDenied):
        reassign_client(db, people.ada, code, people.bo.user_id)
    assert [(e.action, e.outcome) for e in events(db, "client_reassigned")] == [("client_reassigned", "denied")]
    assert get_client(db, people.ada, code).advocate_id == people.ada.user_id


# --------------------------------------------------------------------------- finding


def _open_with_code(db, actor, content, code: str, monkeypatch) -> str:
    monkeypatch.setattr(clients, "generate_code", lambda: code)
    return new_client(db, actor, content).code


def test_find_clients_searches_only_the_advocates_own_codes(db, people, content, monkeypatch):
    _open_with_code(db, people.ada, content, "K7F-3QX", monkeypatch)
    _open_with_code(db, people.ada, content, "AK7-F22", monkeypatch)
    _open_with_code(db, people.ada, content, "BBB-CCC", monkeypatch)
    _open_with_code(db, people.bo, content, "K7F-3QY", monkeypatch)
    assert find_clients(db, people.ada, "k7f") == ["K7F-3QX", "AK7-F22"]  # starts-with first
    assert find_clients(db, people.ada, "k7f3q") == ["K7F-3QX"]  # the dash may be left out
    assert find_clients(db, people.ada, "F-3Q") == ["K7F-3QX"]
    assert find_clients(db, people.ada, "  ") == []
    assert find_clients(db, people.ada, "%") == []
    assert find_clients(db, people.bo, "K7F") == ["K7F-3QY"]
    assert find_clients(db, people.sam, "K7F") == ["K7F-3QX", "K7F-3QY", "AK7-F22"]


def test_closed_clients_are_found_after_open_ones(db, people, content, monkeypatch):
    _open_with_code(db, people.ada, content, "K7F-222", monkeypatch)
    _open_with_code(db, people.ada, content, "K7F-333", monkeypatch)
    close_client(db, people.ada, "K7F-222", reason="goals_met")
    assert find_clients(db, people.ada, "K7F") == ["K7F-333", "K7F-222"]
