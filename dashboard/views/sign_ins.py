"""Who signed in when, for supervisors and admins: sign-ins, failures, lockouts and ended sessions."""

from __future__ import annotations

from datetime import time, timedelta

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.i18n import N_, _, ngettext
from models.services import account_admin
from models.services.audit_log import action_words, outcome_words

# TRANSLATORS: why a session ended or a sign-in was refused (the Detail column of Sign-ins).
REASONS = {"connection_changed": N_("connection changed"),
           "idle_timeout": N_("no activity"), "absolute_timeout": N_("time limit"),
           "account_inactive": N_("account inactive"), "account_pending": N_("waiting for a supervisor"),
           "signed_out": N_("signed out"), "second_factor_reset": N_("two-step sign-in reset"),
           "wrong_codes": N_("too many wrong codes")}
WIDTHS = {"when": 150, "person": 110, "what": 225, "account": 90, "outcome": 60, "detail": 175}
COLUMNS = {"when": N_("When"), "person": N_("Person"), "what": N_("What"), "account": N_("Account"),
           "outcome": N_("Outcome"), "detail": N_("Detail")}


def _detail(raw: str | None) -> str:
    """A reason in words: "attempt 3" and "wrong code 2 of 5" read as they are; codes like idle_timeout do not."""
    if not raw:
        return ""
    return _(REASONS[raw]) if raw in REASONS else raw.replace("_", " ")


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Sign-ins"))
    # TRANSLATORS: {zone} is the time zone's abbreviation ("CST").
    st.caption(_("Times are the agency's ({zone}). A failed sign-in with a name that is no account shows no name: "
                 "people sometimes type a password into the username box.").format(zone=tz.zone_name()))
    left, middle, right = st.columns(3)
    since_day = left.date_input(_("Since"), value=tz.today() - timedelta(days=7), max_value=tz.today(),
                                key="signins_since", format=tz.INPUT_DATE_FORMAT)
    who = middle.text_input(_("Username"), key="signins_user", placeholder=_("everyone"))
    limit = right.number_input(_("At most"), min_value=10, max_value=account_admin.MAX_LIMIT,
                               value=account_admin.DEFAULT_LIMIT, step=50, key="signins_limit")
    since = tz.to_utc(since_day, time.min) if since_day else None
    rows = account_admin.sign_in_history(ctx.db, actor, since=since, username=who or None, limit=int(limit))
    if not rows:
        st.info(_("Nothing in this period."))
        return
    failures = sum(1 for r in rows if r.outcome == "failed")
    st.markdown(ngettext("{n} event shown, {failures} of them failures or lockouts.",
                         "{n} events shown, {failures} of them failures or lockouts.", len(rows)).format(
        n=i18n.number(len(rows)), failures=i18n.number(failures)))
    label = {key: _(text) for key, text in COLUMNS.items()}
    frame = pd.DataFrame([
        {label["when"]: tz.show(r.at, with_zone=True), label["person"]: r.person,
         label["what"]: action_words(r.action), label["account"]: r.about or "",
         label["outcome"]: outcome_words(r.outcome), label["detail"]: _detail(r.detail)}
        for r in rows
    ])
    # Widths that add up to the page at 1280 px, so what happened and why read in full rather than clipped.
    st.dataframe(frame, hide_index=True, column_config={
        label[key]: st.column_config.TextColumn(width=width) for key, width in WIDTHS.items()})


render()
