"""Who signed in when, for supervisors and admins: sign-ins, failures, lockouts and ended sessions."""

from __future__ import annotations

from datetime import time, timedelta

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.services import account_admin
from models.services.audit_log import action_words, outcome_words

REASONS = {"connection_changed": "connection changed",
           "idle_timeout": "no activity", "absolute_timeout": "time limit", "account_inactive": "account inactive",
           "account_pending": "waiting for a supervisor",
           "signed_out": "signed out", "second_factor_reset": "two-step sign-in reset",
           "wrong_codes": "too many wrong codes"}


def _detail(raw: str | None) -> str:
    """A reason in words: "attempt 3" and "wrong code 2 of 5" read as they are; codes like idle_timeout do not."""
    if not raw:
        return ""
    return REASONS.get(raw, raw.replace("_", " "))


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Sign-ins")
    st.caption(f"Times are the agency's ({tz.zone_name()}). A failed sign-in with a name that is no account shows "
               "no name: people sometimes type a password into the username box.")
    left, middle, right = st.columns(3)
    since_day = left.date_input("Since", value=tz.today() - timedelta(days=7), max_value=tz.today(),
                                key="signins_since", format=tz.INPUT_DATE_FORMAT)
    who = middle.text_input("Username", key="signins_user", placeholder="everyone")
    limit = right.number_input("At most", min_value=10, max_value=account_admin.MAX_LIMIT,
                               value=account_admin.DEFAULT_LIMIT, step=50, key="signins_limit")
    since = tz.to_utc(since_day, time.min) if since_day else None
    rows = account_admin.sign_in_history(ctx.db, actor, since=since, username=who or None, limit=int(limit))
    if not rows:
        st.info("Nothing in this period.")
        return
    failures = sum(1 for r in rows if r.outcome == "failed")
    st.markdown(f"{ui.counted(len(rows), 'event')} shown, {failures} of them failures or lockouts.")
    frame = pd.DataFrame([
        {"When": tz.show(r.at, with_zone=True), "Person": r.person, "What": action_words(r.action),
         "Account": r.about or "", "Outcome": outcome_words(r.outcome), "Detail": _detail(r.detail)}
        for r in rows
    ])
    # Widths that add up to the page at 1280 px, so what happened and why read in full rather than clipped.
    st.dataframe(frame, hide_index=True, column_config={
        "When": st.column_config.TextColumn(width=150),
        "Person": st.column_config.TextColumn(width=110),
        "What": st.column_config.TextColumn(width=225),
        "Account": st.column_config.TextColumn(width=90),
        "Outcome": st.column_config.TextColumn(width=60),
        "Detail": st.column_config.TextColumn(width=175)})


render()
