"""Small-cell suppression on crafted tables: nothing under k clients shows, and totals cannot give it back."""

from __future__ import annotations

import pandas as pd

from models.rules.privacy import HIDDEN, label, shown, small, suppress


def test_small_means_one_to_k_minus_one():
    assert [small(n, 5) for n in (0, 1, 4, 5, 9)] == [False, True, True, False, False]
    assert small(None, 5) is False
    assert label(5) == "fewer than 5"


def test_a_cell_of_fewer_than_k_clients_is_hidden_with_its_values_and_zero_stays():
    frame = pd.DataFrame({"item": ["a", "b", "c"], "clients": [12, 3, 0], "check_ins": [40, 7, 0]})
    out = suppress(frame, k=5, values=["check_ins"])
    assert out[HIDDEN].to_list() == [False, True, False]
    assert out["check_ins"].isna().to_list() == [False, True, False]
    assert out["clients"].isna().to_list() == [False, True, False]
    assert out.loc[2, "check_ins"] == 0


def test_a_lone_hidden_cell_in_a_total_takes_the_smallest_other_cell_with_it():
    # Weeks add up to the period total shown elsewhere: 40 + 7 + 30 = 77. Hiding only week 2 would let
    # anyone compute it as 77 - 40 - 30.
    frame = pd.DataFrame({"week": [1, 2, 3], "clients": [12, 3, 8], "check_ins": [40, 7, 30]})
    out = suppress(frame, k=5, values=["check_ins"], groups=[[]])
    assert out[HIDDEN].to_list() == [False, True, True]
    visible = out.loc[~out[HIDDEN], "check_ins"].sum()
    assert 77 - visible == 37  # only the sum of two hidden cells can be worked out, not either one


def test_two_way_tables_are_protected_along_rows_and_columns():
    # week x concern, each week adds up to the weekly chart and each level to its period total.
    rows = []
    clients = {(1, "low"): 9, (1, "high"): 2, (2, "low"): 8, (2, "high"): 7, (3, "low"): 6, (3, "high"): 6}
    for (week, level), n in clients.items():
        rows.append({"week": week, "concern": level, "clients": n, "check_ins": n * 2})
    out = suppress(pd.DataFrame(rows), k=5, values=["check_ins"], groups=[["week"], ["concern"]])
    hidden = {(r.week, r.concern) for r in out.itertuples() if getattr(r, HIDDEN)}
    assert (1, "high") in hidden
    for week in (1, 2, 3):
        assert len([c for c in hidden if c[0] == week]) != 1, week
    for level in ("low", "high"):
        assert len([c for c in hidden if c[1] == level]) != 1, level


def test_when_the_only_other_cells_are_zero_nothing_more_can_be_hidden():
    frame = pd.DataFrame({"week": [1, 2], "clients": [3, 0], "check_ins": [5, 0]})
    out = suppress(frame, k=5, values=["check_ins"], groups=[[]])
    assert out[HIDDEN].to_list() == [True, False]


def test_all_but_a_few_is_as_revealing_as_a_few():
    frame = pd.DataFrame({"clients": [20, 20], "fell": [18, 10], "not_fell": [2, 10]})
    out = suppress(frame, k=5, clients="clients", values=["fell"], also_small=["not_fell"])
    assert out[HIDDEN].to_list() == [True, False]


def test_shown_text():
    assert shown(1234, False, 5) == "1,234"
    assert shown(None, True, 5) == "fewer than 5"
    assert shown(0.256, False, 5, "{:.0%}") == "26%"


def test_hidden_cells_that_add_up_to_less_than_k_do_not_give_each_other_away():
    """Found on Trends: total 9, three reasons shown (6, 0, 0), three hidden. The hidden three come to 3 and none
    is zero, so each is 1. Hidden cells must come to at least k between them: one more is hidden."""
    frame = pd.DataFrame({"reason": list("abcdef"), "clients": [6, 0, 0, 1, 1, 1], "closings": [6, 0, 0, 1, 1, 1]})
    out = suppress(frame, k=5, values=["closings"], groups=[[]])
    hidden = out[out[HIDDEN]]
    assert set(hidden["reason"]) == {"a", "d", "e", "f"}  # the 6 goes too: 3 + 6 is at least 5
    assert frame.loc[frame["reason"].isin(hidden["reason"]), "clients"].sum() >= 5


def test_a_share_column_is_not_summed_for_the_hidden_total():
    frame = pd.DataFrame({"code": list("abc"), "clients": [9, 8, 2], "share": [0.5, 0.4, 0.1]})
    out = suppress(frame, k=5, values=["share"], groups=[[]])
    assert list(out[HIDDEN]) == [False, True, True]  # the lone small cell and the next smallest, not more
