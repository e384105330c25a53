"""The supervisor's pages as Streamlit runs them, on the demo data: trends, filters, needs attention."""

from __future__ import annotations

import pytest

from tests.pages.helpers import demo_passwords, open_page, sign_in

pytestmark = pytest.mark.pages


@pytest.fixture
def demo(db) -> dict[str, str]:
    return demo_passwords(db, seed=4)


def _supervisor(app, demo):  # type: ignore[no-untyped-def]
    at = sign_in(app(), "supervisor", demo["supervisor"])
    assert not at.exception
    return at


def test_trends_page_shows_metrics_and_every_chart(app, demo):
    at = _supervisor(app, demo)
    at.switch_page("views/trends.py").run()
    assert not at.exception
    assert at.title[0].value == "Trends"
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["Check-ins", "Clients seen", "New clients"]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 7
    assert any("fewer than 5" in c.value for c in at.caption)  # the rule is stated on the page


def test_filters_change_the_figures(app, demo):
    at = _supervisor(app, demo)
    at.switch_page("views/trends.py").run()
    everyone = at.metric[0].value
    at.segmented_control(key="tr_period").set_value("month").run()  # the current month, not the quarter
    year = at.metric[0].value
    assert year != everyone
    at.selectbox(key="tr_concern").select("immediate").run()
    assert not at.exception
    assert at.metric[0].value != year
    assert [m.label for m in at.metric][:2] == ["Check-ins", "Clients seen"]  # "New clients" has no concern


def test_advocates_cannot_reach_trends_or_needs_attention(app, demo):
    at = sign_in(app(), "advocate", demo["advocate"])
    for page in ("views/trends.py", "views/attention.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_needs_attention_lists_clients_with_reasons_and_links(app, demo):
    at = _supervisor(app, demo)
    at.switch_page("views/attention.py").run()
    assert not at.exception
    table = at.table[0].value
    assert len(table) > 0
    assert set(table.columns) >= {"Client", "Why", "Advocate"}
    assert table["Why"].str.len().min() > 0
    at.toggle(key="na_reviewed").set_value(True).run()
    assert not at.exception and "Reviewed" in at.table[0].value.columns


def test_trends_on_a_database_with_no_check_ins_says_so(app, people):
    at = open_page(app, "sam", "trends")
    assert not at.exception
    assert any("No check-ins in this period" in i.value for i in at.info)
    assert "–" in [m.value for m in at.metric]  # a share of nothing is a dash, not 0% and not an error
