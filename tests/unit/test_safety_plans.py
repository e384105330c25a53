"""Safety plans: the advocate ticks steps by stage, each change is kept with its date, supervisors read,
nobody else sees anything, and every view and change is audited with codes only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.clients import close_client
from models.services.safety_plans import ADVOCATE_KEEPS_PLAN, safety_plan, update_safety_plan
from models.store.entities import SafetyPlanStep
from tests.unit.helpers import count_rows, events

CODE_WORD = "while-staying.code-word"
BAG = "preparing.bag-ready"
NEW_NUMBER = "after-leaving.new-number"


def test_a_new_plan_has_every_stage_and_nothing_in_place(db, people, content, client):
    plan = safety_plan(db, people.ada, content, client)
    assert [s.code for s in plan.stages] == ["while-staying", "preparing", "leaving-day", "after-leaving"]
    assert plan.in_place_codes() == [] and plan.history == ()
    assert all(step.changed_at is None for stage in plan.stages for step in stage.steps)
    assert events(db, "client_viewed")[-1].detail == "safety plan"


def test_ticking_steps_records_who_and_when_and_the_history_keeps_every_change(db, people, content, client):
    before = utcnow().replace(microsecond=0)
    plan = update_safety_plan(db, people.ada, content, client, {CODE_WORD: True, BAG: True})
    assert plan.in_place_codes() == [CODE_WORD, BAG]
    step = plan.stages[0].steps[0]
    assert step.code == CODE_WORD and step.in_place and step.changed_by == "Ada"
    assert step.changed_at is not None and step.changed_at >= before - timedelta(seconds=1)
    assert plan.stages[1].in_place == 1

    plan = update_safety_plan(db, people.ada, content, client, {CODE_WORD: False, NEW_NUMBER: True})
    assert plan.in_place_codes() == [BAG, NEW_NUMBER]
    history = [(h.step_code, h.in_place) for h in plan.history]
    assert history[:2] == [(NEW_NUMBER, True), (CODE_WORD, False)] or history[:2] == [(CODE_WORD, False),
                                                                                       (NEW_NUMBER, True)]
    assert sorted(history[2:]) == [(BAG, True), (CODE_WORD, True)]
    assert plan.history[0].stage_title in ("While still in the relationship", "After leaving")
    assert count_rows(db, SafetyPlanStep) == 4
    again = safety_plan(db, people.sam, content, client)  # a supervisor reads the same plan and history
    assert again.in_place_codes() == [BAG, NEW_NUMBER] and len(again.history) == 4


def test_a_step_already_in_that_state_writes_nothing(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, {CODE_WORD: True})
    update_safety_plan(db, people.ada, content, client, {CODE_WORD: True, BAG: False})
    assert count_rows(db, SafetyPlanStep) == 1
    assert len(events(db, "safety_plan_changed")) == 1


def test_the_audit_names_no_steps(db, people, content, client):
    update_safety_plan(db, people.ada, content, client, {CODE_WORD: True, BAG: True})
    update_safety_plan(db, people.ada, content, client, {BAG: False})
    changed = events(db, "safety_plan_changed")
    assert [e.target for e in changed] == [client, client]
    assert changed[0].detail == "2 steps changed"  # issue 15: never which steps (an admin reads the audit log)
    assert changed[1].detail == "1 step changed"


def test_unknown_step_codes_save_nothing(db, people, content, client):
    with pytest.raises(ValidationFailed) as err:
        update_safety_plan(db, people.ada, content, client, {CODE_WORD: True, "while-staying.fly-away": True})
    assert "while-staying.fly-away" in err.value.errors["steps"]
    assert count_rows(db, SafetyPlanStep) == 0


def test_a_closed_file_cannot_change(db, people, content, client):
    close_client(db, people.ada, client, reason="goals_met")
    with pytest.raises(ValidationFailed, match="closed"):
        update_safety_plan(db, people.ada, content, client, {CODE_WORD: True})
    assert count_rows(db, SafetyPlanStep) == 0


def test_supervisors_read_but_do_not_change_and_the_refusal_is_audited(db, people, content, client):
    with pytest.raises(PermissionDenied, match=ADVOCATE_KEEPS_PLAN):
        update_safety_plan(db, people.sam, content, client, {CODE_WORD: True})
    assert count_rows(db, SafetyPlanStep) == 0
    refused = events(db, "safety_plan_changed")
    assert refused[-1].outcome == "denied" and refused[-1].target == client


@pytest.mark.parametrize("who", ["bo", "alex"])
def test_another_advocate_and_an_admin_neither_read_nor_change(db, people, content, client, who):
    actor = getattr(people, who)
    with pytest.raises(PermissionDenied):
        safety_plan(db, actor, content, client)
    with pytest.raises(PermissionDenied):
        update_safety_plan(db, actor, content, client, {CODE_WORD: True})
    assert count_rows(db, SafetyPlanStep) == 0
    assert [e.outcome for e in events(db, "client_viewed")] == ["denied"]


def test_an_unknown_code_gets_the_same_refusal_as_someone_elses_client(db, people, content, client):
    with pytest.raises(PermissionDenied) as unknown:
        safety_plan(db, people.bo, content, "ZZZ-ZZZ")
    with pytest.raises(PermissionDenied) as other:
        safety_plan(db, people.bo, content, client)
    assert str(unknown.value) == str(other.value)


def test_a_step_removed_from_the_guidance_stays_in_the_history(db, people, content, client):
    with db.writing() as s:
        from models.store.entities import Client
        client_id = s.scalar(select(Client.id).where(Client.code == client))
        s.add(SafetyPlanStep(client_id=client_id, step_code="while-staying.old-step", in_place=True,
                             guidance_version=0, changed_at=utcnow(), changed_by=people.ada.user_id))
    plan = safety_plan(db, people.ada, content, client)
    assert plan.in_place_codes() == []
    assert "earlier version of the guidance" in plan.history[0].label
