"""Bad input to check-ins, corrections, safety plans, referrals from scripts and the handout.

Each form is a mixture of real codes and junk (any text, wrong types, markup, SQL, dates at the calendar's ends),
so some examples save and most are refused. A save stores exactly what was chosen; a refusal leaves every data
table as it was. Another advocate's client code or check-in id is refused like an unknown one and audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.inputs import storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import PermissionDenied
from models.services.checkins import (
    NOTE_MAX,
    CheckInForm,
    EditConflict,
    check_in_history,
    client_timeline,
    correct_check_in,
    get_check_in,
    record_check_in,
)
from models.services.clients import NOT_AVAILABLE
from models.services.handout import MAX_PRINTED_NUMBERS, build_handout, printable_numbers, suggested_numbers
from models.services.referrals import current_check_in, mark_referrals_offered
from models.services.safety_plans import safety_plan, update_safety_plan
from models.store.entities import CheckIn, Client
from tests.unit.bad_inputs import (
    DB_SETTINGS,
    any_code,
    any_text,
    corrupt,
    counts,
    data_counts,
    denied_since,
    last_audit_id,
    not_text,
    refused_alike,
)
from tests.unit.helpers import client_with_check_in, make_people

SHIPPED = load_content(Settings().content_dir, ("us-national",))
ITEMS = [i.code for s in SHIPPED.checklist.checkin_sections() for i in s.items]
RESOURCES = [r.code for r in SHIPPED.resources]
assert SHIPPED.guidance is not None
STEPS = SHIPPED.guidance.all_codes()
OPENED_DAYS_AGO = 30

# Times an advocate could give: mostly in the last month (so saves happen), and odd ones. Aware times stay a day
# inside the calendar: the two ends are the subject of their own test below (a bug in models/services/checkins.py).
recent = st.integers(min_value=0, max_value=60 * 24 * (OPENED_DAYS_AGO - 1)).map(
    lambda m: utcnow() - timedelta(minutes=m))
zones = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
when = st.one_of(
    recent,
    recent.map(lambda d: d.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=-7)))),
    st.datetimes(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones),
    st.sampled_from([datetime.min, datetime.max, utcnow() + timedelta(days=400)]),
    st.none(),
    not_text,
)
codes_or_junk = st.one_of(
    st.lists(st.sampled_from(ITEMS), max_size=4),
    st.lists(st.one_of(st.sampled_from(ITEMS), any_text), max_size=3),
    st.lists(not_text, max_size=2), any_text, not_text,
)
resources_or_junk = st.one_of(
    st.lists(st.sampled_from(RESOURCES), max_size=3, unique=True),
    st.lists(st.one_of(st.sampled_from(RESOURCES), any_text), max_size=3),
    not_text, any_text,
)
notes = st.one_of(
    st.just(""), any_text, st.just("x" * (NOTE_MAX + 1)), st.just("Call her on 555-201-7788 tonight."),
    st.just("<script>alert(1)</script> said she felt safer"), st.just("note\x00with a NUL"), not_text,
)
choice = st.one_of(st.sampled_from(["phone", "in-person", "video"]), any_text, not_text)
harm = st.one_of(st.sampled_from(["none", "some", "unknown"]), any_text, not_text)
concern = st.one_of(st.sampled_from(["low", "moderate", "high", "immediate"]), any_text, not_text)


@pytest.fixture
def world(db, content):  # type: ignore[no-untyped-def]
    """Ada and Bo with one open client each (opened a month ago), a supervisor, and one saved check-in each."""
    world = make_people(db, "ada", "bo", "sam")
    (world.mine, first), (world.theirs, bos) = (
        client_with_check_in(db, who, content, days_ago=OPENED_DAYS_AGO, occurred_at=utcnow() - timedelta(days=2),
                             concern="low") for who in (world.ada, world.bo))
    world.first, world.bos = first.id, bos.id
    return world


def _form(client: object, occurred_at: object, contact_mode: object, harm_contact: object, concern_: object,
          items: object, offered: object, accepted: object, note: object, next_due_at: object) -> CheckInForm:
    return CheckInForm(client=client, occurred_at=occurred_at, contact_mode=contact_mode,  # type: ignore[arg-type]
                       harm_contact=harm_contact, concern=concern_, items=items,  # type: ignore[arg-type]
                       referrals_offered=offered, referrals_accepted=accepted, note=note,  # type: ignore[arg-type]
                       next_due_at=next_due_at)  # type: ignore[arg-type]


def _check_refusal(refused: ValidationFailed) -> None:
    assert refused.errors
    assert set(refused.errors) <= {"client", "occurred_at", "contact_mode", "items", "harm_contact", "concern",
                                   "referrals", "note", "next_due_at", "form", "version"}
    assert all(isinstance(m, str) and m.strip() for m in refused.errors.values())


FIELD_OF = {"occurred_at": "occurred_at", "contact_mode": "contact_mode", "harm_contact": "harm_contact",
            "concern": "concern", "items": "items", "offered": "referrals", "accepted": "referrals", "note": "note",
            "next_due_at": "next_due_at", "key": "form"}
JUNK = {
    "occurred_at": when, "contact_mode": choice, "harm_contact": harm, "concern": concern, "items": codes_or_junk,
    "offered": resources_or_junk, "accepted": resources_or_junk, "note": notes,
    "next_due_at": st.one_of(when, recent.map(lambda d: d + timedelta(days=3))),
    "key": st.one_of(any_text.filter(lambda k: "\x00" not in k), not_text),
}
plain_note = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.'<>/&;", max_size=200)


@DB_SETTINGS
@given(data=st.data())
def test_record_check_in_saves_exactly_the_form_or_refuses_with_nothing_saved(db, content, world, data) -> None:  # type: ignore[no-untyped-def]
    """A valid form with none, one or two fields spoiled: a refusal names only spoiled fields and saves nothing;
    a save stores exactly the chosen items, referrals and note. (A NUL in the key has its own test.)"""
    offered = data.draw(st.lists(st.sampled_from(RESOURCES), max_size=3, unique=True), label="valid offered")
    valid = {
        "occurred_at": data.draw(recent, label="valid occurred_at"),
        "contact_mode": data.draw(st.sampled_from(["phone", "in-person", "video", "text", "chat"])),
        "harm_contact": data.draw(st.sampled_from(["none", "some", "frequent", "lives-with", "unknown"])),
        "concern": data.draw(st.sampled_from(["low", "moderate", "high", "immediate"])),
        "items": data.draw(st.lists(st.sampled_from(ITEMS), max_size=5), label="valid items"),
        "offered": offered,
        "accepted": data.draw(st.lists(st.sampled_from(offered), unique=True) if offered else st.just([])),
        "note": data.draw(plain_note, label="valid note"),
        "next_due_at": None,
        "key": uuid.uuid4().hex,
    }
    f, spoiled = corrupt(data, valid, JUNK)
    form = _form(world.mine, f["occurred_at"], f["contact_mode"], f["harm_contact"], f["concern"], f["items"],
                 f["offered"], f["accepted"], f["note"], f["next_due_at"])
    before = counts(db)
    with db.reading() as s:
        again = storable(f["key"]) and s.scalar(select(CheckIn.id).where(CheckIn.submission_key == f["key"])) \
            is not None
    try:
        view = record_check_in(db, world.ada, content, form, submission_key=f["key"])
    except ValidationFailed as refused:
        event("refused")
        _check_refusal(refused)
        assert set(refused.errors) <= {FIELD_OF[name] for name in spoiled}, (refused.errors, spoiled)
        assert counts(db) == before
        return
    event("saved")
    after = counts(db)
    if again:  # the same key drawn twice: the first save is handed back and nothing more is stored
        assert after == before
        return
    assert after["check_ins"] == before["check_ins"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    assert isinstance(f["key"], str) and 8 <= len(f["key"]) <= 64
    items = f["items"] or []
    assert set(view.items) == {i.strip() for i in items if i.strip()}
    assert after["check_in_items"] == before["check_in_items"] + len(view.items)
    assert set(view.items) <= set(ITEMS) and set(view.referrals_offered) <= set(RESOURCES)
    assert set(view.referrals_accepted) <= set(view.referrals_offered)
    assert view.note == (f["note"] or "").replace("\r\n", "\n").strip()
    assert len(view.note) <= NOTE_MAX
    assert view.next_due_at is not None and view.next_due_at > view.occurred_at
    assert get_check_in(db, world.ada, view.id).note == view.note  # what was saved reads back the same


@DB_SETTINGS
@given(code=any_code, use_bos=st.booleans())
@example(code="%", use_bos=False)
@example(code="K7F\x003QX", use_bos=False)
def test_a_check_in_for_someone_elses_or_an_unknown_code_is_refused_and_audited(
        db, content, world, code: str, use_bos: bool) -> None:  # type: ignore[no-untyped-def]
    target = world.theirs if use_bos else code
    with db.reading() as s:
        mine = set(s.scalars(select(Client.code).where(Client.advocate_id == world.ada.user_id)))
    if isinstance(target, str) and target.strip().upper() in mine:
        return
    form = CheckInForm(client=target, occurred_at=utcnow() - timedelta(hours=1), contact_mode="phone",
                       harm_contact="none", concern="low")
    before, mark = data_counts(db), last_audit_id(db)
    with pytest.raises(PermissionDenied) as refused:
        record_check_in(db, world.ada, content, form, submission_key=uuid.uuid4().hex)
    assert str(refused.value) == NOT_AVAILABLE
    assert [e.action for e in denied_since(db, mark)] == ["check_in_recorded"]
    assert data_counts(db) == before


def _snapshot(db, check_in_id: int) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    with db.reading() as s:
        row = s.get(CheckIn, check_in_id)
        assert row is not None
        return (row.version, row.occurred_at, row.contact_mode, row.concern, row.note, row.next_due_at,
                tuple(sorted(i.code for i in row.items)), tuple(sorted(r.resource_code for r in row.referrals)))


@DB_SETTINGS
@given(occurred_at=when, contact_mode=choice, concern_=concern, items=codes_or_junk, offered=resources_or_junk,
       note=notes, client=st.one_of(st.just("mine"), st.just("theirs"), any_code),
       expected_version=st.one_of(st.just("current"), st.integers(), not_text))
@example(occurred_at=datetime.min, contact_mode="phone", concern_="low", items=[], offered=[], note="",
         client="mine", expected_version="current")
def test_correct_check_in_changes_exactly_the_form_or_nothing(
        db, content, world, occurred_at, contact_mode, concern_, items, offered, note, client,
        expected_version) -> None:  # type: ignore[no-untyped-def]
    """A correction with junk is refused with the check-in untouched; moving it to another code is refused."""
    current = get_check_in(db, world.ada, world.first)
    code = {"mine": world.mine, "theirs": world.theirs}.get(client, client)
    version = current.version if expected_version == "current" else expected_version
    form = _form(code, occurred_at, contact_mode, current.harm_contact, concern_, items, offered, [], note, None)
    before, snap = counts(db), _snapshot(db, world.first)
    try:
        view = correct_check_in(db, world.ada, content, world.first, form, expected_version=version)
    except (ValidationFailed, EditConflict) as refused:
        _check_refusal(refused)
        assert counts(db) == before and _snapshot(db, world.first) == snap
        return
    assert version == current.version
    assert code == world.mine or (isinstance(code, str) and code.replace("-", "").upper()
                                  == world.mine.replace("-", ""))
    if view.version == current.version:  # nothing a person can see changed: nothing written
        assert counts(db) == before
    else:
        assert view.version == current.version + 1
        assert counts(db)["check_in_revisions"] == before["check_in_revisions"] + 1


@DB_SETTINGS
@given(check_in_id=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), any_text,
                             not_text.filter(lambda v: not isinstance(v, int)), st.just("bos")))
def test_someone_elses_check_in_id_is_refused_like_a_missing_one(db, content, world, check_in_id) -> None:  # type: ignore[no-untyped-def]
    """Bo's check-in id and ids that do not exist give Ada the same refusal, audited; nothing changes. (Bools have
    their own test below.)"""
    target = world.bos if check_in_id == "bos" else check_in_id
    if type(target) is int and target == world.first:
        return
    form = CheckInForm(client=world.mine, occurred_at=utcnow() - timedelta(hours=1), contact_mode="phone",
                       harm_contact="none", concern="high")
    refused_alike(db, (lambda: get_check_in(db, world.ada, target), lambda: check_in_history(db, world.ada, target),
                       lambda: correct_check_in(db, world.ada, content, target, form, expected_version=1)),
                  NOT_AVAILABLE)


@pytest.mark.parametrize("check_in_id", [2**63, 2**70])
def test_a_check_in_id_beyond_any_column_is_refused_not_crashed(db, content, world, check_in_id: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        get_check_in(db, world.ada, check_in_id)


@pytest.mark.parametrize("check_in_id", [True])
def test_a_bool_is_not_a_check_in_id(db, content, world, check_in_id: bool) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        get_check_in(db, world.ada, check_in_id)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        check_in_history(db, world.ada, check_in_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("check_in_id", [2**31, 2**40, False])
def test_a_check_in_id_postgresql_cannot_compare_is_refused(db, content, world, backend: str,
                                                              request: pytest.FixtureRequest, check_in_id: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        get_check_in(db, world.ada, check_in_id)


@pytest.mark.parametrize("occurred_at", [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
                                         datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))])
def test_an_aware_time_at_the_calendars_edge_is_refused_not_crashed(db, content, world, occurred_at) -> None:  # type: ignore[no-untyped-def]
    form = CheckInForm(client=world.mine, occurred_at=occurred_at, contact_mode="phone", harm_contact="none",
                       concern="low")
    before = counts(db)
    try:
        with pytest.raises(ValidationFailed) as refused:
            record_check_in(db, world.ada, content, form, submission_key=uuid.uuid4().hex)
        assert set(refused.value.errors) == {"occurred_at"}
    finally:
        assert counts(db) == before


def test_a_submission_key_with_a_nul_is_refused_not_crashed(db, content, world, backend: str,
                                                            request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    form = CheckInForm(client=world.mine, occurred_at=utcnow() - timedelta(hours=1), contact_mode="phone",
                       harm_contact="none", concern="low")
    before = counts(db)
    try:
        record_check_in(db, world.ada, content, form, submission_key="key\x00" * 3)
    except ValidationFailed as refused:
        assert set(refused.errors) == {"form"}
        assert counts(db) == before
    else:  # SQLite stores it; the save is whole
        assert counts(db)["check_ins"] == before["check_ins"] + 1


# --------------------------------------------------------------------------- safety plans


@DB_SETTINGS
@given(changes=st.one_of(
    st.dictionaries(st.sampled_from(STEPS), st.booleans(), max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(STEPS), any_text), st.one_of(st.booleans(), not_text, any_text),
                    max_size=3),
    not_text, any_text))
@example(changes={"<script>alert(1)</script>": True})
@example(changes={STEPS[0]: "yes"})
@example(changes={STEPS[0]: 1})
@example(changes=[STEPS[0]])
def test_safety_plan_changes_save_whole_or_not_at_all(db, content, world, changes) -> None:  # type: ignore[no-untyped-def]
    before_plan = safety_plan(db, world.ada, content, world.mine).in_place_codes()
    before = counts(db)
    try:
        view = update_safety_plan(db, world.ada, content, world.mine, changes)
    except ValidationFailed as refused:
        assert set(refused.errors) == {"steps"}
        assert "<script" not in refused.errors["steps"] and "\x00" not in refused.errors["steps"]
        assert counts(db) == before
        assert safety_plan(db, world.ada, content, world.mine).in_place_codes() == before_plan
        return
    assert isinstance(changes, dict) and set(changes) <= set(STEPS)
    assert all(type(v) is bool for v in changes.values())
    now_in_place = set(view.in_place_codes())
    for step, wanted in changes.items():
        assert (step in now_in_place) == wanted


@DB_SETTINGS
@given(code=any_code, use_bos=st.booleans())
def test_every_record_service_refuses_someone_elses_or_an_unknown_code_alike(db, content, world, code, use_bos) -> None:  # type: ignore[no-untyped-def]
    target = world.theirs if use_bos else code
    if isinstance(target, str) and target.strip().upper() == world.mine:
        return
    refused_alike(db, (lambda: update_safety_plan(db, world.ada, content, target, {STEPS[0]: True}),
                       lambda: safety_plan(db, world.ada, content, target),
                       lambda: build_handout(db, world.ada, content, target, resource_codes=RESOURCES[:1],
                                             recognisable_ok=True),
                       lambda: suggested_numbers(db, world.ada, content, target),
                       lambda: client_timeline(db, world.ada, content, target),
                       lambda: current_check_in(db, world.ada, target),
                       lambda: mark_referrals_offered(db, world.ada, content, target, RESOURCES[:1],
                                                      check_in_id=world.bos, expected_version=1)),
                  NOT_AVAILABLE)


def test_a_supervisor_cannot_change_a_plan_even_with_a_real_code(db, content, world) -> None:  # type: ignore[no-untyped-def]
    before, mark = data_counts(db), last_audit_id(db)
    with pytest.raises(PermissionDenied):
        update_safety_plan(db, world.sam, content, world.mine, {STEPS[0]: True})
    assert data_counts(db) == before and len(denied_since(db, mark)) == 1


# --------------------------------------------------------------------------- referrals and the handout


@DB_SETTINGS
@given(resource_codes=resources_or_junk,
       check_in_id=st.one_of(st.just("latest"), st.integers(min_value=-5, max_value=2**31 - 1), not_text),
       expected_version=st.one_of(st.just("current"), st.integers(), not_text))
def test_marking_referrals_offered_saves_whole_or_not_at_all(db, content, world, resource_codes, check_in_id,
                                                             expected_version) -> None:  # type: ignore[no-untyped-def]
    current = get_check_in(db, world.ada, world.first)
    target = world.first if check_in_id == "latest" else check_in_id
    version = current.version if expected_version == "current" else expected_version
    # Reading the check-in to add to it is an audited view, so only the data tables must stay as they were.
    before, snap = data_counts(db), _snapshot(db, world.first)
    try:
        view = mark_referrals_offered(db, world.ada, content, world.mine, resource_codes, check_in_id=target,
                                      expected_version=version)
    except (ValidationFailed, EditConflict) as refused:
        assert set(refused.errors) <= {"referrals", "check_in", "version"} and refused.errors
        assert all("\x00" not in m and "<script" not in m for m in refused.errors.values())
        assert data_counts(db) == before
        assert _snapshot(db, world.first) == snap
        return
    assert isinstance(resource_codes, (list, tuple)) and target == world.first
    assert {c for c in resource_codes if c} <= set(view.referrals_offered)


@DB_SETTINGS
@given(resource_codes=resources_or_junk, full_names=st.one_of(st.booleans(), not_text))
def test_handout_builds_from_listed_numbers_or_refuses(db, content, world, resource_codes, full_names) -> None:  # type: ignore[no-untyped-def]
    before = data_counts(db)
    try:
        handout = build_handout(db, world.ada, content, world.mine, resource_codes=resource_codes,
                                full_names=full_names)
    except ValidationFailed as refused:
        assert set(refused.errors) == {"numbers"}
        assert "<script" not in refused.errors["numbers"] and "\x00" not in refused.errors["numbers"]
    else:
        assert isinstance(resource_codes, (list, tuple)) and set(resource_codes) <= set(RESOURCES)
        chosen = [r for r in SHIPPED.resources if r.code in set(resource_codes)]
        assert len(chosen) <= MAX_PRINTED_NUMBERS and not any(r.recognisable for r in chosen)
        assert handout.numbers == len(printable_numbers(chosen)) and "<script" not in handout.html.lower()
        assert world.mine not in handout.html  # no client code on the page
    assert data_counts(db) == before

