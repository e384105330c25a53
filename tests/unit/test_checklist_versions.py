"""Checklist version 2 (issue 13): three new items with new permanent codes, and check-ins recorded on version 1
keep their meaning. Side by side with version 2 check-ins they still show, chart and count correctly: an item added
in version 2 is "not asked" at a version 1 check-in, never "not observed", in timelines, trends and exports; a
correction keeps the version it corrects. On SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import select

from bench.naive_trends import compute, load
from models.base.errors import ValidationFailed
from models.base.settings import REPO_ROOT
from models.base.timeutil import utcnow
from models.content.loader import Checklist, Content, ContentError, load_content
from models.rules.permissions import Actor
from models.services.accounts import bootstrap_user
from models.services.caseload import caseload
from models.services.checkins import CheckInForm, client_timeline, correct_check_in, get_check_in, record_check_in
from models.services.clients import open_client
from models.services.demo import VERSION_CHANGE_DAYS_AGO, load_demo
from models.services.trends import Period, TrendFilter, monday, preset, trends
from models.store.entities import CheckIn, CheckInItem, Client

NOW = utcnow().replace(microsecond=0)
NEW_SIGNS = ("signs.no-way-out", "signs.depends-on-person")
NEW_CONTEXT = "contexts.sexual-assault"
NO_WAY_OUT, DEPENDS = NEW_SIGNS
SELF_BLAME = "signs.self-blame"


def version_1(content: Content) -> Content:
    """The shipped content as it was before version 2: the same codes and labels, without the items version 2
    added. Check-ins recorded with it are stored on checklist version 1, exactly as they were before the change."""
    checklist = content.checklist
    sections = tuple(s.model_copy(update={"items": tuple(i for i in s.items if i.added_in == 1)})
                     for s in checklist.sections)
    old = Checklist.model_validate({**checklist.model_dump(), "version": 1,
                                    "sections": [s.model_dump() for s in sections]})
    return Content(old, content.resources, content.packs, content.script_set, content.guidance, content.pack_titles)


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    ids = {name: bootstrap_user(db, username=name, display_name=name.title(), role=role,
                                password="quiet harbour lamp")
           for name, role in (("ada", "advocate"), ("sam", "supervisor"))}
    return {"ada": Actor(ids["ada"], "ada", "Ada", "advocate"), "sam": Actor(ids["sam"], "sam", "Sam", "supervisor")}


def _client(db, content, team) -> str:  # type: ignore[no-untyped-def]
    return open_client(db, team["ada"], content, relationship_context="contexts.intimate-partner", factors=[],
                       opened_on=(NOW - timedelta(weeks=12)).date()).code


def _record(db, team, content, code: str, days_ago: float, items, key: str):  # type: ignore[no-untyped-def]
    return record_check_in(db, team["ada"], content, CheckInForm(
        client=code, occurred_at=NOW - timedelta(days=days_ago), contact_mode="phone", harm_contact="some",
        concern="moderate", items=list(items)), submission_key=f"versions-{key}")


# --------------------------------------------------------------------------- the content


def test_version_2_adds_the_three_missing_things_with_new_permanent_codes(content):
    checklist = content.checklist
    assert checklist.version == 2
    added = {i.code: i for s in checklist.sections for i in s.items if i.added_in == 2}
    assert set(added) == {*NEW_SIGNS, NEW_CONTEXT}
    assert "no way out" in added[NO_WAY_OUT].label
    assert all(w in added[DEPENDS].label for w in ("person causing harm", "food", "housing", "money", "affection"))
    assert "Sexual assault" in added[NEW_CONTEXT].label
    assert checklist.section("signs").use == "checkin" and checklist.section("contexts").use == "intake"
    assert all(i.added_in == 1 for s in checklist.sections for i in s.items if i.code not in added)


def test_every_version_1_code_is_still_there_with_its_meaning(content):
    v1 = version_1(content).checklist
    assert set(v1.all_codes()) <= set(content.checklist.all_codes())
    assert len(v1.all_codes()) == len(content.checklist.all_codes()) - 3
    for code in v1.all_codes():
        assert content.checklist.item(code).added_in == 1


def test_the_wording_the_review_asked_for(content):
    hidden = content.checklist.item("signs.keeps-harm-hidden").guidance
    assert "protects the client from danger or shame" in hidden and "protects the person" not in hidden
    assert "again and again" not in content.checklist.item("signs.relies-on-unreliable").label


def test_an_item_added_in_a_version_after_the_checklists_own_is_refused(tmp_path: Path):
    copy = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", copy)
    path = copy / "checklists" / "trauma-bonding.yaml"
    data = yaml.safe_load(path.read_text())
    data["sections"][0]["items"][0]["added_in"] = 3
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    with pytest.raises(ContentError, match=r"content/checklists/trauma-bonding.yaml: .*added_in.*version 2"):
        load_content(copy, ("us-national",))


# --------------------------------------------------------------------------- stored check-ins keep their meaning


def test_a_version_1_check_in_keeps_its_version_items_and_labels_under_version_2(db, content, team):
    code = _client(db, content, team)
    saved = _record(db, team, version_1(content), code, 20, [SELF_BLAME, "emotional.fear"], "v1-a")
    view = get_check_in(db, team["ada"], saved.id)
    assert view.checklist_version == 1 and view.items == ("emotional.fear", SELF_BLAME) and view.sign_count == 2
    assert [content.checklist.item(c).label for c in view.items]  # every stored code still has its label
    newer = _record(db, team, content, code, 2, [NO_WAY_OUT], "v2-a")
    assert newer.checklist_version == 2


def test_a_correction_keeps_the_version_it_corrects_and_cannot_add_what_was_not_asked(db, content, team):
    code = _client(db, content, team)
    saved = _record(db, team, version_1(content), code, 20, [SELF_BLAME], "v1-b")
    form = CheckInForm(client=code, occurred_at=saved.occurred_at, contact_mode="phone", harm_contact="some",
                       concern="high", items=[SELF_BLAME])
    corrected = correct_check_in(db, team["ada"], content, saved.id, form, expected_version=1)
    assert corrected.concern == "high" and corrected.checklist_version == 1 and corrected.version == 2
    with pytest.raises(ValidationFailed) as err:
        correct_check_in(db, team["ada"], content, saved.id,
                         CheckInForm(**{**form.__dict__, "items": [SELF_BLAME, NO_WAY_OUT]}), expected_version=2)
    label = content.checklist.item(NO_WAY_OUT).label
    assert f"recorded on an earlier checklist, before these were added: {label}" in err.value.errors["items"]
    assert NO_WAY_OUT not in err.value.errors["items"]
    assert get_check_in(db, team["ada"], saved.id).items == (SELF_BLAME,)


def test_side_by_side_in_the_timeline_a_new_item_is_not_asked_at_a_version_1_check_in(db, content, team):
    code = _client(db, content, team)
    old = _record(db, team, version_1(content), code, 20, [SELF_BLAME, "emotional.fear"], "v1-c")
    new = _record(db, team, content, code, 3, [NO_WAY_OUT, "emotional.fear"], "v2-c")
    timeline = client_timeline(db, team["ada"], content, code)
    assert [v.checklist_version for v in timeline.check_ins] == [1, 2]
    grid = timeline.grid
    assert grid[NO_WAY_OUT] == {old.id: None, new.id: True}  # not asked then; observed now
    assert grid[SELF_BLAME] == {old.id: True, new.id: False}  # asked both times; observed only the first
    assert grid["emotional.fear"] == {old.id: True, new.id: True}
    assert DEPENDS not in grid  # never observed: no row, as before
    counts = {(r["check_in_id"], r["section"]): r["count"] for r in timeline.chart}
    assert counts[(old.id, "signs")] == 1 and counts[(new.id, "signs")] == 1
    assert counts[(old.id, "emotional")] == 1 and counts[(new.id, "emotional")] == 1


def _same(sql: pd.DataFrame, ref: pd.DataFrame, name: str) -> None:
    left = sql.reset_index(drop=True)
    right = ref[left.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9, obj=name)


def test_side_by_side_in_trends_a_new_item_counts_only_check_ins_that_asked_it(db, content, team):
    """Three clients; three version 1 check-ins several weeks ago and two version 2 check-ins this week."""
    old_content = version_1(content)
    codes = [_client(db, content, team) for _ in range(3)]
    for n, code in enumerate(codes):
        _record(db, team, old_content, code, 30 + n, [SELF_BLAME], f"v1-t{n}")
    _record(db, team, content, codes[0], 1, [NO_WAY_OUT, SELF_BLAME], "v2-t0")
    _record(db, team, content, codes[1], 1.5, [DEPENDS], "v2-t1")
    f = TrendFilter(preset("Quarter", NOW.date()))
    report = trends(db, team["sam"], content, f, k=1, now=NOW)

    items = report.items.set_index("code")
    assert next(m for m in report.metrics if m.label == "Check-ins").value == 5  # every check-in still counts
    assert items.loc[SELF_BLAME, "share"] == pytest.approx(4 / 5)  # on both forms: all five check-ins
    assert items.loc[NO_WAY_OUT, "share"] == pytest.approx(1 / 2)  # only the two that asked, never 1 in 5
    assert items.loc[DEPENDS, "share"] == pytest.approx(1 / 2)
    assert items.loc[NO_WAY_OUT, "added_in"] == 2 and bool(items.loc[NO_WAY_OUT, "on_checklist"])

    cells = report.items_over_time
    new_item = cells[cells["code"] == NO_WAY_OUT].set_index("bucket_start")
    week_of_v1 = monday((NOW - timedelta(days=30)).date())
    assert not new_item.loc[week_of_v1, "on_checklist"] and pd.isna(new_item.loc[week_of_v1, "share"])
    # Blank exactly where the week's check-ins were all on version 1; a week with no check-in at all is 0 for every
    # item, as before; the one week with version 2 check-ins has the share among those two.
    v1_weeks = {monday((NOW - timedelta(days=d)).date()) for d in (30, 31, 32)}
    assert set(new_item.index[~new_item["on_checklist"].astype(bool)]) == v1_weeks
    assert (new_item["share"].fillna(0) > 0).sum() == 1 and new_item["share"].max() == pytest.approx(1 / 2)
    blame = cells[cells["code"] == SELF_BLAME].set_index("bucket_start")
    assert blame.loc[week_of_v1, "share"] > 0 and bool(blame.loc[week_of_v1, "on_checklist"])

    # The independent pandas computation agrees on every frame, version 1 and 2 together.
    reference = compute(load(db), content, f, k=1, now=NOW)
    for name in ("weekly", "items", "items_over_time", "concern", "referrals", "progress"):
        _same(getattr(report, name), reference[name], name)


def test_a_period_of_only_version_1_check_ins_shows_no_share_for_the_new_items(db, content, team):
    old_content = version_1(content)
    for n in range(2):
        _record(db, team, old_content, _client(db, content, team), 40 + n, [SELF_BLAME], f"v1-only-{n}")
    f = TrendFilter(Period(NOW.date() - timedelta(days=60), NOW.date() - timedelta(days=20)))
    report = trends(db, team["sam"], content, f, k=1, now=NOW)
    items = report.items.set_index("code")
    for code in NEW_SIGNS:
        assert not items.loc[code, "on_checklist"] and pd.isna(items.loc[code, "share"]), code
        assert not items.loc[code, "hidden"]  # no share because it was not asked, not because it is hidden
    assert items.loc[SELF_BLAME, "share"] == 1.0


def test_trends_say_for_each_new_item_since_when_it_is_counted(db, content, team):
    old_content = version_1(content)
    code = _client(db, content, team)
    _record(db, team, old_content, code, 50, [SELF_BLAME], "since-v1")
    first_v2 = _record(db, team, content, code, 20, [NO_WAY_OUT], "since-v2-first")
    _record(db, team, content, code, 3, [DEPENDS], "since-v2-later")
    # The period starts after the first version 2 check-in: "counted from" is still when the item came into use.
    f = TrendFilter(Period(NOW.date() - timedelta(days=10), NOW.date()))
    report = trends(db, team["sam"], content, f, k=1, now=NOW)
    day = first_v2.occurred_at.date()
    expected = f"added to the checklist later, counted from {day.day} {day:%b %Y}"
    assert report.counted_from[2] == day and report.new_item_note(2) == expected
    items = report.items.set_index("code")
    for new in NEW_SIGNS:
        assert items.loc[new, "new"] == expected, new
    assert items.loc[SELF_BLAME, "new"] == ""  # on the checklist from the start: nothing to say
    cells = report.items_over_time
    assert set(cells[cells["code"] == NO_WAY_OUT]["new"]) == {expected}
    reference = compute(load(db), content, f, k=1, now=NOW)
    for name in ("items", "items_over_time"):
        _same(getattr(report, name), reference[name], name)


def test_before_any_version_2_check_in_a_new_item_is_not_counted_yet(db, content, team):
    _record(db, team, version_1(content), _client(db, content, team), 5, [SELF_BLAME], "not-yet-v1")
    report = trends(db, team["sam"], content, TrendFilter(preset("Quarter", NOW.date())), k=1, now=NOW)
    assert report.counted_from.get(2) is None
    assert report.new_item_note(2) == ("added to the checklist later, not counted yet: no check-in has been recorded "
                                       "with it")


# --------------------------------------------------------------------------- the demo data


def test_demo_data_records_new_items_only_on_check_ins_of_the_version_that_added_them(db, content):
    load_demo(db, content, clients=40, seed=13, now=NOW)
    changed_at = NOW - timedelta(days=VERSION_CHANGE_DAYS_AGO)
    with db.reading() as s:
        rows = s.execute(select(CheckIn.id, CheckIn.occurred_at, CheckIn.checklist_version)).all()
        items = s.execute(select(CheckInItem.check_in_id, CheckInItem.code)).all()
        contexts = s.execute(select(Client.opened_on, Client.relationship_context)).all()
    version = {r.id: r.checklist_version for r in rows}
    # Version 1 earlier in the year, version 2 from the change on: the change is there to see in the trends.
    assert {r.checklist_version for r in rows if r.occurred_at < changed_at} == {1}
    assert {r.checklist_version for r in rows if r.occurred_at >= changed_at} == {2}
    new_codes = {i.code for s in content.checklist.sections for i in s.items if i.added_in == 2}
    on_new = [(check_in, code) for check_in, code in items if code in new_codes]
    assert on_new, "the demo should show the new items once they are on the form"
    assert all(version[check_in] >= 2 for check_in, _ in on_new)
    assert all(context != NEW_CONTEXT for opened, context in contexts if opened < changed_at.date())
    report = trends(db, Actor(1, "admin", "Admin", "supervisor"), content,
                    TrendFilter(Period(NOW.date() - timedelta(days=364), NOW.date())), k=1, now=NOW)
    first_v2 = min(r.occurred_at for r in rows if r.checklist_version == 2).date()
    assert report.counted_from[2] == first_v2 and first_v2 >= changed_at.date()


# --------------------------------------------------------------------------- the caseload's arrows


def test_the_caseload_arrow_compares_only_items_on_both_versions(db, content, team):
    old_content = version_1(content)
    steady = _client(db, content, team)  # the same sign, plus the two new ones now that they are asked
    _record(db, team, old_content, steady, 10, [SELF_BLAME], "arrow-steady-v1")
    _record(db, team, content, steady, 2, [SELF_BLAME, NO_WAY_OUT, DEPENDS], "arrow-steady-v2")
    fewer = _client(db, content, team)  # one old sign gone; a new one ticked: fewer on the items both ask
    _record(db, team, old_content, fewer, 10, [SELF_BLAME, "signs.idealises-person"], "arrow-fewer-v1")
    _record(db, team, content, fewer, 2, [SELF_BLAME, NO_WAY_OUT], "arrow-fewer-v2")
    same_version = _client(db, content, team)
    _record(db, team, content, same_version, 10, [SELF_BLAME], "arrow-v2-a")
    _record(db, team, content, same_version, 2, [SELF_BLAME, NO_WAY_OUT], "arrow-v2-b")

    rows = {r.code: r for r in caseload(db, team["ada"], checklist=content.checklist, now=NOW)}
    assert rows[steady].sign_count == 3 and rows[steady].previous_sign_count == 1  # what was observed, as stored
    assert rows[steady].direction == "same" and rows[steady].compared_on == 1  # not a rise from 1 to 3
    assert rows[fewer].direction == "down" and rows[fewer].compared_on == 1  # not "same" at 2 and 2
    assert rows[same_version].direction == "up" and rows[same_version].compared_on is None  # one version: all items
    # Without the checklist the service cannot tell which items both versions had: no arrow rather than a wrong one.
    bare = {r.code: r for r in caseload(db, team["ada"], now=NOW)}
    assert bare[steady].direction is None and bare[same_version].direction == "up"


def test_trends_progress_compares_a_client_with_their_first_check_in_on_the_items_it_asked(db, content, team):
    """Two signs at the first (version 1) check-in; one of them, plus both new items, at the third (version 2):
    fewer on the items both asked, so the client counts as having fewer signs, not more."""
    old_content = version_1(content)
    code = _client(db, content, team)
    _record(db, team, old_content, code, 40, [SELF_BLAME, "signs.idealises-person"], "progress-v1-a")
    _record(db, team, old_content, code, 30, [SELF_BLAME, "signs.idealises-person"], "progress-v1-b")
    _record(db, team, content, code, 2, [SELF_BLAME, NO_WAY_OUT, DEPENDS], "progress-v2")
    # A client whose first check-in was already on version 2: every item counts, and one sign then and now is no
    # fall (each client's own first version is used, never another client's).
    later = _client(db, content, team)
    for n, days in enumerate((20, 10, 3)):
        _record(db, team, content, later, days, [NO_WAY_OUT], f"progress-v2-only-{n}")
    f = TrendFilter(Period(NOW.date() - timedelta(days=6), NOW.date()))
    report = trends(db, team["sam"], content, f, k=1, now=NOW)
    assert report.progress["clients"].sum() == 2 and report.progress["fell"].sum() == 1
    _same(report.progress, compute(load(db), content, f, k=1, now=NOW)["progress"], "progress")
    # A whole week is read from the summaries' client spans (the last check-in's sign count kept in the span row,
    # the items added since the first version looked up by its id): the same figures.
    start = monday((NOW - timedelta(days=3)).date())  # both clients' last check-ins, in one whole week or two
    whole = TrendFilter(Period(start, monday((NOW - timedelta(days=2)).date()) + timedelta(days=6)))
    summed = trends(db, team["sam"], content, whole, k=1, now=NOW)
    assert summed.read_from == "summaries"
    assert summed.progress["clients"].sum() == 2 and summed.progress["fell"].sum() == 1
    _same(summed.progress, compute(load(db), content, whole, k=1, now=NOW)["progress"], "progress")
