"""Issue 17's walk, fixed, as Streamlit runs the pages: the correction message where the advocate is, the chart's
axes and colours with one check-in, and words for n = 1."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import charts
from tests.pages.helpers import actor, advocate_client, check_in, open_page, texts

pytestmark = pytest.mark.pages


def test_a_correction_is_confirmed_in_its_card_and_stays(app, db, people, content):
    code = advocate_client(db, content, people, concern="low")
    at = open_page(app, "ada", "client", code=code)
    view_key = next(b.key for b in at.button if b.key and b.key.startswith("tl_correct_"))
    at.button(key=view_key).click().run()
    at.radio(key="tl_concern").set_value("high")
    at.button(key="tl_save").click().run()
    assert not at.exception
    card = next(e for e in at.expander if "corrected" in e.label)
    assert any("Correction saved" in s.value for s in card.success)  # inside the card, not at the top
    assert sum("Correction saved" in s.value for s in at.success) == 1  # once: not at the top as well
    assert any("Correction saved" in t.value for t in at.toast)
    at.run()  # another click elsewhere: it stays
    card = next(e for e in at.expander if "corrected" in e.label)
    assert any("Correction saved" in s.value for s in card.success)


def test_one_check_in_has_one_date_tick_and_whole_item_ticks():
    frame = pd.DataFrame({"occurred_at": [pd.Timestamp("2026-12-02 10:05")] * 2, "section": ["A", "B"],
                          "count": [3, 1], "check_in_id": [1, 1]})
    concern = pd.DataFrame({"occurred_at": [pd.Timestamp("2026-12-02 10:05")], "concern_label": ["Low"], "rank": [0]})
    spec = charts.signs_over_time(frame, concern).to_dict()
    first, strip = spec["vconcat"][0]["encoding"], spec["vconcat"][-1]["encoding"]
    assert first["y"]["axis"]["values"] == [0, 1, 2, 3] and first["y"]["title"] == "Items"
    assert len(strip["x"]["axis"]["values"]) == 1 and strip["x"]["title"] == "Check-in date"
    assert strip["x"]["axis"]["format"] == "%-d %b %Y"  # "2 Dec 2026", no leading zero
    assert strip["shape"]["field"] == "concern_label"  # not colour alone
    low, moderate = charts.CONCERN_COLOURS[:2]
    assert low[1:3] != moderate[1:3]  # different hues, not two blues


def test_words_for_a_single_check_in(app, db, people, content):
    code = advocate_client(db, content, people)
    check_in(db, actor(people), content, code)
    at = open_page(app, "ada", "client", code=code)
    said = " ".join(c.value for c in at.caption)
    assert "The column is the only check-in" in said and "latest 1" not in said
    assert "(the latest" not in texts(at)
