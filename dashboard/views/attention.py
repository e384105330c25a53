"""Needs attention: who to look at first, and why, with a way straight into each client's timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from dashboard.checkin_form import CONCERN_LABELS
from models.services.accounts import list_advocates
from models.services.attention import DEFAULT_OVERDUE_DAYS, REASONS, needs_attention


def _reasons(row) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for reason in row.reasons:
        if reason == "rising":
            parts.append(f"Concern rose: {CONCERN_LABELS.get(row.previous_concern, '?')} → "
                         f"{CONCERN_LABELS.get(row.concern, '?')}")
        elif reason == "overdue":
            parts.append(f"Follow-up {ui.counted(row.days_overdue, 'day')} overdue")
        else:
            parts.append(REASONS[reason])
    return "; ".join(parts)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Needs attention")
    advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
    c1, c2 = st.columns([2, 1])
    advocate = c1.selectbox("Advocate", [None, *advocates], key="na_advocate",
                            format_func=lambda a: "All advocates" if a is None else advocates[a])
    days = c2.number_input("Overdue by more than (days)", min_value=0, max_value=365, step=1,
                           value=DEFAULT_OVERDUE_DAYS, key="na_days")
    rows = needs_attention(ctx.db, actor, overdue_days=int(days), advocate_id=advocate)
    immediate = sum("immediate" in r.reasons for r in rows)
    rising = sum("rising" in r.reasons for r in rows)
    late = sum("overdue" in r.reasons for r in rows)
    m1, m2, m3 = st.columns(3)
    m1.metric("Immediate response noted", immediate, help=REASONS["immediate"] + " (a flagged item or "
              "immediate danger).")
    m2.metric("Concern rising", rising, help=REASONS["rising"] + ".")
    m3.metric(f"Overdue more than {ui.counted(int(days), 'day')}", late)
    if not rows:
        st.success("Nobody needs attention on these settings.")
        return
    frame = pd.DataFrame([{
        "Client": r.code,
        "Why": _reasons(r),
        "Advocate": r.advocate_name,
        "Last check-in": tz.show(r.last_check_in_at) if r.last_check_in_at else "none yet",
        "Concern now": CONCERN_LABELS.get(r.concern, "") if r.concern else "",
        "Next due": tz.show(r.next_due_at),
    } for r in rows])
    st.caption("Most urgent first. Select a row to open that client's timeline.")
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key="na_table",
                         width="stretch", column_config={"Why": st.column_config.TextColumn(width="large")})
    selected = event.selection.rows if event is not None else []
    if selected:
        target = ui.page("client")
        if target is not None:
            st.switch_page(target, query_params={"code": frame.iloc[selected[0]]["Client"]})
    # The same links as plain links, for keyboards and screen readers (the table above is drawn on a canvas).
    target = ui.page("client")
    if target is not None:
        with st.expander("Open a client from a list of links"):
            for r in rows[:100]:
                st.page_link(target, label=f"{r.code}: {_reasons(r)} ({ui.plain(r.advocate_name)})",
                             query_params={"code": r.code})


render()
