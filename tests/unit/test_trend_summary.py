"""The trend summaries stay exactly in step with the records through every write the app makes: saves (back-dated,
several on one day), corrections that move a check-in across days, weeks and months or change what it holds,
erasure and retention; a rebuild makes the same rows; no state row means no summaries."""

from __future__ import annotations

import logging
import random
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select

from models.base.timeutil import in_zone, utcnow
from models.services import trend_summary
from models.services.checkins import correct_check_in, get_check_in
from models.services.clients import close_client
from models.services.retention import apply_retention, erase_client
from models.services.trend_summary import compare, contributions, ensure_built, rebuild, verify
from models.startup import check_note_key
from models.store.database import Database
from models.store.entities import CheckIn, Client, TrendClientSpan, TrendDay, TrendSummaryState
from tests.unit.helpers import calm_items, check_in, checkin_form, make_people, new_client

OPENED_DAYS_AGO = 420


def stored(db: Database) -> tuple[list[tuple], list[tuple]]:
    """Every summary row, sorted: the day rows and the client spans."""
    with db.reading() as s:
        days = sorted(tuple(r) for r in s.execute(select(
            TrendDay.day, TrendDay.kind, TrendDay.code, TrendDay.n, TrendDay.clients, TrendDay.n2, TrendDay.clients2)))
        spans = sorted(tuple(r) for r in s.execute(select(
            TrendClientSpan.unit, TrendClientSpan.start, TrendClientSpan.client_id, TrendClientSpan.check_ins,
            TrendClientSpan.last_seq, TrendClientSpan.last_signs)))
    return days, spans


def state_zone(db: Database) -> str | None:
    with db.reading() as s:
        return s.scalar(select(TrendSummaryState.zone))


class World:
    """A few clients of two advocates and random writes to them, made through the services as the app makes them."""

    def __init__(self, db: Database, content, people: SimpleNamespace, rng: random.Random) -> None:
        self.db, self.content, self.people, self.rng = db, content, people, rng
        self.items = calm_items(content)[:8]
        self.resources = [r.code for r in content.resources][:4]
        self.clients: list[tuple[str, object]] = []  # (code, advocate)
        self.check_ins: dict[int, tuple[str, object]] = {}  # id -> (code, advocate)
        self.now = utcnow().replace(microsecond=0)
        for _ in range(4):
            self.add_client()

    def add_client(self) -> None:
        advocate = self.rng.choice([self.people.ada, self.people.bo])
        code = new_client(self.db, advocate, self.content, days_ago=OPENED_DAYS_AGO).code
        self.clients.append((code, advocate))

    def when(self) -> object:
        """A time in the last 400 days, often close to midnight UTC (the day before in Chicago), sometimes on the
        day of an existing check-in."""
        if self.check_ins and self.rng.random() < 0.3:
            with self.db.reading() as s:
                at = s.scalar(select(CheckIn.occurred_at).where(CheckIn.id == self.rng.choice(list(self.check_ins))))
            return at + timedelta(minutes=self.rng.choice([-90, -5, 5, 90]))
        day = self.now - timedelta(days=self.rng.randint(0, 400))
        return min(self.now - timedelta(minutes=5),
                   day.replace(hour=self.rng.choice([0, 1, 4, 5, 6, 12, 23]), minute=self.rng.randint(0, 59)))

    def fields(self) -> dict:
        rng = self.rng
        offered = rng.sample(self.resources, rng.randint(0, 3))
        return {"occurred_at": self.when(), "items": rng.sample(self.items, rng.randint(0, 5)),
                "concern": rng.choice(["low", "moderate", "high", "immediate"]),
                "safety_planning": rng.random() < 0.4, "referrals_offered": offered,
                "referrals_accepted": [r for r in offered if rng.random() < 0.5],
                "contact_mode": rng.choice(["phone", "text", "in-person"])}

    def save(self) -> str:
        code, advocate = self.rng.choice(self.clients)
        saved = check_in(self.db, advocate, self.content, code, **self.fields())
        self.check_ins[saved.id] = (code, advocate)
        return "save"

    def correct(self) -> str:
        if not self.check_ins:
            return self.save()
        cid = self.rng.choice(list(self.check_ins))
        code, advocate = self.check_ins[cid]
        current = get_check_in(self.db, advocate, cid)
        fields = self.fields()
        if self.rng.random() < 0.15:  # changes nothing: nothing is saved
            fields = {"occurred_at": current.occurred_at, "items": current.items, "concern": current.concern,
                      "safety_planning": current.safety_planning, "referrals_offered": current.referrals_offered,
                      "referrals_accepted": current.referrals_accepted, "contact_mode": current.contact_mode}
        elif self.rng.random() < 0.3:  # only the uptake of its referrals, or only moved in time
            fields = {**{k: getattr(current, k) for k in ("items", "concern", "safety_planning", "contact_mode",
                                                          "referrals_offered", "occurred_at")},
                      "referrals_accepted": [r for r in current.referrals_offered if self.rng.random() < 0.5]}
            if self.rng.random() < 0.5:
                fields["occurred_at"] = current.occurred_at + timedelta(days=self.rng.choice([-40, -8, -1, 1, 8]))
                fields["occurred_at"] = min(fields["occurred_at"], self.now - timedelta(minutes=5))
        correct_check_in(self.db, advocate, self.content, cid,
                         checkin_form(code, harm_contact=current.harm_contact, note=current.note, **fields),
                         expected_version=current.version)
        return "correct"

    def forget(self, code: str) -> None:
        self.clients = [c for c in self.clients if c[0] != code]
        self.check_ins = {k: v for k, v in self.check_ins.items() if v[0] != code}
        self.add_client()

    def erase(self) -> str:
        code, _ = self.rng.choice(self.clients)
        erase_client(self.db, self.people.alex, code, code)
        self.forget(code)
        return "erase"

    def retention(self) -> str:
        """One or two files closed long ago, removed by one retention run."""
        chosen = self.rng.sample(self.clients, self.rng.choice([1, 2]))
        for code, advocate in chosen:
            close_client(self.db, advocate, code, reason="goals_met",
                         closed_on=utcnow().date() - timedelta(days=OPENED_DAYS_AGO - 10))
        assert apply_retention(self.db, self.people.alex, years=1).clients == len(chosen)
        for code, _ in chosen:
            self.forget(code)
        return "retention"

    def step(self) -> str:
        action = self.rng.choices([self.save, self.correct, self.erase, self.retention], weights=[10, 6, 1, 1])[0]
        return action()


@pytest.mark.parametrize("zone", ["UTC", "America/Chicago"])
def test_random_writes_keep_the_summaries_exact(db, content, zone):
    people = make_people(db)
    if zone != "UTC":
        rebuild(db, zone)
    rng = random.Random(f"trend-summary-{zone}")
    world = World(db, content, people, rng)
    done = []
    for n in range(45):
        done.append(world.step())
        assert verify(db) == [], f"after steps {done}"
        if n % 15 == 14:
            before = stored(db)
            rebuild(db, zone)
            assert stored(db) == before, f"a rebuild differs after steps {done}"
    assert {"save", "correct", "erase", "retention"} <= set(done)
    days, spans = stored(db)
    assert days and spans  # something was compared
    with db.reading() as s:
        assert sum(r[3] for r in days if r[1] == "check_ins") == s.scalar(select(func.count()).select_from(CheckIn))


def test_a_correction_moves_a_check_in_between_days_weeks_and_months(db, content, people):
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    now = utcnow().replace(microsecond=0)
    items = calm_items(content)[:3]
    resource = content.resources[0].code
    first = check_in(db, people.ada, content, code, occurred_at=now - timedelta(days=100), items=items,
                     referrals_offered=[resource], referrals_accepted=[resource], safety_planning=True)
    check_in(db, people.ada, content, code, occurred_at=now - timedelta(days=50), items=items[:1])
    assert verify(db) == []
    # Moved after the second: the order (seq) of both changes, and with it each span's last_seq.
    correct_check_in(db, people.ada, content, first.id, checkin_form(
        code, occurred_at=now - timedelta(days=10), items=items[1:], referrals_offered=[resource],
        referrals_accepted=[], concern="high"), expected_version=1)
    assert verify(db) == []
    days, spans = stored(db)
    old_day = (now - timedelta(days=100)).date()
    assert not [r for r in days if r[0] == old_day]  # nothing left on the day it moved from
    moved = (now - timedelta(days=10)).date()
    assert (moved, "referral", resource, 1, 1, 0, 0) in days
    assert (moved, "safety", "") not in [r[:3] for r in days]
    assert max(r[4] for r in spans) == 2 and sorted(r[4] for r in spans if r[0] == "month")[-1] == 2


def test_a_zone_change_rebuilds_once_and_says_so(db, content, people, caplog):
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    now = utcnow().replace(microsecond=0)
    for days in (1, 1, 2, 40):  # 03:00 UTC is the day before in Chicago (and always past, whatever the hour now)
        check_in(db, people.ada, content, code, occurred_at=(now - timedelta(days=days)).replace(hour=3))
    assert state_zone(db) == "UTC"
    assert ensure_built(db, "UTC") is None
    assert ensure_built(db, "Etc/UTC") is None and ensure_built(db, "Zulu") is None  # UTC's other names: no rebuild
    utc_rows = stored(db)
    with caplog.at_level(logging.INFO, logger="waypoint"):
        made = ensure_built(db, "America/Chicago")
    assert made is not None and made["previous_zone"] == "UTC"
    assert [r.getMessage() for r in caplog.records if "trend summaries built" in r.getMessage()] == [
        f"trend summaries built in America/Chicago (were: UTC): {made['day_rows']} day rows, {made['span_rows']} "
        f"client spans from 4 check-ins in {made['seconds']:.1f} s"]
    assert state_zone(db) == "America/Chicago"
    assert verify(db) == []
    chicago_rows = stored(db)
    assert chicago_rows != utc_rows
    zone = trend_summary.ZoneInfo("America/Chicago")
    with db.reading() as s:
        local_days = {in_zone(at, zone).date() for at in s.scalars(select(CheckIn.occurred_at))}
    assert {r[0] for r in chicago_rows[0]} == local_days
    assert ensure_built(db, "America/Chicago") is None


def test_without_a_state_row_writes_leave_the_tables_alone(db, content, people):
    with db.writing() as s:
        s.execute(delete(TrendSummaryState))
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    saved = check_in(db, people.ada, content, code, items=calm_items(content)[:2])
    correct_check_in(db, people.ada, content, saved.id, checkin_form(code, concern="high"), expected_version=1)
    erase_client(db, people.alex, code, code)
    check_in(db, people.bo, content, new_client(db, people.bo, content).code)
    assert stored(db) == ([], [])
    found = compare(db)
    assert found.zone is None and found.differences == ["The trend summaries are not built (no state row)."]
    rebuild(db, "UTC")
    assert verify(db) == [] and stored(db)[0]


def test_the_check_names_every_difference(db, content, people):
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    saved = check_in(db, people.ada, content, code, items=calm_items(content)[:1])
    with db.writing() as s:
        s.execute(TrendDay.__table__.update().where(TrendDay.kind == "check_ins").values(n=5))
        s.execute(delete(TrendClientSpan).where(TrendClientSpan.unit == "week"))
    found = verify(db)
    day = saved.occurred_at.date()
    assert any(f"trend_days {day} check_ins '': stored n=5 clients=1" in line and "records say n=1 clients=1" in line
               for line in found)
    assert [line for line in found if line.startswith("trend_client_spans week")] and len(found) == 2
    rebuild(db, "UTC")
    assert verify(db) == []


def test_a_correction_of_the_ticks_alone_moves_the_spans_sign_count(db, content, people):
    """The progress figures read the last check-in's sign count from the span row (migration 0014): a correction
    that changes only the ticks must change it, and the check must see a wrong one."""
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    saved = check_in(db, people.ada, content, code, items=calm_items(content)[:1])

    def signs() -> set[int]:
        with db.reading() as s:
            return set(s.scalars(select(TrendClientSpan.last_signs)))

    assert signs() == {1}
    correct_check_in(db, people.ada, content, saved.id, checkin_form(code, items=calm_items(content)[:3]),
                     expected_version=1)
    assert signs() == {3} and verify(db) == []
    with db.writing() as s:
        s.execute(TrendClientSpan.__table__.update().where(TrendClientSpan.unit == "month").values(last_signs=9))
    found = verify(db)
    assert len(found) == 1 and "last_signs=9" in found[0] and "last_signs=3" in found[0]
    rebuild(db, "UTC")
    assert verify(db) == [] and signs() == {3}


def test_contributions_are_one_clients_part(db, content, people):
    code = new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code
    now = utcnow().replace(microsecond=0)
    resource = content.resources[0].code
    a = check_in(db, people.ada, content, code, occurred_at=now - timedelta(days=3), safety_planning=True,
                 referrals_offered=[resource], referrals_accepted=[resource], items=calm_items(content)[:2])
    check_in(db, people.ada, content, code, occurred_at=now - timedelta(days=3, hours=-1), concern="low")
    with db.reading() as s:
        cid = s.scalar(select(Client.id).where(Client.code == code))
        whole = contributions(s, cid, "UTC")
        one_day = contributions(s, cid, "UTC", [a.occurred_at.date()])
        none = contributions(s, cid, "UTC", [(now - timedelta(days=30)).date()])
    day = a.occurred_at.date()
    assert whole.cells == one_day.cells
    assert whole.cells[(day, "check_ins", "")] == (2, 0)
    assert whole.cells[(day, "safety", "")] == (1, 0)
    assert whole.cells[(day, "referrals", "")] == (1, 1)
    assert none.cells == {} and none.spans == whole.spans  # spans are always whole


def test_demo_data_is_summarised(db, content):
    from models.services.demo import load_demo

    load_demo(db, content, clients=6, seed=5)
    assert verify(db) == []
    assert stored(db)[0]


def _at_once(db, people, content, pair: list[str], when) -> list[BaseException]:
    """Two saves started together (a barrier), one per code of `pair`; what went wrong, if anything."""
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def save(code: str) -> None:
        try:
            barrier.wait(timeout=10)
            check_in(db, people.ada, content, code, occurred_at=when, items=calm_items(content)[:2])
        except BaseException as error:  # noqa: BLE001 - handed to the test
            failures.append(error)

    threads = [threading.Thread(target=save, args=(code,)) for code in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_two_saves_at_once_on_the_same_day_end_exact(db, content, people):
    """PostgreSQL takes them truly at once (SQLite queues them): the same client twice, and two clients."""
    codes = [new_client(db, people.ada, content, days_ago=OPENED_DAYS_AGO).code for _ in range(2)]
    when = utcnow().replace(microsecond=0) - timedelta(hours=2)
    for pair in ([codes[0], codes[0]], codes, [codes[1], codes[0]]):
        assert _at_once(db, people, content, pair, when) == []
    assert verify(db) == []
    days, _ = stored(db)
    assert (when.date(), "check_ins", "", 6, 2, 0, 0) in days


def test_the_command_checks_and_rebuilds(db, database_url, content, people, monkeypatch, capsys):
    from dashboard.cli import main

    monkeypatch.setenv("WAYPOINT_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "UTC")
    check_note_key(db)
    check_in(db, people.ada, content, new_client(db, people.ada, content).code)
    assert main(["summaries", "--check"]) == 0
    out = capsys.readouterr().out
    assert "Compared (UTC): 1 check ins" in out and out.strip().endswith("match")
    with db.writing() as s:
        s.execute(delete(TrendDay).where(TrendDay.kind == "concern"))
    assert main(["summaries", "--check"]) == 1
    captured = capsys.readouterr()
    assert "trend_days" in captured.out and "concern" in captured.out and "1 difference." in captured.err
    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "America/Chicago")
    assert main(["summaries", "--rebuild"]) == 0
    assert "Rebuilt the trend summaries in America/Chicago from 1 check-in:" in capsys.readouterr().out
    assert state_zone(db) == "America/Chicago" and verify(db) == []
    # Any other command from a shell in another zone leaves them alone (walk, issue 19); --check says so.
    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "Europe/Madrid")
    assert main(["accounts"]) == 0 and state_zone(db) == "America/Chicago"
    assert main(["summaries", "--check"]) == 0
    out = capsys.readouterr().out
    assert "cut in America/Chicago, but WAYPOINT_TIME_ZONE here is Europe/Madrid" in out


def test_the_app_builds_them_on_start_in_the_agency_zone(db, database_url, content, people):
    from models.startup import get_database

    check_in(db, people.ada, content, new_client(db, people.ada, content).code)
    with db.writing() as s:
        s.execute(delete(TrendSummaryState))
        s.execute(delete(TrendDay))
    opened = get_database(database_url, summaries_zone="Europe/London")
    try:
        assert state_zone(db) == "Europe/London" and verify(db) == [] and stored(db)[0]
    finally:
        opened.dispose()
