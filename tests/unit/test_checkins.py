"""Check-ins: validation, idempotent saves, one transaction with the audit, corrections with history."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services import audit, checkins
from models.services.checkins import (
    CheckInForm,
    EditConflict,
    NoteHasIdentifiers,
    check_in_history,
    client_timeline,
    correct_check_in,
    default_next_due,
    get_check_in,
    record_check_in,
)
from models.services.clients import close_client, get_client, reassign_client
from models.store.entities import CheckIn, CheckInItem, CheckInReferral, CheckInRevision
from tests.unit.helpers import calm_items, checkin_form, events, immediate_items, key, new_client, row_counts

PHONE_NOTE = "She said to call her sister at 555-201-7788 after six."


@pytest.fixture
def codes(content):
    """Item and resource codes taken from the content, so the tests follow the real files."""
    immediate = set(immediate_items(content))
    sections = list(content.checklist.checkin_sections())
    per_section = [[i.code for i in sec.items if i.code not in immediate] for sec in sections]
    return SimpleNamespace(
        calm=calm_items(content),
        immediate=immediate_items(content),
        sections=[sec.code for sec in sections],
        first_of=[items[0] for items in per_section if items],
        resources=[r.code for r in content.resources],
    )


@pytest.fixture
def client(db, people, content):
    """Opened 60 days ago here (the shared fixture's client is 30 days old)."""
    return new_client(db, people.ada, content, days_ago=60).code


# --------------------------------------------------------------------------- saving


def test_a_check_in_is_saved_with_what_follows_from_it(db, people, content, codes, client):
    when = utcnow().replace(microsecond=0) - timedelta(hours=2)
    items = codes.calm[:3]
    saved = record_check_in(db, people.ada, content, checkin_form(
        client, occurred_at=when, items=items, concern="high", safety_planning=True,
        referrals_offered=codes.resources[:2], referrals_accepted=codes.resources[:1],
        note="Talked through the weekend plan."), submission_key=key())
    assert saved.client_code == client and saved.occurred_at == when
    assert saved.items == tuple(sorted(items)) and saved.sign_count == 3
    assert saved.needs_attention is False and saved.concern_rank == 3
    assert saved.checklist_version == content.checklist.version
    assert saved.referrals_offered == tuple(sorted(codes.resources[:2]))
    assert saved.referrals_accepted == (codes.resources[0],)
    assert saved.next_due_at == when + timedelta(days=3)
    assert saved.version == 1 and not saved.corrected and saved.recorded_by == "Ada"
    assert get_client(db, people.ada, client).next_due_at == saved.next_due_at
    [event] = events(db, "check_in_recorded")
    assert event.target == client and event.outcome == "ok" and "weekend" not in (event.detail or "")


@pytest.mark.parametrize(("concern", "days"), [("immediate", 1), ("high", 3), ("moderate", 7), ("low", 14)])
def test_default_next_due_comes_sooner_the_higher_the_concern(concern, days):
    at = datetime(2025, 3, 1, 10, 30)
    assert default_next_due(at, concern) == at + timedelta(days=days)


def test_an_item_needing_an_immediate_response_flags_the_check_in(db, people, content, codes, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client, items=[codes.immediate[0]], concern="low"),
                            submission_key=key())
    assert saved.needs_attention is True
    by_concern = record_check_in(db, people.ada, content, checkin_form(client, concern="immediate"),
                                 submission_key=key())
    assert by_concern.needs_attention is True and by_concern.sign_count == 0


def test_the_client_is_next_due_when_the_latest_contact_says(db, people, content, client):
    now = utcnow().replace(microsecond=0)
    latest = record_check_in(db, people.ada, content, checkin_form(
        client, occurred_at=now - timedelta(days=1), next_due_at=now + timedelta(days=10)), submission_key=key())
    # An earlier contact written up later does not move the due date back.
    record_check_in(db, people.ada, content, checkin_form(client, occurred_at=now - timedelta(days=5), concern="high"),
                    submission_key=key())
    assert get_client(db, people.ada, client).next_due_at == latest.next_due_at


def test_every_problem_is_reported_at_once_and_nothing_is_saved(db, people, content, client):
    before = row_counts(db)
    with pytest.raises(ValidationFailed) as failed:
        record_check_in(db, people.ada, content, CheckInForm(
            client=client, occurred_at=None, contact_mode="carrier pigeon", harm_contact="maybe",
            concern="extreme", items=["no-such-item"], referrals_offered=["no-such-resource"],
            note="x" * 4001, next_due_at=utcnow() - timedelta(days=400)), submission_key=key())
    errors = failed.value.errors
    assert set(errors) == {"occurred_at", "contact_mode", "harm_contact", "concern", "items", "referrals", "note"}
    assert "4,000" in errors["note"] and "no-such-item" in errors["items"]
    assert not isinstance(failed.value, NoteHasIdentifiers)
    assert row_counts(db) == before


def test_a_time_in_the_future_is_refused_but_a_small_clock_difference_is_not(db, people, content, client):
    with pytest.raises(ValidationFailed) as failed:
        record_check_in(db, people.ada, content, checkin_form(client, occurred_at=utcnow() + timedelta(hours=2)),
                        submission_key=key())
    assert set(failed.value.errors) == {"occurred_at"} and "future" in failed.value.errors["occurred_at"]
    saved = record_check_in(db, people.ada, content, checkin_form(client, occurred_at=utcnow() + timedelta(minutes=3)),
                            submission_key=key())
    assert saved.id


def test_a_contact_before_the_client_was_opened_is_refused(db, people, content, client):
    opened = get_client(db, people.ada, client).opened_on
    early = datetime.combine(opened - timedelta(days=3), datetime.min.time()).replace(hour=12)
    with pytest.raises(ValidationFailed) as failed:
        record_check_in(db, people.ada, content, checkin_form(client, occurred_at=early), submission_key=key())
    assert set(failed.value.errors) == {"occurred_at"}
    assert "before" in failed.value.errors["occurred_at"]


def test_the_next_check_in_must_follow_and_be_within_a_year(db, people, content, client):
    when = utcnow().replace(microsecond=0) - timedelta(hours=1)
    for next_due, words in ((when - timedelta(minutes=1), "after"), (when + timedelta(days=400), "year")):
        with pytest.raises(ValidationFailed) as failed:
            record_check_in(db, people.ada, content, checkin_form(client, occurred_at=when, next_due_at=next_due),
                            submission_key=key())
        assert set(failed.value.errors) == {"next_due_at"} and words in failed.value.errors["next_due_at"]


def test_a_referral_taken_up_must_have_been_offered(db, people, content, codes, client):
    with pytest.raises(ValidationFailed) as failed:
        record_check_in(db, people.ada, content, checkin_form(
            client, referrals_offered=codes.resources[:1], referrals_accepted=codes.resources[1:2]),
            submission_key=key())
    assert set(failed.value.errors) == {"referrals"} and "offered" in failed.value.errors["referrals"]


def test_a_closed_client_takes_no_new_check_ins(db, people, content, client):
    close_client(db, people.ada, client, reason="goals_met")
    with pytest.raises(ValidationFailed) as failed:
        record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    assert "closed" in failed.value.errors["client"] and "Reopen" in failed.value.errors["client"]


# --------------------------------------------------------------------------- idempotency


def test_the_same_submission_saves_once(db, people, content, client):
    submission = key()
    first = record_check_in(db, people.ada, content, checkin_form(client), submission_key=submission)
    again = record_check_in(db, people.ada, content, checkin_form(client, concern="high"), submission_key=submission)
    assert again.id == first.id and again.concern == "moderate"
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert len(events(db, "check_in_recorded")) == 1


def test_a_resubmission_that_races_past_the_first_look_hits_the_unique_key(db, people, content, client,
                                                                          monkeypatch):
    submission = key()
    first = record_check_in(db, people.ada, content, checkin_form(client), submission_key=submission)
    real = checkins._existing
    looks = {"n": 0}

    def racing(*args, **kwargs):
        # The first look misses, as when two requests arrive together; the look after the clash finds it.
        looks["n"] += 1
        return None if looks["n"] == 1 else real(*args, **kwargs)

    monkeypatch.setattr(checkins, "_existing", racing)
    again = record_check_in(db, people.ada, content, checkin_form(client), submission_key=submission)
    assert again.id == first.id
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_double_click_from_two_threads_saves_once(db, people, content, client):
    submission = key()
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            results.append(record_check_in(db, people.ada, content, checkin_form(client), submission_key=submission).id)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4 and len(set(results)) == 1
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1


# --------------------------------------------------------------------------- notes


def test_a_note_with_a_phone_number_is_refused_and_nothing_is_saved(db, people, content, codes, client):
    before = row_counts(db)
    with pytest.raises(NoteHasIdentifiers) as failed:
        record_check_in(db, people.ada, content, checkin_form(client, items=codes.calm[:2], note=PHONE_NOTE,
                                                              referrals_offered=codes.resources[:1]),
                        submission_key=key())
    assert isinstance(failed.value, ValidationFailed)
    assert set(failed.value.errors) == {"note"} and "phone number" in failed.value.errors["note"]
    assert failed.value.findings and any("555" in f.text for f in failed.value.findings)
    # The number itself is never repeated in the message.
    assert "555" not in failed.value.errors["note"]
    assert row_counts(db) == before


def test_identifiers_in_the_note_are_reported_with_the_other_problems(db, people, content, client):
    with pytest.raises(NoteHasIdentifiers) as failed:
        record_check_in(db, people.ada, content, checkin_form(client, concern="extreme", note=PHONE_NOTE),
                        submission_key=key())
    assert set(failed.value.errors) == {"note", "concern"}


def test_a_hotline_number_in_a_note_is_not_an_identifier(db, people, content, client):
    numbers = [r.phone.number for r in content.resources if getattr(r, "phone", None)]
    saved = record_check_in(db, people.ada, content, checkin_form(client, note=f"Gave the number {numbers[0]} again."),
                            submission_key=key())
    assert numbers[0] in saved.note


# --------------------------------------------------------------------------- one transaction


def test_the_save_and_its_audit_event_commit_together(db, people, content, codes, client, monkeypatch):
    due_before = get_client(db, people.ada, client).next_due_at
    before = row_counts(db)

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        record_check_in(db, people.ada, content, checkin_form(client, items=codes.calm[:2],
                                                              referrals_offered=codes.resources[:1]),
                        submission_key=key())
    monkeypatch.undo()
    assert row_counts(db) == before
    assert get_client(db, people.ada, client).next_due_at == due_before


# --------------------------------------------------------------------------- permissions


def _denied(db, actor) -> list[tuple[str, str | None]]:
    return [(e.action, e.target) for e in events(db, outcome="denied") if e.actor_id == actor.user_id]


def test_another_advocate_is_refused_every_service_and_each_refusal_is_audited(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    calls = {
        "check_in_recorded": lambda: record_check_in(db, people.bo, content, checkin_form(client),
                                                     submission_key=key()),
        "check_in_corrected": lambda: correct_check_in(db, people.bo, content, saved.id,
                                                       checkin_form(client, concern="high"), expected_version=1),
        "client_viewed": lambda: client_timeline(db, people.bo, content, client),
    }
    for action, call in calls.items():
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert client not in str(refused.value)
        assert (action, client) in _denied(db, people.bo)
    for call in (lambda: check_in_history(db, people.bo, saved.id), lambda: get_check_in(db, people.bo, saved.id)):
        with pytest.raises(PermissionDenied):
            call()
    assert len(_denied(db, people.bo)) == 5
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert s.get(CheckIn, saved.id).version == 1


def test_a_resubmitted_key_shows_nothing_to_someone_else(db, people, content, client):
    submission = key()
    record_check_in(db, people.ada, content, checkin_form(client), submission_key=submission)
    with pytest.raises(PermissionDenied):
        record_check_in(db, people.bo, content, checkin_form(client), submission_key=submission)


def test_supervisors_read_but_do_not_record_and_admins_do_neither(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    timeline = client_timeline(db, people.sam, content, client)
    assert [c.id for c in timeline.check_ins] == [saved.id]
    assert check_in_history(db, people.sam, saved.id) == []
    with pytest.raises(PermissionDenied) as refused:
        record_check_in(db, people.sam, content, checkin_form(client), submission_key=key())
    assert "advocate" in str(refused.value)
    for call in (lambda: record_check_in(db, people.alex, content, checkin_form(client), submission_key=key()),
                 lambda: client_timeline(db, people.alex, content, client),
                 lambda: get_check_in(db, people.alex, saved.id)):
        with pytest.raises(PermissionDenied):
            call()
    assert ("check_in_recorded", client) in _denied(db, people.sam)
    assert len(_denied(db, people.alex)) == 3


def test_after_reassignment_the_new_advocate_writes_and_the_old_one_cannot(db, people, content, client):
    record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    reassign_client(db, people.sam, client, people.bo.user_id)
    assert record_check_in(db, people.bo, content, checkin_form(client), submission_key=key()).recorded_by == "Bo"
    with pytest.raises(PermissionDenied):
        record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())


# --------------------------------------------------------------------------- corrections


def test_a_correction_keeps_the_earlier_version_whole(db, people, content, codes, client):
    saved = record_check_in(db, people.ada, content, checkin_form(
        client, items=codes.calm[:2], referrals_offered=codes.resources[:1], note="First words."),
        submission_key=key())
    edited = replace(CheckInForm.from_view(saved), items=codes.calm[1:4], concern="high", note="Better words.")
    fixed = correct_check_in(db, people.ada, content, saved.id, edited, expected_version=1)
    assert fixed.id == saved.id and fixed.version == 2 and fixed.corrected
    assert fixed.items == tuple(sorted(codes.calm[1:4])) and fixed.sign_count == 3
    assert fixed.updated_by == "Ada" and fixed.updated_at is not None and fixed.note == "Better words."
    with db.reading() as s:
        [revision] = s.scalars(select(CheckInRevision)).all()
        assert revision.version == 1 and revision.replaced_by == people.ada.user_id
        snap = revision.snapshot
        assert snap["items"] == sorted(codes.calm[:2])
        assert snap["note"] != "First words." and db.notes.decrypt(snap["note"]) == "First words."  # encrypted
        assert snap["referrals_offered"] == codes.resources[:1] and snap["concern"] == "moderate"
        assert s.scalar(select(func.count()).select_from(CheckInItem)) == 3
    [history] = check_in_history(db, people.ada, saved.id)
    assert history.version == 2 and history.changed_by == "Ada"
    assert abs(history.changed_at - utcnow()) < timedelta(minutes=1)
    changed = {c.field: (c.before, c.after) for c in history.changes}
    assert set(changed) == {"items", "concern", "note"}
    assert changed["concern"] == ("moderate", "high") and changed["note"] == ("First words.", "Better words.")
    assert history.previous["items"] == sorted(codes.calm[:2])
    assert [e.target for e in events(db, "check_in_corrected")] == [client]


def test_two_corrections_each_show_what_they_changed(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    v2 = correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                          contact_mode="video"), expected_version=1)
    correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                     contact_mode="video", concern="low"), expected_version=v2.version)
    history = check_in_history(db, people.ada, saved.id)
    assert [h.version for h in history] == [2, 3]
    assert [[c.field for c in h.changes] for h in history] == [["contact_mode"], ["concern", "next_due_at"]]


def test_a_stale_correction_is_refused_and_changes_nothing(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                     concern="high"), expected_version=1)
    with pytest.raises(EditConflict) as stale:
        correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                         concern="low"), expected_version=1)
    assert "Someone else corrected" in stale.value.errors["version"]
    assert get_check_in(db, people.ada, saved.id).concern == "high"
    assert len(check_in_history(db, people.ada, saved.id)) == 1


def test_a_correction_that_changes_nothing_keeps_the_version(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    same = correct_check_in(db, people.ada, content, saved.id, CheckInForm.from_view(saved), expected_version=1)
    assert same.version == 1 and check_in_history(db, people.ada, saved.id) == []


def test_a_correction_is_validated_and_screened_like_a_new_check_in(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    before = row_counts(db)
    with pytest.raises(NoteHasIdentifiers):
        correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                         note=PHONE_NOTE), expected_version=1)
    with pytest.raises(ValidationFailed) as moved:
        correct_check_in(db, people.ada, content, saved.id, checkin_form("ZZZ-ZZZ", occurred_at=saved.occurred_at,
                         contact_mode="fax"), expected_version=1)
    assert set(moved.value.errors) == {"client", "contact_mode"}
    assert row_counts(db) == before


def test_a_correction_moves_the_clients_due_date(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    fixed = correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                             concern="immediate"), expected_version=1)
    assert fixed.next_due_at == saved.occurred_at + timedelta(days=1)
    assert get_client(db, people.ada, client).next_due_at == fixed.next_due_at


# --------------------------------------------------------------------------- timeline


def test_the_timeline_shows_every_check_in_in_order_and_which_signs_persist(db, people, content, codes, client):
    a, b, c = codes.first_of[0], codes.calm[1], codes.first_of[-1]
    now = utcnow().replace(microsecond=0)
    second = record_check_in(db, people.ada, content, checkin_form(client, occurred_at=now - timedelta(days=10),
                             items=[a, c]), submission_key=key())
    first = record_check_in(db, people.ada, content, checkin_form(client, occurred_at=now - timedelta(days=20),
                            items=[a, b], note="Quiet call."), submission_key=key())
    third = record_check_in(db, people.ada, content, checkin_form(client, occurred_at=now - timedelta(days=1)),
                            submission_key=key())
    timeline = client_timeline(db, people.ada, content, client)
    assert timeline.client.code == client and timeline.client.advocate_name == "Ada"
    assert [v.id for v in timeline.check_ins] == [first.id, second.id, third.id]
    assert timeline.check_ins[0].note == "Quiet call."
    assert timeline.grid[a] == {first.id: True, second.id: True, third.id: False}
    assert timeline.grid[b] == {first.id: True, second.id: False, third.id: False}
    assert timeline.grid[c] == {first.id: False, second.id: True, third.id: False}
    assert set(timeline.grid) == {a, b, c}
    # One chart row per check-in and section, zeros included.
    assert len(timeline.chart) == 3 * len(codes.sections)
    per = {(r["check_in_id"], r["section"]): r["count"] for r in timeline.chart}
    assert sum(n for (cid, _), n in per.items() if cid == first.id) == 2
    assert sum(n for (cid, _), n in per.items() if cid == third.id) == 0
    assert {r["date"] for r in timeline.chart} == {v.occurred_at.date() for v in timeline.check_ins}
    assert all(isinstance(r["date"], date) for r in timeline.chart)


def test_every_view_of_a_record_is_audited(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client), submission_key=key())
    client_timeline(db, people.ada, content, client)
    client_timeline(db, people.sam, content, client)
    get_check_in(db, people.ada, saved.id)
    check_in_history(db, people.ada, saved.id)
    viewed = events(db, "client_viewed")
    assert [(e.actor_id, e.target, e.outcome) for e in viewed] == [
        (people.ada.user_id, client, "ok"), (people.sam.user_id, client, "ok"),
        (people.ada.user_id, client, "ok"), (people.ada.user_id, client, "ok")]


def test_no_note_text_reaches_the_audit_log(db, people, content, client):
    saved = record_check_in(db, people.ada, content, checkin_form(client, note="Walked to the park together."),
                            submission_key=key())
    correct_check_in(db, people.ada, content, saved.id, checkin_form(client, occurred_at=saved.occurred_at,
                     note="Walked to the library together."), expected_version=1)
    client_timeline(db, people.ada, content, client)
    for e in events(db):
        assert "park" not in (e.detail or "") and "library" not in (e.detail or "")


def test_referral_rows_follow_a_correction(db, people, content, codes, client):
    saved = record_check_in(db, people.ada, content, checkin_form(
        client, referrals_offered=codes.resources[:2], referrals_accepted=codes.resources[:1]),
        submission_key=key())
    fixed = correct_check_in(db, people.ada, content, saved.id, checkin_form(
        client, occurred_at=saved.occurred_at, referrals_offered=codes.resources[1:3],
        referrals_accepted=codes.resources[1:3]), expected_version=1)
    assert fixed.referrals_offered == tuple(sorted(codes.resources[1:3]))
    assert fixed.referrals_accepted == tuple(sorted(codes.resources[1:3]))
    with db.reading() as s:
        rows = s.execute(select(CheckInReferral.resource_code, CheckInReferral.accepted)).all()
    assert sorted(rows) == sorted((c, True) for c in codes.resources[1:3])
