"""Who signed in when, for supervisors and admins: sign-ins, failures, lockouts and ended sessions."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboard import ui
from models.base.timeutil import utcnow
from models.services import account_admin

WHAT = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "lockout": "Locked out",
    "sign_in_throttled": "Tries slowed down",
    "sign_out": "Signed out",
    "session_ended": "Session ended",
    "sessions_ended": "Ended someone's sessions",
    "password_reset": "Reset someone's password",
    "password_changed": "Changed own password",
    "password_change_failed": "Wrong current password",
    "account_set_up": "First sign-in with a setup code",
    "setup_failed": "Wrong or expired setup code",
    "account_confirmed": "Confirmed an account",
    "account_declined": "Declined an account",
    "user_deactivated": "Deactivated an account",
    "user_activated": "Reactivated an account",
    "role_changed": "Changed an account's role",
    "user_unlocked": "Unlocked an account",
    "second_factor_asked": "First step right, code asked",
    "second_factor_failed": "Wrong two-step code",
    "second_factor_enrolled": "Set up two-step sign-in",
    "second_factor_reset": "Reset someone's two-step sign-in",
    "recovery_code_used": "Signed in with a recovery code",
    "recovery_codes_renewed": "Made new recovery codes",
    "identity_sign_in_failed": "Organisation sign-in refused",
    "identity_linked": "Linked to organisation sign-in",
    "identity_unlinked": "Removed an organisation sign-in link",
    "identity_link_confirmed": "Confirmed an organisation sign-in link",
    "identity_link_declined": "Declined an organisation sign-in link",
}
REASONS = {"connection_changed": "connection changed",
           "idle_timeout": "no activity", "absolute_timeout": "time limit", "account_inactive": "account inactive",
           "account_pending": "waiting for a supervisor",
           "signed_out": "signed out", "second_factor_reset": "two-step sign-in reset",
           "wrong_codes": "too many wrong codes"}


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Sign-ins")
    st.caption("Times are UTC. A failed sign-in with a name that is no account shows no name: people sometimes "
               "type a password into the username box.")
    left, middle, right = st.columns(3)
    since_day = left.date_input("Since", value=(utcnow() - timedelta(days=7)).date(), key="signins_since")
    who = middle.text_input("Username", key="signins_user", placeholder="everyone")
    limit = right.number_input("At most", min_value=10, max_value=account_admin.MAX_LIMIT,
                               value=account_admin.DEFAULT_LIMIT, step=50, key="signins_limit")
    since = datetime.combine(since_day, time.min) if since_day else None
    rows = account_admin.sign_in_history(ctx.db, actor, since=since, username=who or None, limit=int(limit))
    if not rows:
        st.info("Nothing in this period.")
        return
    failures = sum(1 for r in rows if r.outcome == "failed")
    st.markdown(f"{ui.counted(len(rows), 'event')} shown, {failures} of them failures or lockouts.")
    frame = pd.DataFrame([
        {"When (UTC)": r.at.strftime("%Y-%m-%d %H:%M:%S"), "Person": r.person, "What": WHAT.get(r.action, r.action),
         "Account": r.about or "", "Outcome": r.outcome, "Detail": REASONS.get(r.detail or "", r.detail or "")}
        for r in rows
    ])
    # Widths set, so what happened and why read in full rather than clipped after a few words.
    st.dataframe(frame, hide_index=True, column_config={
        "When (UTC)": st.column_config.TextColumn(width="medium"),
        "What": st.column_config.TextColumn(width=240),
        "Detail": st.column_config.TextColumn(width="large")})


render()
