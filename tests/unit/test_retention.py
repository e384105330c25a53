"""Retention and erasure: a removed client leaves nothing behind in any table, and nobody else is touched."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import String, Text, func, select

from models.base.errors import ValidationFailed
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.checkins import client_timeline, correct_check_in
from models.services.clients import close_client
from models.services.retention import (
    ERASED_TARGET,
    admin_actor,
    apply_retention,
    cutoff_date,
    erase_client,
    plan_retention,
)
from models.services.safety_plans import update_safety_plan
from models.startup import check_note_key
from models.store.entities import Base, CheckIn, Client
from tests.unit.helpers import (
    calm_items,
    check_in,
    checkin_form,
    events,
    factor_codes,
    new_client,
    row_counts,
)


def full_client(db, people, content, *, opened_days_ago: int, closed_days_ago: int | None) -> str:
    """A client with something in every table: factors, two check-ins with items and referrals, a correction
    (revision), safety plan steps, views in the audit log; closed `closed_days_ago` days ago if given."""
    items = calm_items(content)[:3]
    resource = content.resources[0].code
    code = new_client(db, people.ada, content, days_ago=opened_days_ago, factors=factor_codes(content)).code
    when = utcnow().replace(microsecond=0) - timedelta(hours=2)
    first = check_in(db, people.ada, content, code, occurred_at=when, items=items, referrals_offered=[resource],
                     referrals_accepted=[resource], note="Talked about the week.")
    check_in(db, people.ada, content, code, occurred_at=when + timedelta(hours=1), contact_mode="text",
             harm_contact="some", concern="low", items=items[:1])
    correct_check_in(db, people.ada, content, first.id, checkin_form(
        code, occurred_at=when, concern="high", items=items, referrals_offered=[resource],
        note="Talked about the week."), expected_version=1)
    guidance = content.guidance
    update_safety_plan(db, people.ada, content, code, {c: True for c in guidance.all_codes()[:2]})
    client_timeline(db, people.ada, content, code)
    client_timeline(db, people.sam, content, code)
    if closed_days_ago is not None:
        close_client(db, people.ada, code, reason="goals_met",
                     closed_on=utcnow().date() - timedelta(days=closed_days_ago))
    return code


def client_id(db, code: str) -> int:
    with db.reading() as s:
        return s.scalar(select(Client.id).where(Client.code == code))


def check_in_ids(db, client: int) -> list[int]:
    with db.reading() as s:
        return list(s.scalars(select(CheckIn.id).where(CheckIn.client_id == client)))


def traces(db, code: str, cid: int, check_ins: list[int]) -> list[str]:
    """Every place in the whole schema still holding the code (any text or JSON column), the client's id (any
    column that points at clients or carries a client_id) or one of its check-in ids (likewise)."""
    found = []
    with db.reading() as s:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                refs = {fk.column.table.name for fk in column.foreign_keys}
                if isinstance(column.type, (String, Text)):
                    hit = column.contains(code)
                elif column.type.__class__.__name__ == "JSON":
                    hit = func.coalesce(func.cast(column, Text), "").contains(code)
                elif ("clients" in refs or column.name == "client_id"
                      or (table.name == "clients" and column.primary_key)):
                    hit = column == cid
                elif check_ins and ("check_ins" in refs or column.name == "check_in_id"
                                    or (table.name == "check_ins" and column.primary_key)):
                    hit = column.in_(check_ins)
                else:
                    continue
                n = s.scalar(select(func.count()).select_from(table).where(hit))
                if n:
                    found.append(f"{table.name}.{column.name}: {n}")
    return found


@pytest.fixture
def three(db, people, content):
    """Old (closed 8 years ago), recent (closed 2 years ago) and open: only the first is past a 7-year policy."""
    old = full_client(db, people, content, opened_days_ago=365 * 9, closed_days_ago=365 * 8 + 2)
    recent = full_client(db, people, content, opened_days_ago=365 * 3, closed_days_ago=365 * 2)
    open_ = full_client(db, people, content, opened_days_ago=365 * 10, closed_days_ago=None)
    return SimpleNamespace(old=old, recent=recent, open=open_)


def test_the_traces_probe_finds_a_living_client_everywhere_it_should(db, people, content, three):
    cid = client_id(db, three.recent)
    found = " ".join(traces(db, three.recent, cid, check_in_ids(db, cid)))
    for place in ("clients.code", "clients.id", "client_factors.client_id", "check_ins.client_id",
                  "check_in_items.check_in_id", "check_in_referrals.check_in_id", "check_in_revisions.check_in_id",
                  "safety_plan_steps.client_id", "audit_events.target"):
        assert place in found


def test_the_dry_run_lists_the_old_closed_client_and_changes_nothing(db, people, content, three):
    before = row_counts(db)
    plan = plan_retention(db, people.alex, years=7)
    assert [c.code for c in plan.clients] == [three.old]
    assert plan.clients[0].check_ins == 2 and plan.check_ins == 2
    assert plan.cutoff == cutoff_date(utcnow().date(), 7)
    assert row_counts(db) == before


def test_the_policy_default_comes_from_the_settings(db, people, content, three, monkeypatch):
    monkeypatch.setenv("WAYPOINT_RETENTION_YEARS", "1")
    assert sorted(c.code for c in plan_retention(db, people.alex).clients) == sorted([three.old, three.recent])
    monkeypatch.setenv("WAYPOINT_RETENTION_YEARS", "9")
    assert plan_retention(db, people.alex).clients == ()


def test_applying_removes_everything_of_the_old_client_and_nothing_else(db, people, content, three):
    old_id = client_id(db, three.old)
    old_check_ins = check_in_ids(db, old_id)
    kept = {c: (client_id(db, c), traces(db, c, client_id(db, c), check_in_ids(db, client_id(db, c))))
            for c in (three.recent, three.open)}
    before = row_counts(db)

    removed = apply_retention(db, people.alex, years=7)

    assert (removed.clients, removed.check_ins) == (1, 2)
    assert traces(db, three.old, old_id, old_check_ins) == []
    for code, (cid, where) in kept.items():
        assert traces(db, code, cid, check_in_ids(db, cid)) == where  # the others are untouched
    after = row_counts(db)
    assert after["clients"] == before["clients"] - 1 and after["check_ins"] == before["check_ins"] - 2
    # One audit row for the run, with counts and no code.
    [run] = events(db, "retention_applied")
    assert run.actor_id == people.alex.user_id and run.target is None
    assert "1 client and 2 check-ins" in run.detail and three.old not in run.detail
    # Earlier rows about the removed client keep who and when, with the code blanked.
    assert any(e.target == ERASED_TARGET for e in events(db, "client_viewed"))


def test_applying_again_removes_nothing_more(db, people, content, three):
    apply_retention(db, people.alex, years=7)
    before = row_counts(db)
    again = apply_retention(db, people.alex, years=7)
    assert (again.clients, again.check_ins) == (0, 0)
    before["audit_events"] += 1
    assert row_counts(db) == before


def test_a_failure_midway_leaves_every_row_in_place(db, people, content, three, monkeypatch):
    from models.services import retention

    before = row_counts(db)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "_blank_codes_in_audit", broken)
    with pytest.raises(RuntimeError):
        apply_retention(db, people.alex, years=7)
    assert row_counts(db) == before
    assert [c.code for c in plan_retention(db, people.alex, years=7).clients] == [three.old]


def test_erasure_on_request_removes_an_open_client_entirely(db, people, content, three):
    cid = client_id(db, three.open)
    ids = check_in_ids(db, cid)
    others = {c: traces(db, c, client_id(db, c), check_in_ids(db, client_id(db, c))) for c in (three.old, three.recent)}

    removed = erase_client(db, people.alex, three.open, three.open.lower().replace("-", ""))

    assert (removed.clients, removed.check_ins) == (1, 2)
    assert traces(db, three.open, cid, ids) == []
    for code, where in others.items():
        assert traces(db, code, client_id(db, code), check_in_ids(db, client_id(db, code))) == where
    [row] = events(db, "client_erased")
    assert row.outcome == "ok" and row.target is None
    assert row.detail.startswith("1 client erased on request") and three.open not in row.detail


def test_erasure_needs_the_same_code_typed_twice(db, people, content, three):
    before = row_counts(db)
    with pytest.raises(ValidationFailed) as exc:
        erase_client(db, people.alex, three.open, three.recent)
    assert "confirm_code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        erase_client(db, people.alex, "not a code", "not a code")
    assert "code" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        erase_client(db, people.alex, "ZZZ-ZZZ", "ZZZ-ZZZ")
    assert "code" in exc.value.errors and "ZZZ-ZZZ" not in exc.value.errors["code"]
    assert row_counts(db) == before


@pytest.mark.parametrize("who", ["ada", "sam"])
def test_advocates_and_supervisors_are_refused_and_the_refusal_is_audited(db, people, content, three, who):
    actor = getattr(people, who)
    before = row_counts(db)
    with pytest.raises(PermissionDenied):
        plan_retention(db, actor, years=7)
    with pytest.raises(PermissionDenied):
        apply_retention(db, actor, years=7)
    with pytest.raises(PermissionDenied):
        erase_client(db, actor, three.open, three.open)
    after = row_counts(db)
    assert after["audit_events"] == before["audit_events"] + 3
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"}
    for action in ("retention_planned", "retention_applied", "client_erased"):
        [row] = events(db, action)
        assert row.outcome == "denied" and row.actor_id == actor.user_id and row.target is None


def test_the_cutoff_is_the_same_day_n_years_back():
    assert cutoff_date(date(2026, 11, 25), 7) == date(2019, 11, 25)
    assert cutoff_date(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_server_commands_act_as_a_named_active_admin(db, people):
    assert admin_actor(db, "Alex").user_id == people.alex.user_id
    for name in ("ada", "nobody"):
        with pytest.raises(ValidationFailed):
            admin_actor(db, name)


def test_the_setting_reads_from_the_environment():
    assert Settings.from_env({}).retention_years == 7
    assert Settings.from_env({"WAYPOINT_RETENTION_YEARS": "10"}).retention_years == 10
    from models.base.settings import ConfigError

    with pytest.raises(ConfigError):
        Settings.from_env({"WAYPOINT_RETENTION_YEARS": "0"})


def test_the_commands_dry_run_then_apply_then_erase(db, database_url, people, content, three, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYPOINT_RETENTION_YEARS", "7")
    check_note_key(db)  # what the command's start-up does first (it records the key check once)
    before = row_counts(db)
    assert main(["retention", "--dry-run", "--admin", "alex"]) == 0
    out = capsys.readouterr().out
    assert three.old in out and "1 client and 2 check-ins would be removed" in out
    assert row_counts(db) == before
    assert main(["retention", "--apply", "--admin", "ada"]) == 1  # not an admin: refused, nothing removed
    assert row_counts(db) == before
    assert main(["retention", "--apply", "--admin", "alex"]) == 0
    assert "Removed 1 client and 2 check-ins" in capsys.readouterr().out
    assert main(["erase-client", three.open, "--admin", "alex", "--confirm", three.recent]) == 1
    assert "differ" in capsys.readouterr().err
    assert main(["erase-client", three.open, "--admin", "alex", "--confirm", three.open]) == 0
    out = capsys.readouterr().out
    assert "erased" in out and three.open not in out
    assert [c.code for c in plan_retention(db, people.alex, years=1).clients] == [three.recent]
