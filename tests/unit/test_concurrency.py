"""Many OS processes saving and correcting check-ins for the same clients at once, on SQLite and PostgreSQL.

Each child process builds its own Database, waits on a barrier so they all start together, and reports what
the services told it: saved (with the id), refused, conflict. The parent then checks the stored rows against
those reports: nothing lost, nothing doubled, numbering and copies in step, one audit event per change.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import random
import sys
import time
import traceback
import types
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.content.loader import load_content
from models.rules.permissions import Actor
from models.services.checkins import CheckInForm, record_check_in
from models.store.database import Database
from models.store.entities import AuditEvent, CheckIn, CheckInItem, CheckInReferral, CheckInRevision, Client
from tests.unit.helpers import calm_items, make_user, new_client

CHILD_BUSY_MS = 30_000
PROCESSES = 8  # four per advocate, so every client is written by four processes at once
RECORDS_PER_PROCESS = 10
DUPLICATES_PER_ADVOCATE = 3
CLIENTS_PER_ADVOCATE = 2
PRECREATED_PER_CLIENT = 2  # each one is corrected by two processes racing on version 1
PHONE_NOTE = "Call her sister at 555-201-7788 after six."


def _content():
    return load_content(Settings().content_dir, ("us-national",))


def _form(op: dict[str, Any]) -> CheckInForm:
    return CheckInForm(client=op["client"], occurred_at=op["occurred_at"], contact_mode="phone",
                       harm_contact="none", concern=op["concern"], items=op["items"],
                       referrals_offered=op["referrals"], referrals_accepted=op["referrals"][:1],
                       note=op.get("note", ""))


def _summary(view: Any) -> dict[str, Any]:
    return {"id": view.id, "version": view.version, "items": view.items, "occurred_at": view.occurred_at,
            "concern": view.concern, "referrals": view.referrals_offered}


def _run(db: Database, actor: Actor, content: Any, op: dict[str, Any], saved: dict[str, dict]) -> dict[str, Any]:
    from models.rules.permissions import PermissionDenied
    from models.services.checkins import EditConflict, NoteHasIdentifiers, correct_check_in

    report: dict[str, Any] = {"op": op["name"], "kind": op["kind"], "key": op.get("key")}
    try:
        if op["kind"] == "record":
            view = record_check_in(db, actor, content, _form(op), submission_key=op["key"])
            saved[op["key"]] = _summary(view)
        else:
            if op["kind"] == "correct_own":
                mine = saved[op["key"]]
                check_in_id, expected = mine["id"], mine["version"]
            else:
                check_in_id, expected = op["check_in_id"], op["expected_version"]
            view = correct_check_in(db, actor, content, check_in_id, _form(op), expected_version=expected)
        report.update(outcome="saved", **_summary(view))
    except EditConflict:
        report["outcome"] = "conflict"
    except NoteHasIdentifiers:
        report["outcome"] = "refused_note"
    except PermissionDenied:
        report["outcome"] = "denied"
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the test with it
        report.update(outcome="error", error=traceback.format_exc())
    return report


def _child(url: str, actor: Actor, ops: list[dict[str, Any]], barrier: Any, queue: Any) -> None:
    """One process: its own engine, then every operation in order once all processes are ready."""
    reports: list[dict[str, Any]] = []
    db = None
    try:
        # A long wait for the lock: the test is about what is saved, not how fast, and a full test run beside
        # Chromium once kept eight writers waiting past the default 5 s ("database is locked" on SQLite).
        db = Database(url, busy_ms=CHILD_BUSY_MS)
        content = _content()
        saved: dict[str, dict] = {}
        barrier.wait(timeout=120)
        for op in ops:
            reports.append(_run(db, actor, content, op, saved))
    except BaseException:  # noqa: BLE001 - the parent asserts there were none
        reports.append({"op": "child", "kind": "child", "outcome": "error", "error": traceback.format_exc()})
    finally:
        if db is not None:
            db.dispose()
        queue.put((actor.username, reports))


def _plan(db: Database, content: Any) -> tuple[dict[str, Actor], list[tuple[Actor, list[dict]]], dict[str, Any]]:
    """Users, clients, check-ins to race on, and each process's list of operations."""
    rng = random.Random(7)
    items = calm_items(content)
    resources = [r.code for r in content.resources]
    now = utcnow().replace(microsecond=0)
    advocates = {name: make_user(db, name) for name in ("ada", "bo")}
    clients: dict[str, list[str]] = {
        name: [new_client(db, actor, content, days_ago=90).code for _ in range(CLIENTS_PER_ADVOCATE)]
        for name, actor in advocates.items()
    }
    counter = iter(range(10**6))

    def op(kind: str, client: str, **extra: Any) -> dict[str, Any]:
        n = next(counter)
        # Times spread over two months and out of order, so most saves renumber earlier check-ins.
        values = {"name": f"op{n}", "kind": kind, "client": client, "key": f"conc-{n:06d}-{rng.random():.6f}",
                  "occurred_at": now - timedelta(days=rng.uniform(1, 60)),
                  "concern": rng.choice(["low", "moderate", "high"]),
                  "items": rng.sample(items, rng.randint(0, 4)), "referrals": rng.sample(resources, rng.randint(0, 2))}
        values.update(extra)
        return values

    expected: dict[str, Any] = {"precreated": {}, "races": {}}
    per_process: list[tuple[Actor, list[dict]]] = []
    names = list(advocates)
    for index in range(PROCESSES):
        per_process.append((advocates[names[index % len(names)]], []))
    for name, actor in advocates.items():
        mine = [ops for a, ops in per_process if a is actor]
        other = [c for n, cs in clients.items() if n != name for c in cs]
        for code in clients[name]:
            for _ in range(PRECREATED_PER_CLIENT):
                first = op("record", code)
                view = record_check_in(db, actor, content, _form(first), submission_key=first["key"])
                expected["precreated"][first["key"]] = view.id
                # Two processes correct the same check-in, both having opened it at version 1.
                pair = rng.sample(range(len(mine)), 2)
                race_ops = [op("correct_race", code, check_in_id=view.id, expected_version=1) for _ in pair]
                expected["races"][view.id] = [r["name"] for r in race_ops]
                for slot, race in zip(pair, race_ops, strict=True):
                    mine[slot].append(race)
        for _ in range(DUPLICATES_PER_ADVOCATE):
            # The same form submitted from two processes (a double click reaching two app instances).
            dup = op("record", rng.choice(clients[name]), duplicate=True)
            for slot in rng.sample(range(len(mine)), 2):
                mine[slot].append(dict(dup))
        for ops in mine:
            ops.extend(op("record", rng.choice(clients[name])) for _ in range(RECORDS_PER_PROCESS))
            ops.append(op("record", rng.choice(clients[name]), note=PHONE_NOTE))  # refused: identifies someone
            ops.append(op("record", rng.choice(other)))  # refused: another advocate's client
    for _actor, ops in per_process:
        rng.shuffle(ops)
        own = next(o for o in ops if o["kind"] == "record" and not o.get("duplicate") and not o.get("note")
                   and o["client"] in clients[_actor.username])
        ops.append(op("correct_own", own["client"], key=own["key"]))
    return advocates, per_process, expected


def test_many_processes_save_and_correct_check_ins_at_once(database_url: str, monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    # Streamlit's AppTest (earlier tests in this process) leaves the app script as __main__; a spawned child
    # re-imports __main__, so it would start the whole app (and migrate its default database) before doing its
    # job. A bare __main__ keeps the children to exactly the work they are given.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    content = _content()
    db = Database(database_url)
    try:
        advocates, per_process, expected = _plan(db, content)
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(len(per_process))
        queue = ctx.Queue()
        children = [ctx.Process(target=_child, args=(database_url, actor, ops, barrier, queue))
                    for actor, ops in per_process]
        for child in children:
            child.start()
        reports: list[dict[str, Any]] = []
        heard: list[str] = []
        deadline = time.monotonic() + 600  # generous: a loaded CI machine starts 8 interpreters slowly
        while len(heard) < len(children):
            try:
                username, got = queue.get(timeout=5)
            except queue_module.Empty:
                died = [(c.pid, c.exitcode) for c in children if c.exitcode not in (None, 0)]
                if died or time.monotonic() > deadline:
                    pytest.fail(f"children did not all report: heard {len(heard)} of {len(children)}; "
                                f"exited abnormally (pid, code): {died}; "
                                f"still running: {[c.pid for c in children if c.is_alive()]}")
                continue
            heard.append(username)
            reports.extend(got)
        for child in children:
            child.join(timeout=60)
            assert child.exitcode == 0
        _check(db, expected, per_process, reports)
    finally:
        db.dispose()


def _check(db: Database, expected: dict[str, Any], per_process: list[tuple[Actor, list[dict]]],
           reports: list[dict[str, Any]]) -> None:
    errors = [r["error"] for r in reports if r["outcome"] == "error"]
    assert not errors, "\n".join(errors)
    assert len(reports) == sum(len(ops) for _a, ops in per_process)
    outcomes = Counter((r["kind"], r["outcome"]) for r in reports)
    print(f"\n[{db.backend}] processes={len(per_process)} operations={len(reports)} outcomes={dict(outcomes)}")

    # Saves: one id per submission key, whoever reported it; duplicates agree on the id.
    ids_by_key: dict[str, set[int]] = defaultdict(set)
    for r in reports:
        if r["kind"] == "record" and r["outcome"] == "saved":
            ids_by_key[r["key"]].add(r["id"])
    assert all(len(ids) == 1 for ids in ids_by_key.values()), ids_by_key
    saved_ids = {key: next(iter(ids)) for key, ids in ids_by_key.items()}
    saved_ids.update(expected["precreated"])
    duplicate_keys = {o["key"] for _a, ops in per_process for o in ops if o.get("duplicate")}
    dup_reports = Counter(r["key"] for r in reports if r["key"] in duplicate_keys and r["outcome"] == "saved")
    assert duplicate_keys and all(dup_reports[k] == 2 for k in duplicate_keys)
    refused_keys = {r["key"] for r in reports if r["outcome"] in ("refused_note", "denied")}
    assert outcomes[("record", "refused_note")] == PROCESSES and outcomes[("record", "denied")] == PROCESSES

    # Racing corrections: exactly one of each pair wins, the other is told someone else got there first.
    by_name = {r["op"]: r for r in reports}
    winners: dict[int, dict[str, Any]] = {}
    for check_in_id, names in expected["races"].items():
        results = sorted(by_name[n]["outcome"] for n in names)
        assert results == ["conflict", "saved"], (check_in_id, results)
        winners[check_in_id] = next(by_name[n] for n in names if by_name[n]["outcome"] == "saved")
    own = [r for r in reports if r["kind"] == "correct_own"]
    assert all(r["outcome"] == "saved" and r["version"] == 2 for r in own)
    corrections = Counter(r["id"] for r in reports if r["kind"].startswith("correct") and r["outcome"] == "saved")

    # What each check-in should hold now: the last successful write reported for it.
    final: dict[int, dict[str, Any]] = {}
    for r in reports:
        if r["outcome"] == "saved" and r["version"] >= final.get(r["id"], {}).get("version", 0):
            final[r["id"]] = r

    with db.reading() as s:
        rows = s.scalars(select(CheckIn)).all()
        by_key = Counter(row.submission_key for row in rows)
        assert all(n == 1 for n in by_key.values())
        stored = {row.submission_key: row for row in rows}
        assert set(stored) == set(saved_ids), "a check-in was lost, or one nobody was told about was stored"
        assert all(stored[k].id == i for k, i in saved_ids.items())
        assert not refused_keys & set(stored)
        by_id = {row.id: row for row in rows}
        items: dict[int, list[CheckInItem]] = defaultdict(list)
        for item in s.scalars(select(CheckInItem)):
            items[item.check_in_id].append(item)
        referrals: dict[int, list[CheckInReferral]] = defaultdict(list)
        for ref in s.scalars(select(CheckInReferral)):
            referrals[ref.check_in_id].append(ref)
        for check_in_id, report in final.items():
            row = by_id[check_in_id]
            assert row.version == report["version"] == 1 + corrections[check_in_id]
            assert row.occurred_at == report["occurred_at"] and row.concern == report["concern"]
            assert tuple(sorted(i.code for i in items[check_in_id])) == report["items"]
            assert tuple(sorted(r.resource_code for r in referrals[check_in_id])) == report["referrals"]
            assert row.sign_count == len(report["items"])
        for check_in_id, winner in winners.items():
            assert by_id[check_in_id].occurred_at == winner["occurred_at"]
        # Items and referrals carry their check-in's when, who and concern.
        for check_in_id, children in (*items.items(), *referrals.items()):
            parent = by_id[check_in_id]
            for child in children:
                assert (child.occurred_at, child.client_id, child.advocate_id, child.concern) == (
                    parent.occurred_at, parent.client_id, parent.advocate_id, parent.concern)
        revisions = Counter(s.scalars(select(CheckInRevision.check_in_id)).all())
        assert revisions == corrections

        # Numbering per client is 1..n in the order the contacts happened; derived facts follow the latest.
        for client in s.scalars(select(Client)):
            mine = sorted((r for r in rows if r.client_id == client.id), key=lambda r: (r.occurred_at, r.id))
            assert [r.seq for r in mine] == list(range(1, len(mine) + 1))
            assert mine, "every client got check-ins"
            assert client.next_due_at == mine[-1].next_due_at
            assert client.first_sign_count == mine[0].sign_count

        events = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ("check_in_recorded", "check_in_corrected")))).all()
    recorded = Counter(int(e.detail.split()[1]) for e in events
                       if e.action == "check_in_recorded" and e.outcome == "ok")
    assert recorded == Counter(saved_ids.values())
    corrected = Counter(int(e.detail.split()[1]) for e in events
                        if e.action == "check_in_corrected" and e.outcome == "ok")
    assert corrected == corrections
    denied = [e for e in events if e.action == "check_in_recorded" and e.outcome == "denied"]
    assert len(denied) == PROCESSES
    assert not [e for e in events if e.action == "check_in_corrected" and e.outcome != "ok"]

