"""One zone and one format for every time shown (issue 17, item 14), and every audited action in words (item 13).

The agency's zone is a setting (WAYPOINT_TIME_ZONE) checked when Waypoint starts; services keep UTC and only what
is shown is converted, so the same stored time reads the same for everyone, across daylight saving changes too.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.base.settings import REPO_ROOT, ConfigError, Settings, server_zone, time_zone_from
from models.base.timeutil import in_zone, show
from models.services import audit
from models.services.account_admin import SIGN_IN_ACTIONS
from models.services.audit_log import (
    ACTION_WORDS,
    about,
    account_names,
    action_words,
    named_details,
    search_audit,
)

CHICAGO = ZoneInfo("America/Chicago")


# --- the setting ---------------------------------------------------------------------------------------------


def test_an_unset_zone_is_the_servers_own(monkeypatch):
    monkeypatch.delenv("TZ", raising=False)
    assert Settings.from_env({}).time_zone == server_zone()
    assert time_zone_from({"WAYPOINT_TIME_ZONE": "  "}) == server_zone()


def test_the_servers_zone_is_read_from_tz_then_etc_localtime_then_utc(tmp_path):
    assert server_zone(tz_variable=":America/Chicago") == "America/Chicago"
    assert server_zone(tz_variable="Europe/London") == "Europe/London"
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Pacific/Auckland")
    if link.exists():  # the system's zone files are there: the link names the zone
        assert server_zone(link, tz_variable="") == "Pacific/Auckland"
        assert server_zone(tz_variable="/usr/share/zoneinfo/Asia/Tokyo") == "Asia/Tokyo"
    assert server_zone(tmp_path / "absent", tz_variable="") == "UTC"
    assert server_zone(tmp_path / "absent", tz_variable="Not/AZone") == "UTC"
    plain = tmp_path / "copied"
    plain.write_bytes(b"TZif")  # a copied file, not a link: no name to read, so UTC
    assert server_zone(plain, tz_variable="") == "UTC"


def test_a_valid_zone_is_taken():
    assert Settings.from_env({"WAYPOINT_TIME_ZONE": "America/Chicago"}).time_zone == "America/Chicago"
    assert Settings.from_env({"WAYPOINT_TIME_ZONE": " Europe/London "}).time_zone == "Europe/London"


@pytest.mark.parametrize("raw", ["Mars/Olympus", "CST ", "America/", "../etc/passwd", "UTC+2", "x" * 300, "a\x00b"])
def test_a_name_that_is_no_zone_stops_start_up_naming_the_setting(raw):
    with pytest.raises(ConfigError, match="WAYPOINT_TIME_ZONE") as refused:
        Settings.from_env({"WAYPOINT_TIME_ZONE": raw})
    assert "America/Chicago" in str(refused.value)  # says what a right value looks like


def test_the_setting_is_documented():
    text = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert "| `WAYPOINT_TIME_ZONE` |" in text and "## The agency's time zone" in text


# --- the format ----------------------------------------------------------------------------------------------


def test_one_readable_format_without_leading_zeros():
    at = datetime(2026, 12, 2, 20, 5)  # naive UTC, as stored
    assert show(at, CHICAGO) == "2 Dec 2026, 14:05"
    assert show(at, CHICAGO, with_zone=True) == "2 Dec 2026, 14:05 CST"
    assert show(at, CHICAGO, with_time=False) == "2 Dec 2026"
    assert show(date(2026, 3, 5), CHICAGO) == "5 Mar 2026"  # a day is shown as the day it is
    assert show(None, CHICAGO) == "—"
    assert show(at.replace(tzinfo=UTC), CHICAGO) == "2 Dec 2026, 14:05"  # an aware time is not shifted twice


def test_show_follows_daylight_saving_time_in_chicago():
    # Clocks went forward at 2:00 local on 8 Mar 2026 (08:00 UTC) and back at 2:00 on 1 Nov 2026 (07:00 UTC).
    assert show(datetime(2026, 3, 8, 7, 59), CHICAGO, with_zone=True) == "8 Mar 2026, 01:59 CST"
    assert show(datetime(2026, 3, 8, 8, 0), CHICAGO, with_zone=True) == "8 Mar 2026, 03:00 CDT"
    assert show(datetime(2026, 11, 1, 6, 30), CHICAGO, with_zone=True) == "1 Nov 2026, 01:30 CDT"
    assert show(datetime(2026, 11, 1, 7, 30), CHICAGO, with_zone=True) == "1 Nov 2026, 01:30 CST"
    # A UTC day boundary is the evening before in Chicago: the date shown is the agency's.
    assert show(datetime(2026, 7, 1, 3, 0), CHICAGO, with_time=False) == "30 Jun 2026"


def test_the_ui_module_shows_times_in_the_configured_zone(monkeypatch):
    from dashboard import timeutil_ui as tz

    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "America/Chicago")
    assert tz.show(datetime(2026, 12, 2, 20, 5), with_zone=True) == "2 Dec 2026, 14:05 CST"
    assert tz.show_date(datetime(2026, 7, 1, 3, 0)) == "30 Jun 2026"
    assert tz.to_utc(date(2026, 7, 1), datetime.min.time()) == datetime(2026, 7, 1, 5, 0)
    monkeypatch.setenv("WAYPOINT_TIME_ZONE", "Asia/Tokyo")
    assert tz.show(datetime(2026, 12, 2, 20, 5)) == "3 Dec 2026, 05:05"
    assert tz.INPUT_DATE_FORMAT == "YYYY-MM-DD"


def test_every_date_input_in_the_dashboard_uses_the_one_format():
    """A date box with another format, or none (Streamlit's default is YYYY/MM/DD), reads differently from the rest.
    Files owned elsewhere that still spell the format out are listed, to move to tz.INPUT_DATE_FORMAT."""
    wrong = []
    for path in sorted((REPO_ROOT / "dashboard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "date_input":
                fmt = next((k.value for k in node.keywords if k.arg == "format"), None)
                ok = isinstance(fmt, ast.Attribute) and fmt.attr == "INPUT_DATE_FORMAT" or \
                    isinstance(fmt, ast.Constant) and fmt.value == "YYYY-MM-DD"
                if not ok:
                    wrong.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert not wrong, wrong


# --- actions in words -----------------------------------------------------------------------------------------

_RECORDERS = {"record": 2, "record_now": 2, "refusals_audited": 2}  # audit.record*, clients.refusals_audited


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def audited_actions() -> dict[str, str]:
    """Every action name models/ can write to the log, with a file that writes it: the literal given to
    audit.record / record_now / refusals_audited, or to a helper of the same module that passes its `action`
    parameter on, or assigned to a variable named `action` (also in a tuple, `action, detail = ...`)."""
    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "models").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        takers = dict(_RECORDERS)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name not in takers:
                params = [a.arg for a in node.args.args]
                if "action" in params:
                    takers[node.name] = params.index("action")
        for node in ast.walk(tree):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in takers:
                    i = takers[name]
                    values = [node.args[i]] if len(node.args) > i else \
                        [k.value for k in node.keywords if k.arg == "action"]
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "action":
                        values.append(node.value)
                    elif isinstance(target, ast.Tuple):
                        names = [getattr(e, "id", None) for e in target.elts]
                        if "action" in names:
                            branches = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) \
                                else [node.value]
                            values += [b.elts[names.index("action")] for b in branches if isinstance(b, ast.Tuple)]
            for value in values:
                for action in _strings(value):
                    found.setdefault(action, str(path.relative_to(REPO_ROOT)))
    return found


def test_the_scan_finds_the_actions_written_through_helpers():
    found = audited_actions()
    # Directly, through a conditional, through a module helper, through a tuple assignment, through a context.
    for action in ("client_opened", "user_activated", "account_confirmed", "second_factor_failed", "client_erased",
                   "sign_out", "audit_viewed", "aggregates_exported"):
        assert action in found, action
    assert len(found) >= 50


def test_every_audited_action_has_words():
    missing = {a: where for a, where in audited_actions().items() if a not in ACTION_WORDS}
    assert not missing, f"give these actions words in models/services/audit_log.py ACTION_WORDS: {missing}"
    assert set(SIGN_IN_ACTIONS) <= set(ACTION_WORDS)
    for action, words in ACTION_WORDS.items():
        assert "_" not in words and words[0].isupper(), action
    assert action_words("aggregates_exported") == "Prepared a report file"
    assert action_words("something_new") == "Something new"  # a newer name still reads as words


def test_account_numbers_read_as_names():
    names = {3: "Ada Advocate", 5: "Bo Advocate"}
    assert named_details("from user 3 to user 5; hand-over", names) == "from Ada Advocate to Bo Advocate; hand-over"
    assert named_details("assigned to user 99", names) == "assigned to an account"
    assert named_details("user 30 of 3", names) == "an account of 3"  # a whole number, never a prefix of one
    assert named_details(None, names) == ""
    assert about("user", "5", names) == "Bo Advocate"
    assert about("user", None, names) == "an account"
    assert about("client", "K7F-3QX", names) == "K7F-3QX"
    assert about("session", "812", names) == "their session"  # no database number
    assert about(None, None, names) == ""


def test_the_audit_log_names_the_accounts_for_an_admin_only(db, people):
    names = account_names(db, people.alex)
    assert names[people.ada.user_id] == people.ada.display_name
    with pytest.raises(Exception, match="administrators"):
        account_names(db, people.ada)


def test_the_period_is_days_in_the_agencys_zone(db, people):
    """A day chosen on the page is a day in the agency's zone. The log is append-only, so the event is now: at any
    moment the days in Kiritimati (UTC+14) and Pago Pago (UTC-11) differ, and each finds it in its own zone only."""
    with db.writing() as s:
        audit.record(s, people.alex, "demo_loaded", detail="zone test")
    at = next(r.at for r in search_audit(db, people.alex) if r.detail == "zone test")
    east, west = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")
    east_day, west_day = in_zone(at, east).date(), in_zone(at, west).date()
    assert east_day != west_day

    def found(day: date, zone) -> bool:  # type: ignore[no-untyped-def]
        return any(r.detail == "zone test" for r in search_audit(db, people.alex, start=day, end=day, zone=zone))

    assert found(east_day, east) and not found(west_day, east)
    assert found(west_day, west) and not found(east_day, west)
    assert found(at.date(), UTC)  # UTC days, as before, when no zone is given
    assert search_audit(db, people.alex, start=date.min, end=date.min + timedelta(days=1), zone=CHICAGO) == []


def test_the_old_sign_ins_words_table_is_gone():
    """One table of words for both pages: the Sign-ins page no longer keeps its own copy."""
    page = Path(REPO_ROOT / "dashboard" / "views" / "sign_ins.py").read_text(encoding="utf-8")
    assert "WHAT = {" not in page and "action_words" in page
