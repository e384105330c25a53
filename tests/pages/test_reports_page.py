"""The Reports page as Streamlit runs it, on the demo data: whole quarters and fiscal years only, a preview that
is not a release, the first copy fixing the figures, the funder's categories, and advocates kept out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.store.entities import AuditEvent, ReleasedFigures
from tests.pages.helpers import demo_passwords, sign_in

pytestmark = pytest.mark.pages


@pytest.fixture
def demo(db) -> dict[str, str]:
    return demo_passwords(db, seed=4)


def _reports(app, demo):  # type: ignore[no-untyped-def]
    at = sign_in(app(), "supervisor", demo["supervisor"])
    at.switch_page("views/reports.py").run()
    assert not at.exception
    return at


def test_reports_offer_only_ended_quarters_and_fiscal_years(app, demo, db):
    at = _reports(app, demo)
    assert at.title[0].value == "Reports"
    options = at.selectbox(key="rp_period").options
    assert options and all("(quarter," in o or "(fiscal year," in o for o in options)
    assert not any("so far" in o for o in options)
    assert any("Not released yet" in i.value for i in at.info)
    headline = at.table[0].value
    assert "Check-ins" in headline.index and "This period" in headline.columns
    with db.reading() as s:
        assert s.scalars(select(ReleasedFigures)).all() == []  # looking is not releasing


def test_the_first_copy_fixes_the_figures(app, demo, db):
    at = _reports(app, demo)
    at.button(key="rp_csv_prepare").click().run()
    assert not at.exception
    assert any("Save" in b.label for b in at.get("link_button"))
    with db.reading() as s:
        fixed = s.scalars(select(ReleasedFigures)).all()
        exported = s.scalars(select(AuditEvent).where(AuditEvent.action == "aggregates_exported")).all()
    assert fixed and exported and "per-advocate figures left out" in exported[-1].detail
    at.run()
    assert any("Released on" in s.value for s in at.success)
    assert any(c.value.startswith("Released so far: ") for c in at.caption)


def test_the_funder_categories_are_shown_with_what_waypoint_does_not_collect(app, demo):
    at = _reports(app, demo)
    box = at.selectbox(key="rp_period")
    if "(fiscal year," in box.options[0]:  # funders such as VOCA ask per quarter
        assert any("reported per quarter" in c.value for c in at.caption) and len(at.table) == 1
        box.select_index(next(i for i, o in enumerate(box.options) if "(quarter," in o)).run()
    lines = at.table[1].value
    assert "not collected" in set(lines["Figure"])
    assert any(str(v).isdigit() for v in lines["Figure"])


def test_advocates_cannot_reach_reports(app, demo):
    at = sign_in(app(), "advocate", demo["advocate"])
    with pytest.raises(ValueError):
        at.switch_page("views/reports.py")
