"""Bad input to clients: intake fields, dates, codes, searches, and another advocate's client codes.

A refusal leaves every data table as it was (an audit row of the refusal is the only write allowed), and an
advocate who tries someone else's code learns nothing that an unknown code would not tell them: the same
message, the same exception, and a 'denied' row in the audit log either way.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import Content, load_content
from models.rules.permissions import PermissionDenied
from models.services.clients import (
    NOT_AVAILABLE,
    close_client,
    find_clients,
    get_client,
    normalize_code,
    open_client,
    reassign_client,
    reopen_client,
)
from models.store.entities import Client, ClientFactor
from tests.unit.bad_inputs import (
    DB_SETTINGS,
    FAR_DATES,
    any_code,
    any_date,
    any_id,
    any_text,
    corrupt,
    counts,
    data_counts,
    denied_since,
    last_audit_id,
    not_text,
    well_formed_code,
)

SHIPPED = load_content(Settings().content_dir, ("us-national",))


def _contexts(content: Content) -> list[str]:
    return [i.code for i in content.checklist.section("contexts").items]


def _factors(content: Content) -> list[str]:
    return [i.code for i in content.checklist.section("vulnerability").items]


INTAKE_JUNK = {
    "context": st.one_of(any_text, not_text, st.sampled_from(["'; DROP TABLE clients; --", "%", "contexts."])),
    "factors": st.one_of(st.lists(st.one_of(any_text, not_text), min_size=1, max_size=4), any_text, not_text,
                         st.just([["nested"]]), st.just(["<script>alert(1)</script>"])),
    "opened_on": st.one_of(any_date, st.datetimes(), not_text.filter(lambda v: v is not None)),
}


@DB_SETTINGS
@given(data=st.data())
def test_open_client_saves_what_was_chosen_or_refuses_with_nothing_saved(db, people, content, data) -> None:  # type: ignore[no-untyped-def]
    """Valid intake fields with none, one or two spoiled: a client with exactly the chosen codes, or a refusal
    naming only the spoiled fields with nothing saved."""
    valid = {"context": data.draw(st.sampled_from(_contexts(SHIPPED))),
             "factors": data.draw(st.lists(st.sampled_from(_factors(SHIPPED)), max_size=3)),
             "opened_on": data.draw(st.one_of(st.none(), st.dates(min_value=date(1970, 1, 1),
                                                                  max_value=utcnow().date())))}
    f, spoiled = corrupt(data, valid, INTAKE_JUNK)
    context, factors, opened_on = f["context"], f["factors"], f["opened_on"]
    names = {"context": "relationship_context", "factors": "factors", "opened_on": "opened_on"}
    before = counts(db)
    try:
        view = open_client(db, people.ada, content, relationship_context=context, factors=factors,  # type: ignore[arg-type]
                           opened_on=opened_on)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        event("refused")
        assert refused.errors and set(refused.errors) <= {names[n] for n in spoiled}
        assert all(isinstance(m, str) and m and "\x00" not in m and "<script" not in m
                   for m in refused.errors.values())
        assert counts(db) == before
        return
    event("saved")
    after = counts(db)
    assert after["clients"] == before["clients"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    assert context in _contexts(content)
    # None is "no factors chosen" (models/services/clients.py takes it on purpose); anything else saved was a list.
    assert factors is None or isinstance(factors, (list, tuple))
    assert set(view.factors) == set(factors or ())
    assert after["client_factors"] == before["client_factors"] + len(set(factors or ()))
    assert opened_on is None or (isinstance(opened_on, date) and not isinstance(opened_on, datetime))
    assert view.opened_on >= date(1970, 1, 1) and view.opened_on <= utcnow().date() + timedelta(days=1)


@pytest.mark.parametrize("opened_on", FAR_DATES)
def test_opening_dates_at_the_calendars_edges_are_refused(db, people, content, opened_on: date) -> None:  # type: ignore[no-untyped-def]
    """Year 1 used to be saved, and every later check-in on that client then crashed computing 'before opening'."""
    before = counts(db)
    if date(1970, 1, 1) <= opened_on <= utcnow().date():
        open_client(db, people.ada, content, relationship_context=_contexts(content)[0], factors=[],
                    opened_on=opened_on)
        return
    with pytest.raises(ValidationFailed) as refused:
        open_client(db, people.ada, content, relationship_context=_contexts(content)[0], factors=[],
                    opened_on=opened_on)
    assert set(refused.value.errors) == {"opened_on"}
    assert counts(db) == before


@DB_SETTINGS
@given(advocate_id=any_id)
@example(advocate_id=2**70)
def test_supervisor_opening_for_any_advocate_id_refuses_in_words(db, people, content, advocate_id: object) -> None:  # type: ignore[no-untyped-def]
    before = data_counts(db)
    try:
        view = open_client(db, people.sam, content, relationship_context=_contexts(content)[0], factors=[],
                           advocate_id=advocate_id)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) == {"advocate"}
        assert data_counts(db) == before
        return
    assert advocate_id in (people.ada.user_id, people.bo.user_id) and type(advocate_id) is int
    assert view.advocate_id == advocate_id


@DB_SETTINGS
@given(advocate_id=any_id)
def test_an_advocate_cannot_open_a_client_for_anyone_else(db, people, content, advocate_id: object) -> None:  # type: ignore[no-untyped-def]
    if advocate_id is None or advocate_id == people.ada.user_id:  # her own id (True and 1.0 equal 1 too)
        return
    before, mark = data_counts(db), last_audit_id(db)
    with pytest.raises(PermissionDenied):
        open_client(db, people.ada, content, relationship_context=_contexts(content)[0], factors=[],
                    advocate_id=advocate_id)  # type: ignore[arg-type]
    assert data_counts(db) == before
    assert [e.action for e in denied_since(db, mark)] == ["client_opened"]


@DB_SETTINGS
@given(code=any_code, use_bos=st.booleans())
@example(code="%", use_bos=False)
@example(code="___-___", use_bos=False)
@example(code="K7F\x003QX", use_bos=False)
def test_another_advocates_code_and_an_unknown_code_are_refused_alike(db, people, content, code: str,
                                                                      use_bos: bool) -> None:  # type: ignore[no-untyped-def]
    """Bo's real code and a made-up one give Ada the same PermissionDenied text, each refusal audited, nothing
    changed: so she cannot use the refusals to find out which codes exist."""
    with db.reading() as s:
        bos = s.scalars(select(Client.code).where(Client.advocate_id == people.bo.user_id)).first()
    if bos is None:
        bos = open_client(db, people.bo, content, relationship_context=_contexts(content)[0], factors=[]).code
    target = bos if use_bos else code
    canonical = normalize_code(target) or "(none)"
    with db.reading() as s:
        exists = s.scalar(select(Client.code).where(Client.code == canonical)) is not None
        owner = s.scalar(select(Client.advocate_id).where(Client.code == canonical))
    if owner == people.ada.user_id:
        return  # one of Ada's own codes, drawn by chance
    before = data_counts(db)
    for action, name in ((lambda: get_client(db, people.ada, target), "client_looked_up"),
                         (lambda: close_client(db, people.ada, target, reason="goals_met"), "client_closed"),
                         (lambda: reopen_client(db, people.ada, target), "client_reopened"),
                         (lambda: reassign_client(db, people.ada, target, people.ada.user_id), "client_reassigned")):
        mark = last_audit_id(db)
        with pytest.raises(PermissionDenied) as refused:
            action()
        denied = denied_since(db, mark)
        assert [e.action for e in denied] == [name]
        if name != "client_reassigned":  # an advocate may never reassign: the message says so, code or not
            assert str(refused.value) == NOT_AVAILABLE
        # The audit row keeps a code only in the canonical form, never the raw text that was typed.
        assert denied[0].target is None or len(denied[0].target) == 7
    assert data_counts(db) == before
    assert exists or not use_bos


@DB_SETTINGS
@given(query=st.one_of(any_text, not_text, well_formed_code, st.sampled_from(["%", "_", "%%", "\\%", "*", "'"])))
def test_find_clients_returns_only_own_codes_for_any_query(db, people, content, query: object) -> None:  # type: ignore[no-untyped-def]
    """SQL wildcards and quotes are just characters: a search never lists another advocate's client."""
    with db.reading() as s:
        if not s.scalars(select(Client.code)).first():
            for who in (people.ada, people.bo, people.bo):
                open_client(db, who, content, relationship_context=_contexts(content)[0], factors=[])
        mine = set(s.scalars(select(Client.code).where(Client.advocate_id == people.ada.user_id)))
    found = find_clients(db, people.ada, query)  # type: ignore[arg-type]
    with db.reading() as s:
        mine = set(s.scalars(select(Client.code).where(Client.advocate_id == people.ada.user_id)))
    assert set(found) <= mine
    if isinstance(query, str) and query.strip() in ("%", "_", "%%", "*", "'", "\\%"):
        assert found == []


@DB_SETTINGS
@given(closed_on=st.one_of(any_date, st.datetimes(), not_text, st.none()))
@example(closed_on=date.min)
@example(closed_on=date.max)
def test_close_client_with_any_date_closes_once_or_refuses(db, people, content, closed_on: object) -> None:  # type: ignore[no-untyped-def]
    view = open_client(db, people.ada, content, relationship_context=_contexts(content)[0], factors=[])
    before = counts(db)
    try:
        closed = close_client(db, people.ada, view.code, reason="goals_met", closed_on=closed_on)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) == {"closed_on"}
        assert counts(db) == before
        return
    assert closed.status == "closed" and closed.closed_on is not None
    assert view.opened_on <= closed.closed_on <= utcnow().date() + timedelta(days=1)
    with db.reading() as s:
        assert s.scalar(select(Client.status).where(Client.code == view.code)) == "closed"
        assert s.scalars(select(ClientFactor)).all() is not None


def test_supervisor_reassign_to_any_id_is_refused_in_words(db, people, content) -> None:  # type: ignore[no-untyped-def]
    view = open_client(db, people.ada, content, relationship_context=_contexts(content)[0], factors=[])
    for bad in (2**70, 2**31, -1, 0, True, "2", None, people.sam.user_id, people.alex.user_id):
        before = counts(db)
        with pytest.raises(ValidationFailed) as refused:
            reassign_client(db, people.sam, view.code, bad)  # type: ignore[arg-type]
        assert set(refused.value.errors) == {"advocate"}
        assert counts(db) == before
