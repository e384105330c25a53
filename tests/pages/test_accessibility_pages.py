"""Text alternatives, as Streamlit runs the pages: every chart has its gist in words on the page and in its own
label, and the caseload table (drawn on a canvas) is repeated as a list of links."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import charts
from dashboard.ui import plain
from tests.pages.helpers import demo_passwords, open_page

pytestmark = pytest.mark.pages


@pytest.fixture
def demo(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return demo_passwords(db, seed=4)


def _descriptions(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [json.loads(c.proto.spec).get("description", "") for c in at.get("vega_lite_chart")]


def _links(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The links of the page's list of links (the caseload also links its needs-attention clients above)."""
    return [e.proto.label for e in (at.expander[0] if at.expander else at).get("page_link")]


def test_every_trends_chart_has_a_summary_in_words_and_as_its_label(app, demo):
    at = open_page(app, "supervisor", "trends", demo["supervisor"])
    assert not at.exception
    described = _descriptions(at)
    assert len(described) == 7
    assert all(d.startswith("Chart: ") and len(d) > 40 for d in described), described
    said = [c.value for c in at.caption if c.value.startswith("In words: ")]
    assert len(said) == 7
    for label, words in zip(described, said, strict=True):  # the page says what the label says
        # the caption escapes Markdown (it names advocates as they typed their names), so it shows the label's words
        assert plain(label).endswith(words.removeprefix("In words: ")), (label, words)


def test_the_client_chart_has_a_summary_in_words_and_as_its_label(app, demo):
    at = open_page(app, "advocate", "caseload", demo["advocate"])
    codes = list(at.dataframe[0].value["Client"])
    at.switch_page("views/client.py").run()
    for code in codes:  # the first client with more than one check-in: the words then compare first and latest
        at.selectbox(key="tl_code").select(code).run()
        assert not at.exception
        words = [c.value for c in at.caption if c.value.startswith("Chart in words: ")]
        if words and not words[0].startswith("Chart in words: 1 check-in."):
            break
    assert len(words) == 1 and "at the first check-in" in words[0] and "at the latest" in words[0]
    (label,) = _descriptions(at)
    assert label.startswith("Chart: Signs and reactions observed at each check-in.")
    assert label.endswith(words[0].removeprefix("Chart in words: "))


@pytest.mark.parametrize("role", ["advocate", "supervisor"])
def test_the_caseload_table_is_also_a_list_of_links(app, demo, role):
    at = open_page(app, role, "caseload", demo[role])
    assert not at.exception
    table = at.dataframe[0].value
    assert [e.label for e in at.expander] == ["Caseload as a list of links"]
    links = _links(at)
    assert len(links) == len(table)
    for link, (_, row) in zip(links, table.iterrows(), strict=True):  # same order as the table
        assert link.startswith(f"{row['Client']}: "), (link, row["Client"])
        assert row["Status"].replace("⚠ ", "") in link
        if role == "supervisor":  # the typed name, escaped so Markdown shows it as typed (issue 15)
            assert plain(row["Advocate"]) in link
    assert all("client" in e.proto.page for e in at.get("page_link"))  # each leads to the client's timeline
    assert any("list of links" in c.value for c in at.caption)  # and the caption says where the list is


def test_the_caseload_list_follows_the_filters(app, demo):
    at = open_page(app, "advocate", "caseload", demo["advocate"])
    at.toggle(key="cl_overdue").set_value(True).run()
    assert not at.exception
    table = at.dataframe[0].value
    links = _links(at)
    assert len(links) == len(table) and all("Overdue" in link for link in links)


def test_summaries_never_read_a_hidden_figure():
    """A suppressed cell is NA: the words count it as left out and never show a number for it."""
    weekly = pd.DataFrame({"week_start": pd.to_datetime(["2026-11-02", "2026-11-09", "2026-11-16"]),
                           "check_ins": pd.array([40, pd.NA, 31], dtype="Int64"),
                           "clients": pd.array([20, pd.NA, pd.NA], dtype="Int64")})
    words = charts.describe_weekly_activity(weekly)
    assert "40" in words and "31" in words and "1 week shows “fewer than 5”" in words
    items = pd.DataFrame({"label": ["A", "B", "C"], "section": ["s"] * 3,
                          "share": pd.array([0.5, pd.NA, 0.0], dtype="Float64"), "check_ins": [10, pd.NA, 0]})
    words = charts.describe_sign_prevalence(items)
    assert words.startswith("Most often observed: A (50%).") and "B" not in words.split(".")[0]
    assert "1 item not observed at all" in words and "1 item shows “fewer than 5”" in words
    overdue = pd.DataFrame({"advocate": ["Ada", "Bo"], "overdue": pd.array([7, pd.NA], dtype="Int64")})
    words = charts.describe_overdue_by_advocate(overdue)
    assert "Ada 7" in words and "Bo" not in words and "1 advocate shows “fewer than 5”" in words
    assert charts.weekly_activity(weekly).to_dict()["description"].endswith(charts.describe_weekly_activity(weekly))
