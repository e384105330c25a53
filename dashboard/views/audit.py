"""Audit log, for admins: who did what and when, filtered; a CSV copy; erasing a client on request."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _, ngettext
from models.rules.permissions import Permission, PermissionDenied, can
from models.services.audit_log import (
    DEFAULT_LIMIT,
    about,
    account_names,
    action_words,
    audit_actions,
    export_audit_csv,
    named_details,
    outcome_words,
    search_audit,
)
from models.services.retention import erase_client


def _erase_form(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    done = st.session_state.pop("au_erased", None)
    if done:
        st.success(done)
    errors: dict[str, str] = st.session_state.get("au_erase_errors", {})
    with st.container(border=True):
        st.header(_("Erase a client on request"))
        st.caption(_("This removes the client and everything recorded about them: check-ins, corrections, safety "
                     "plan and referrals. Earlier entries in this log keep who and when, with the code removed. "
                     "It cannot be undone."))
        with st.form("au_erase", clear_on_submit=False):
            code = st.text_input(_("Client code"), key="au_erase_code", placeholder="K7F-3QX")
            ui.field_error(errors, "code")
            again = st.text_input(_("Type the code again to confirm"), key="au_erase_confirm")
            ui.field_error(errors, "confirm_code")
            submitted = st.form_submit_button(_("Erase this client"), type="primary", key="au_erase_submit")
    if submitted:
        try:
            removed = erase_client(ctx.db, actor, code, again)
        except ValidationFailed as exc:
            st.session_state["au_erase_errors"] = exc.errors
        except PermissionDenied as exc:
            st.session_state["au_erase_errors"] = {"code": str(exc)}
        else:
            st.session_state["au_erase_errors"] = {}
            for key in ("au_erase_code", "au_erase_confirm"):
                st.session_state.pop(key, None)
            st.session_state["au_erased"] = ngettext(
                "The client was erased, with {n} check-in. The log records that one client was erased, without "
                "the code.",
                "The client was erased, with {n} check-ins. The log records that one client was erased, without "
                "the code.", removed.check_ins).format(n=removed.check_ins)
        st.rerun()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Audit log"))
    # TRANSLATORS: {zone} is the time zone's abbreviation ("CST").
    st.caption(_("Every sign-in, view of a client, change, export and admin action. Entries are never changed. "
                 "Times and days are the agency's ({zone}).").format(zone=tz.zone_name()))
    today = tz.today()
    c1, c2, c3 = st.columns(3)
    person = c1.text_input(_("Person (username)"), key="au_person")
    actions = sorted(audit_actions(ctx.db, actor), key=action_words)
    action = c2.selectbox(_("Action"), [None, *actions], key="au_action",
                          format_func=lambda a: _("All actions") if a is None else action_words(a))
    code = c3.text_input(_("Client code"), key="au_code")
    picked = st.date_input(_("From and to"), value=(today - timedelta(days=30), today), max_value=today,
                           key="au_period", format=tz.INPUT_DATE_FORMAT)
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.caption(_("Choose the last day of the period too."))
        return
    filters = {"person": person or None, "action": action,
               "client_code": code or None, "start": picked[0], "end": picked[1], "zone": tz.zone()}
    rows = search_audit(ctx.db, actor, **filters)
    if not rows:
        st.info(_("Nothing in the log matches these filters."))
    else:
        if len(rows) == DEFAULT_LIMIT:
            st.caption(_("Showing the newest {n}. Narrow the filters to see older entries.").format(
                n=i18n.number(DEFAULT_LIMIT)))
        names = account_names(ctx.db, actor)
        # A static table, not a grid: its cells wrap, so a long detail reads in full at 1280 px rather than cut off
        # at the column's edge; in a box of its own height so the erase form below stays in reach. Every cell is
        # plain text (usernames, names in details and codes are typed by people; the table reads Markdown).
        with st.container(height=520, key="au_rows"):
            st.table(pd.DataFrame([
                {_("When"): tz.show(r.at, with_zone=True), _("Person"): ui.plain(r.person),
                 _("Action"): action_words(r.action), _("About"): ui.plain(about(r.target_type, r.target, names)),
                 _("Outcome"): outcome_words(r.outcome), _("Detail"): ui.plain(named_details(r.detail, names))}
                for r in rows]), hide_index=True)
        ui.one_time_download(_("Download the matching entries (CSV)"), "au_csv", mime="text/csv",
                             file_name=f"waypoint-audit-{today.isoformat()}.csv",
                             build=lambda: export_audit_csv(ctx.db, actor, **filters))
    if can(actor, Permission.REMOVE_RECORDS):
        _erase_form(ctx, actor)


render()
