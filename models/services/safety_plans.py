"""A client's safety plan: which steps of the leaving guidance are in place, by stage, and when each changed.

Every change is a new row (models.entities.SafetyPlanStep), never an update, so the timeline can say when a step
was put in place or dropped, and by whom. Only the client's own advocate changes the plan; a supervisor reads it.
An unticked step is never a failing: the client decides which steps fit their life.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import shown_code
from models.base.timeutil import utcnow
from models.content.loader import Content
from models.rules.permissions import Actor, Permission, can
from models.services import audit
from models.services.clients import Access, AccessRefused, load_client, normalize_code, refusals_audited
from models.store.database import Database
from models.store.entities import Client, SafetyPlanStep, User

ADVOCATE_KEEPS_PLAN = N_("A safety plan is kept by the client's advocate. Supervisors can read it.")


@dataclass(frozen=True)
class StepState:
    code: str
    label: str
    in_place: bool
    changed_at: datetime | None  # when it last changed; None if never touched
    changed_by: str | None


@dataclass(frozen=True)
class StageState:
    code: str
    title: str
    steps: tuple[StepState, ...]

    @property
    def in_place(self) -> int:
        return sum(1 for s in self.steps if s.in_place)


@dataclass(frozen=True)
class PlanChange:
    """One entry of the plan's history, for the timeline."""

    step_code: str
    label: str
    stage_title: str
    in_place: bool
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class SafetyPlanView:
    client_code: str
    client_status: str
    stages: tuple[StageState, ...]
    history: tuple[PlanChange, ...]  # newest first

    def in_place_codes(self) -> list[str]:
        return [s.code for stage in self.stages for s in stage.steps if s.in_place]


def _rows(s: Session, client: Client) -> list[SafetyPlanStep]:
    return list(s.scalars(select(SafetyPlanStep).where(SafetyPlanStep.client_id == client.id)
                          .order_by(SafetyPlanStep.changed_at, SafetyPlanStep.id)))


def _current(rows: list[SafetyPlanStep]) -> dict[str, SafetyPlanStep]:
    latest: dict[str, SafetyPlanStep] = {}
    for row in rows:
        latest[row.step_code] = row
    return latest


def _view(s: Session, content: Content, client: Client, rows: list[SafetyPlanStep]) -> SafetyPlanView:
    guidance = content.guidance
    assert guidance is not None, "load_content always loads the guidance"
    ids = {r.changed_by for r in rows if r.changed_by is not None}
    names = {uid: name for uid, name in s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}
    latest = _current(rows)
    stages = []
    for stage in guidance.stages:
        steps = []
        for step in stage.steps:
            row = latest.get(step.code)
            steps.append(StepState(step.code, step.label, bool(row and row.in_place),
                                   row.changed_at if row else None,
                                   names.get(row.changed_by, "") if row and row.changed_by else None))
        stages.append(StageState(stage.code, stage.title, tuple(steps)))
    history = []
    for row in reversed(rows):
        try:
            step = guidance.step(row.step_code)
            label, stage_title = step.label, guidance.stage_of(row.step_code).title
        except KeyError:  # a step from an earlier version of the guidance keeps its place in the history
            # TRANSLATORS: {code} is a step's code, such as preparing.bag-ready.
            label, stage_title = _("{code} (from an earlier version of the guidance)").format(code=row.step_code), ""
        history.append(PlanChange(row.step_code, label, stage_title, bool(row.in_place), row.changed_at,
                                  names.get(row.changed_by, "") if row.changed_by else ""))
    return SafetyPlanView(client.code, client.status, tuple(stages), tuple(history))


def safety_plan(db: Database, actor: Actor, content: Content, code: str) -> SafetyPlanView:
    """The client's plan by stage with the date each step last changed, and its history. Audited as a view."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        client = load_client(s, actor, code, Access.READ)
        view = _view(s, content, client, _rows(s, client))
    audit.record_now(db, actor, "client_viewed", target_type="client", target=view.client_code,
                     detail="safety plan")
    return view


def update_safety_plan(db: Database, actor: Actor, content: Content, code: str,
                       changes: Mapping[str, bool]) -> SafetyPlanView:
    """Record the steps the advocate changed (step code -> in place). Steps already in that state are left alone,
    so two open tabs never undo each other's unrelated ticks. All or nothing; audited without the steps."""
    with refusals_audited(db, actor, "safety_plan_changed"):
        if can(actor, Permission.VIEW_ALL_CLIENTS) and not can(actor, Permission.WRITE_OWN_CLIENTS):
            raise AccessRefused("supervisor may not change a safety plan", target=normalize_code(code),
                                message=ADVOCATE_KEEPS_PLAN)
        with db.writing() as s:
            client = load_client(s, actor, code, Access.WRITE, lock=True)
            guidance = content.guidance
            assert guidance is not None
            known = set(guidance.all_codes())
            errors: dict[str, str] = {}
            if client.status != "open":
                errors["steps"] = _("This client's file is closed, so the plan cannot change. Reopen the file "
                                    "first.")
            if not isinstance(changes, Mapping):
                raise ValidationFailed({"steps": _("Tick the steps that are in place, then save.")})
            bad = list(dict.fromkeys(shown_code(c) for c, v in changes.items()
                                     if c not in known or not isinstance(v, bool)))
            if bad:
                errors["steps"] = _("These are not steps of the current guidance: {codes}. Reload the page and "
                                    "tick again.").format(codes=", ".join(bad[:5]))
            if errors:
                raise ValidationFailed(errors)
            rows = _rows(s, client)
            latest = _current(rows)
            now = utcnow()
            written = []
            for step_code in guidance.all_codes():  # guidance order, so the history reads in a sensible order
                if step_code not in changes:
                    continue
                wanted = changes[step_code]
                row = latest.get(step_code)
                if bool(row and row.in_place) == wanted:
                    continue
                new = SafetyPlanStep(client_id=client.id, step_code=step_code, in_place=wanted,
                                     guidance_version=guidance.version, changed_at=now, changed_by=actor.user_id)
                s.add(new)
                written.append(new)
            if written:
                s.flush()
                # Who changed which client's plan and when; never which steps (an admin reads the audit log, and
                # "preparing.bag-ready" tells them a client is about to leave).
                detail = f"{len(written)} step{'s' if len(written) != 1 else ''} changed"
                audit.record(s, actor, "safety_plan_changed", target_type="client", target=client.code,
                             detail=detail)
            return _view(s, content, client, rows + written)
