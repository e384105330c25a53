"""Reports that leave the agency (issue 18): whole quarters and fiscal years only, fixed at first release, a year
built from its quarters, and no hidden figure that can be worked out from any set of reports.

The differencing test plays the attacker: it takes every report Waypoint will make on the demo data (every quarter
and fiscal year), writes each shown figure as a sum of unknown finest counts ("atoms": check-ins by month, level
of concern, contact mode and checklist version; referrals by quarter and resource; ...), and checks that no hidden
figure is a linear combination of the shown ones. Every pair of overlapping reports is a subset of that system,
so no pair can give a hidden figure back either.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import select

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.timeutil import in_zone
from models.rules.permissions import Actor, PermissionDenied
from models.services import releases
from models.services.demo import load_demo
from models.services.periods import Period, fiscal_year_of, month_of, quarter_of, quarters_of
from models.store.entities import (
    AuditEvent,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    Client,
    ClientClosure,
    User,
)
from tests.unit.helpers import check_in, make_people, new_client

NOW = datetime(2026, 12, 2, 12, 0)
TODAY = NOW.date()
ZONE = "America/Chicago"
K = 5


def _release(db, actor, content, period, **kw):
    args = {"k": K, "zone": ZONE, "agency": "Riverside Family Safety Center", "fiscal_start": 10, "today": TODAY,
            "now": NOW}
    args.update(kw)
    return releases.release(db, actor, content, period, **args)


def _supervisor(db) -> Actor:
    with db.reading() as s:
        user = s.scalar(select(User).where(User.role == "supervisor").order_by(User.id))
    return Actor(user.id, user.username, user.display_name, user.role)


@pytest.fixture
def demo(db, content):
    load_demo(db, content, seed=18, now=NOW)
    return _supervisor(db)


# --- which periods leave the agency ----------------------------------------------------------------------------

@pytest.mark.parametrize("period", [
    Period(date(2026, 11, 1), date(2026, 11, 30), "month"),
    Period(date(2026, 9, 1), date(2026, 9, 30)),
    Period(date(2026, 7, 1), date(2026, 9, 29), "custom"),
    Period(date(2026, 7, 2), date(2026, 9, 30), "quarter"),
    Period(date(2026, 10, 1), date(2026, 12, 31), "quarter"),  # not ended
    Period(date(2026, 10, 1), date(2027, 9, 30), "fiscal_year"),  # not ended
    Period(date(2025, 10, 1), date(2026, 9, 30), "year_to_date"),
    Period(date(2025, 11, 1), date(2026, 10, 31), "fiscal_year"),  # not the agency's fiscal year
])
def test_only_whole_ended_quarters_and_fiscal_years_can_leave(db, content, period):
    sam = make_people(db, "sam").sam
    with pytest.raises(ValidationFailed):
        _release(db, sam, content, period)


def test_a_report_takes_no_filter_at_all():
    """Attacks 1 and 2 of the issue (all advocates minus two, all levels of concern minus three) need a filtered
    figure next to an unfiltered one: nothing that makes a report accepts a filter."""
    for function in (releases.release,):
        names = set(inspect.signature(function).parameters)
        assert not names & {"advocate", "advocate_id", "context", "concern", "filter", "f"}
    assert "overdue" in releases.TABLES  # the one per-advocate table: a standing figure, and opt-in in files


def test_advocates_cannot_make_reports(db, content):
    people = make_people(db, "ada", "sam")
    with pytest.raises(PermissionDenied):
        _release(db, people.ada, content, quarter_of(date(2026, 8, 1)))
    with pytest.raises(PermissionDenied):
        releases.available(db, people.ada, today=TODAY, fiscal_start=10, zone=ZONE)


def test_available_lists_ended_quarters_and_years_from_the_first_record(db, content, demo):
    periods = releases.available(db, demo, today=TODAY, fiscal_start=10, zone=ZONE)
    assert periods[0] == fiscal_year_of(date(2026, 1, 1), 10)  # FY 2025-26 ended 30 Sep, listed before Q3
    assert periods[1] == quarter_of(date(2026, 8, 1))
    assert all(p.complete(TODAY) for p in periods)
    assert quarter_of(TODAY) not in periods
    july = releases.available(db, demo, today=TODAY, fiscal_start=7, zone=ZONE)
    assert fiscal_year_of(date(2026, 1, 1), 7) in july  # 1 Jul 2025 - 30 Jun 2026
    assert fiscal_year_of(date(2026, 1, 1), 10) not in july


# --- periods in the agency's zone ------------------------------------------------------------------------------

def test_quarter_boundaries_follow_the_agency_zone(db, content):
    people = make_people(db, "ada", "sam")
    code = new_client(db, people.ada, content, opened_on=date(2026, 9, 1)).code
    # 03:00 UTC on 1 Oct is still 30 Sep (22:00) in Chicago: the last evening of Q3 there, the first night of Q4
    # in UTC.
    check_in(db, people.ada, content, code, occurred_at=datetime(2026, 10, 1, 3, 0), submission_key="late-evening")
    q3 = quarter_of(date(2026, 9, 1))
    chicago = _release(db, people.sam, content, q3, fix=False, zone="America/Chicago")
    utc = _release(db, people.sam, content, q3, fix=False, zone="UTC")
    # One client is under the threshold, so the count is hidden, but the month it falls in says where it went.
    assert chicago.cell("summary", "check_ins", "value").hidden
    assert utc.cell("summary", "check_ins", "value").value == 0
    september = chicago.cell("by_month", "2026-09-01", "check_ins")
    assert september.hidden and september.value is None
    assert utc.cell("by_month", "2026-09-01", "check_ins").value == 0


def test_period_bounds_across_daylight_saving_and_fiscal_starts():
    chicago = ZoneInfo("America/Chicago")
    q4 = quarter_of(date(2026, 11, 15))
    assert q4.bounds(chicago) == (datetime(2026, 10, 1, 5, 0), datetime(2027, 1, 1, 6, 0))  # CDT, then CST
    assert q4.bounds(ZoneInfo("Europe/London")) == (datetime(2026, 9, 30, 23, 0), datetime(2027, 1, 1, 0, 0))
    assert q4.bounds(ZoneInfo("Pacific/Auckland"))[0] == datetime(2026, 9, 30, 11, 0)  # NZDT, UTC+13
    for start_month in (1, 4, 7, 10):
        year = fiscal_year_of(date(2026, 12, 2), start_month)
        assert year.start.month == start_month and year.days in (365, 366)
        assert [q.start for q in quarters_of(year)] == [
            date(year.start.year + (start_month - 1 + 3 * n) // 12, (start_month - 1 + 3 * n) % 12 + 1, 1)
            for n in range(4)]
        assert quarters_of(year)[-1].end == year.end
    assert month_of(date(2028, 2, 10)).end == date(2028, 2, 29)


def test_previous_periods_and_partial_periods():
    november = month_of(date(2026, 11, 5))
    assert november.previous() == Period(date(2026, 10, 1), date(2026, 10, 31), "month")
    so_far = Period(date(2026, 10, 1), date(2026, 12, 2), "quarter")
    assert so_far.partial and so_far.label() == "Q4 2026 so far"
    assert so_far.previous() == Period(date(2026, 7, 1), date(2026, 9, 1), "quarter")  # as many days
    assert fiscal_year_of(date(2026, 5, 1), 10).previous() == Period(date(2024, 10, 1), date(2025, 9, 30),
                                                                    "fiscal_year")
    assert Period(date(2025, 10, 1), date(2026, 2, 28), "year_to_date").previous() == Period(
        date(2024, 10, 1), date(2025, 2, 28), "year_to_date")


# --- fixed at first release -------------------------------------------------------------------------------------

def test_figures_are_fixed_when_first_released(db, content, demo):
    q3 = quarter_of(date(2026, 8, 1))
    first = _release(db, demo, content, q3)
    assert first.released and first.released_by == demo.display_name
    # A check-in recorded afterwards for a day in the quarter changes the records, not the released report.
    with db.reading() as s:
        client = s.scalar(select(Client).where(Client.status == "open", Client.opened_on < date(2026, 7, 1))
                          .order_by(Client.id))
        advocate = s.scalar(select(User).where(User.id == client.advocate_id))
    ada = Actor(advocate.id, advocate.username, advocate.display_name, advocate.role)
    check_in(db, ada, content, client.code, occurred_at=datetime(2026, 8, 10, 15), submission_key="late-entry")
    again = _release(db, demo, content, q3, now=NOW + timedelta(days=3))
    assert again.cells == first.cells and again.figures_as_of == first.figures_as_of
    with db.reading() as s:
        released = s.scalars(select(AuditEvent).where(AuditEvent.action == "figures_released")).all()
    assert len(released) == 2  # Q3, and Q2 for its comparison column, once each


def test_a_released_period_keeps_its_threshold(db, content, demo):
    """Two releases of one period at two thresholds hide different cells and could be subtracted: a changed
    WAYPOINT_SUPPRESSION_MIN applies to the periods not released yet."""
    q3, q1 = quarter_of(date(2026, 8, 1)), quarter_of(date(2026, 2, 1))
    first = _release(db, demo, content, q3)
    later = _release(db, demo, content, q3, k=11)
    assert later.k == K and later.cells == first.cells
    assert _release(db, demo, content, q1, k=11).k == 11


def test_a_preview_is_not_a_release(db, content, demo):
    q2 = quarter_of(date(2026, 5, 1))
    preview = _release(db, demo, content, q2, fix=False)
    assert not preview.released
    assert releases.released_periods(db, demo) == {}
    made = _release(db, demo, content, q2)
    assert made.cells == preview.cells
    assert ("quarter", q2.start) in releases.released_periods(db, demo)


def test_no_earlier_records_means_no_comparison(db, content, demo):
    periods = releases.available(db, demo, today=TODAY, fiscal_start=10, zone=ZONE)
    first = _release(db, demo, content, periods[-1], fix=False)
    assert not first.has_earlier_data and first.previous_cells == []
    later = _release(db, demo, content, periods[1], fix=False)
    assert later.has_earlier_data and {c.row for c in later.previous_cells} == set(releases.SUMMARY_ROWS)


# --- a year from its quarters -----------------------------------------------------------------------------------

def test_a_fiscal_year_is_built_from_its_released_quarters(db, content, demo):
    year = fiscal_year_of(date(2026, 1, 1), 10)
    report = _release(db, demo, content, year)
    quarters = [_release(db, demo, content, q) for q in quarters_of(year)]
    checked = 0
    for c in report.cells:
        if c.kind != "count":
            continue
        parts = [q.cell(c.table, c.row, c.column) for q in quarters]
        parts = [p for p in parts if p is not None]
        if c.table == "by_month":
            assert [p for p in parts if p.row == c.row] == [c] or len(parts) == 1
            continue
        if any(p.hidden for p in parts):
            assert c.hidden and c.value is None and c.why == "quarter", c
            assert releases.shown_as(c, K) == "not shown: hidden in a quarter"  # it may be large: not "fewer than"
        else:
            assert not c.hidden and c.value == sum(p.value for p in parts), c
        checked += 1
    assert checked > 100
    assert len([c for c in report.cells if c.table == "by_month"]) == 12
    assert any(c.hidden for c in report.cells) and any(not c.hidden and c.value for c in report.cells)


# --- the differencing attack --------------------------------------------------------------------------------------

def _atoms(db, content, zone: ZoneInfo) -> dict[str, dict[tuple, int]]:
    """The true finest counts behind the additive figures, by family (the attacker's unknowns)."""
    tz = zone
    fam: dict[str, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    with db.reading() as s:
        for at, concern, mode, version, safety, spoken, interpreter in s.execute(select(
                CheckIn.occurred_at, CheckIn.concern, CheckIn.contact_mode, CheckIn.checklist_version,
                CheckIn.safety_planning, CheckIn.conversation_language, CheckIn.interpreter)).all():
            month = in_zone(at, tz).date().replace(day=1)
            fam["check_ins"][(month, concern, mode, version, spoken, interpreter)] += 1
            fam["safety"][(month,)] += int(bool(safety))
        for at, code in s.execute(select(CheckInItem.occurred_at, CheckInItem.code)).all():
            fam["signs"][(in_zone(at, tz).date().replace(day=1), code)] += 1
        for at, code, accepted in s.execute(select(CheckInReferral.occurred_at, CheckInReferral.resource_code,
                                                   CheckInReferral.accepted)).all():
            month = in_zone(at, tz).date().replace(day=1)
            fam["offered"][(month, code)] += 1
            fam["taken_up"][(month, code)] += int(bool(accepted))
        for day, reason in s.execute(select(ClientClosure.closed_on, ClientClosure.reason)).all():
            fam["closings"][(day.replace(day=1), reason)] += 1
        for (day,) in s.execute(select(Client.opened_on)).all():
            fam["new_clients"][(day.replace(day=1),)] += 1
    return fam


def _equations(report: releases.Release, version_from: dict[str, int]) -> list[tuple[str, object, releases.Cell]]:
    """Each additive figure of a report as (family, predicate over an atom key, cell)."""
    months = set(report.period.months)
    inside = lambda m: m in months  # noqa: E731
    out: list[tuple[str, object, releases.Cell]] = []
    for c in report.cells:
        if c.kind != "count":
            continue
        t, row, col = c.table, c.row, c.column
        if (t, row) == ("summary", "check_ins") or t == "by_month" or t in (
                "concern", "contact_mode", "conversation_language", "interpreter") or (t == "signs" and col == "asked"):
            def pred(key, t=t, row=row, col=col):
                month, concern, mode, version, spoken, interpreter = key
                if not inside(month):
                    return False
                if t == "signs":
                    return version >= version_from[row]
                listed = i18n.conversation_languages()
                return {"summary": True, "by_month": month.isoformat() == row, "concern": concern == row,
                        "contact_mode": mode == row,
                        "conversation_language": spoken is not None and (
                            spoken if spoken in listed else i18n.OTHER) == row,
                        "interpreter": interpreter is not None and interpreter == (row == "yes")}[t]
            out.append(("check_ins", pred, c))
        elif (t, row) == ("summary", "safety_planning"):
            out.append(("safety", lambda key: inside(key[0]), c))
        elif (t, row) == ("summary", "new_clients"):
            out.append(("new_clients", lambda key: inside(key[0]), c))
        elif t == "signs" and col == "check_ins":
            out.append(("signs", lambda key, row=row: inside(key[0]) and key[1] == row, c))
        elif (t, row) in (("summary", "referrals_offered"), ("summary", "referrals_taken_up")):
            fam = "offered" if row == "referrals_offered" else "taken_up"
            out.append((fam, lambda key: inside(key[0]), c))
        elif t == "referrals":
            out.append(("offered" if col == "offered" else "taken_up",
                        lambda key, row=row: inside(key[0]) and key[1] == row, c))
        elif (t, row) == ("summary", "files_closed"):
            out.append(("closings", lambda key: inside(key[0]), c))
        elif t == "closings":
            out.append(("closings", lambda key, row=row: inside(key[0]) and
                        (key[1] if key[1] in dict(releases.CLOSING_REASONS) else "other") == row, c))
        else:
            raise AssertionError(f"a released count the attack does not model: {c}")
    return out


def _determined(shown: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each row of `targets`: is it a linear combination of the rows of `shown` (its value follows from
    theirs)? Least squares with every target at once: a combination exists where the residual is zero."""
    if shown.size == 0:
        return ~targets.any(axis=1)
    solution = np.linalg.lstsq(shown.T, targets.T, rcond=None)[0]
    return np.abs(shown.T @ solution - targets.T).max(axis=0) < 1e-6


def _attack(reports: list[releases.Release], atoms: dict[str, dict[tuple, int]], content) -> list[str]:
    """Every hidden figure an attacker holding all `reports` could compute exactly; [] when none."""
    version_from = {i.code: i.added_in for s in content.checklist.checkin_sections() for i in s.items}
    equations = [e for r in reports for e in _equations(r, version_from)]
    found = []
    for family in sorted({f for f, _, _ in equations}):
        rows = [(pred, c) for f, pred, c in equations if f == family]
        # Every possible atom of the family, zero or not (the attacker does not know which are empty) ...
        keys = sorted(atoms[family], key=str) if family != "check_ins" else _all_check_in_keys(atoms, rows)
        keys = sorted(set(keys) | set(atoms[family]), key=str)
        matrix = np.array([[1.0 if pred(key) else 0.0 for key in keys] for pred, _ in rows])
        shown = [i for i, (_, c) in enumerate(rows) if not c.hidden]
        # ... except those inside a figure shown as 0, which the attacker knows are empty.
        zero = np.zeros(len(keys), dtype=bool)
        for i in shown:
            if rows[i][1].value == 0:
                zero |= matrix[i] > 0
        matrix = matrix[:, ~zero]
        hidden = [i for i, (_, c) in enumerate(rows) if c.hidden]
        if hidden:
            for i, determined in zip(hidden, _determined(matrix[shown], matrix[hidden]), strict=True):
                if determined:
                    c = rows[i][1]
                    found.append(f"{family}: {c.table}/{c.row}/{c.column}")
        # The model is the real one: the shown figures are the sums of the true atoms.
        truth = np.array([atoms[family].get(key, 0) for j, key in enumerate(keys) if not zero[j]], dtype=float)
        for i in shown:
            assert matrix[i] @ truth == rows[i][1].value, (family, rows[i][1])
    return found


def _all_check_in_keys(atoms, rows) -> list[tuple]:
    months = {k[0] for k in atoms["check_ins"]}
    concerns, modes = releases.CONCERN_NAMES, releases.MODE_NAMES
    versions = {k[3] for k in atoms["check_ins"]}
    # Every language a check-in could record (and none), with and without an interpreter (and not recorded).
    spoken = {None, i18n.OTHER, *(k[4] for k in atoms["check_ins"])}
    return [(m, c, mo, v, sp, i) for m in months for c in concerns for mo in modes for v in versions
            for sp in spoken for i in (None, True, False)]


def test_no_hidden_figure_can_be_worked_out_from_any_set_of_reports(db, content, demo):
    periods = releases.available(db, demo, today=TODAY, fiscal_start=10, zone=ZONE)
    assert any(p.kind == "fiscal_year" for p in periods) and sum(p.kind == "quarter" for p in periods) >= 4
    reports = [_release(db, demo, content, p) for p in periods]
    hidden = [c for r in reports for c in r.cells if c.hidden and c.kind == "count"]
    assert len(hidden) > 20, "the demo data must give the attacker hidden figures to go after"
    atoms = _atoms(db, content, ZoneInfo(ZONE))
    assert _attack(reports, atoms, content) == []
    # Every overlapping pair is a subset of the above; checked on its own too, as the issue asks.
    year = next(r for r in reports if r.period.kind == "fiscal_year")
    for quarter in (r for r in reports if r.period.kind == "quarter" and year.period.start <= r.period.start
                    <= year.period.end):
        assert _attack([year, quarter], atoms, content) == []


def test_the_attack_finds_what_a_careless_year_would_give_away(db, content, demo):
    """The attack is real: a fiscal year counted afresh (not built from its quarters) gives hidden quarter
    figures back by subtraction, and the test above would say so."""
    year = fiscal_year_of(date(2026, 1, 1), 10)
    quarters = [_release(db, demo, content, q) for q in quarters_of(year)]
    honest = _release(db, demo, content, year, fix=False)
    with db.reading() as s:
        fresh = releases._quarter_cells(s, content, year, K, ZoneInfo(ZONE), NOW)
    careless = releases.Release(year, year.previous(), "x", K, NOW, NOW, "x", [c for c in fresh if c.kind == "count"])
    atoms = _atoms(db, content, ZoneInfo(ZONE))
    leaks = _attack([*quarters, careless], atoms, content)
    assert leaks, "a fresh year next to its quarters should give something away on the demo data"
    assert _attack([*quarters, honest], atoms, content) == []


def test_two_periods_a_day_apart_cannot_both_leave(db, content, demo):
    """Attack 3 of the issue: two custom periods differing by one day. Neither can be a report; the closest
    allowed pair (a quarter and the next) do not overlap."""
    with pytest.raises(ValidationFailed):
        _release(db, demo, content, Period(date(2026, 7, 1), date(2026, 9, 29)))
    with pytest.raises(ValidationFailed):
        _release(db, demo, content, Period(date(2026, 7, 1), date(2026, 9, 30)))  # custom, even when whole
    q2, q3 = quarter_of(date(2026, 5, 1)), quarter_of(date(2026, 8, 1))
    assert q2.end < q3.start
