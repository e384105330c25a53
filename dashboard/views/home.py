"""Home: what this person can do next, by role."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.services import overview


def _link(key: str, label: str, icon: str) -> None:
    target = ui.page(key)
    if target is not None:
        st.page_link(target, label=label, icon=icon)


def _advocate(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    o = overview.advocate_overview(ctx.db, actor)
    if o.open_clients == 0:
        st.info("You have no open clients yet. Start by opening a new client: Waypoint gives them a random "
                "code, and you record check-ins against it. No names or contact details are ever asked for.")
        _link("new_client", "Open a new client", ":material/person_add:")
    else:
        a, b, c, d = st.columns(4)
        a.metric("Open clients", o.open_clients)
        b.metric("Overdue follow-ups", o.overdue)
        c.metric("Due later today", o.due_today)
        d.metric("Your check-ins, last 7 days", o.check_ins_last_7_days)
        if o.overdue:
            st.warning(f"{o.overdue} of your clients are past their next check-in date.")
    _link("caseload", "Go to my caseload", ":material/list:")
    _link("check_in", "Record a check-in", ":material/edit_note:")
    _link("resources", "Find a resource or hotline", ":material/call:")


def _team(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    o = overview.team_overview(ctx.db, actor)
    a, b, c = st.columns(3)
    a.metric("Open clients", o.open_clients)
    b.metric("Active advocates", o.active_advocates)
    c.metric("Check-ins, last 7 days", o.check_ins_last_7_days)
    d, e, f = st.columns(3)
    d.metric("Check-ins, last 28 days", o.check_ins_last_28_days)
    e.metric("Overdue follow-ups", o.overdue)
    f.metric("Latest check-in needs attention", o.needs_attention,
             help="Clients whose most recent check-in noted immediate danger, thoughts of suicide or self-harm.")
    _link("attention", "Review who needs attention", ":material/priority_high:")
    _link("trends", "See caseload trends", ":material/monitoring:")


def _admin(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    _team(ctx, actor)
    s = overview.system_overview(ctx.db, actor)
    st.header("System")
    cl = ctx.content.checklist
    st.markdown(
        f"- Database: **{s.backend}**, schema {s.schema_revision or 'not set'}"
        f"{'' if s.schema_revision == s.schema_head else ' (an upgrade is pending)'}\n"
        f"- Checklist: **{cl.title}**, version {cl.version}, {len(cl.all_codes())} items\n"
        f"- Resource packs: {', '.join(ctx.settings.resource_packs)} ({len(ctx.content.resources)} resources)\n"
        f"- Accounts: " + ", ".join(f"{n} {role}" for role, n in sorted(s.users_by_role.items()))
    )
    _link("accounts", "Manage accounts", ":material/group:")


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(f"Welcome, {ui.plain(actor.display_name)}")
    if actor.role == "advocate":
        _advocate(ctx, actor)
    elif actor.role == "supervisor":
        _team(ctx, actor)
    else:
        _admin(ctx, actor)


render()
