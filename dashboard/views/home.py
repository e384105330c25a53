"""Home: what this person can do next, by role."""

from __future__ import annotations

from datetime import time

import streamlit as st

from dashboard import draft_notice, ui
from dashboard import timeutil_ui as tz
from models.base.errors import ValidationFailed
from models.rules.permissions import Permission, PermissionDenied, can
from models.services import account_review, identity, overview
from models.services.attention import RULE

ISSUED_KEY = "review_issued"  # the setup code just issued: shown on the next run only, then gone
DECLINING_KEY = "review_declining"  # the account whose Decline was pressed and waits for "Yes, decline"


def _link(key: str, label: str, icon: str) -> None:
    target = ui.page(key)
    if target is not None:
        st.page_link(target, label=label, icon=icon)


def _due_words(due: overview.DueClient) -> str:
    """"overdue 3 days", "overdue since 09:00 today", "due today at 14:00": the days are the caseload's own count
    (attention.days_overdue, in the agency's days), so both pages say the same of a client."""
    local = tz.to_local(due.due_at)
    if not due.overdue:
        return f"due today at {local:%H:%M}"
    if due.days_overdue <= 0:
        return f"overdue since {local:%H:%M} today"
    return f"overdue {ui.counted(due.days_overdue, 'day')}"


def _not_shown(overdue: int, today: int) -> str:
    """Who the short list leaves out, in words: "2 more overdue and 1 due later today"."""
    parts = ([f"{overdue:,} more overdue"] if overdue else []) + ([f"{today:,} due later today"] if today else [])
    return " and ".join(parts)


def _due_list(ctx: ui.AppContext, actor, o: overview.AdvocateOverview, day_ends_at) -> None:  # type: ignore[no-untyped-def]
    """Today's work as links: overdue first (most overdue at the top), then due later today."""
    total = o.overdue + o.due_today
    if not total:
        st.success("Nobody is overdue or due today.", icon=":material/check:")
        return
    due = overview.due_now(ctx.db, actor, day_ends_at=day_ends_at, zone=tz.zone())
    target = ui.page("client")
    with st.container(border=True, key="home_due"):
        st.subheader("Due and overdue today")
        for d in due:
            label = f"{d.code}: {_due_words(d)}"
            if target is not None:
                st.page_link(target, label=label, query_params={"code": d.code},
                             icon=":material/schedule:" if not d.overdue else ":material/warning:")
            else:
                st.markdown(f"- {label}")
        if total > len(due):
            shown_overdue = sum(d.overdue for d in due)
            left_out = _not_shown(o.overdue - shown_overdue, o.due_today - (len(due) - shown_overdue))
            st.caption(f"Showing {len(due)} of {total:,}, most overdue first" + (f"; not shown: {left_out}."
                                                                                 if left_out else "."))
            target = ui.page("caseload")
            if target is not None:  # the caseload opens filtered to the same clients (caseload.DUE_PARAM)
                st.page_link(target, label=f"See all {total:,} due or overdue in my caseload",
                             query_params={"due": "today"}, icon=":material/list:")


def _advocate(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    day_ends_at = tz.to_utc(tz.now_local().date(), time(23, 59, 59))
    o = overview.advocate_overview(ctx.db, actor, day_ends_at=day_ends_at)
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
            st.warning(f"{ui.counted(o.overdue, 'of your clients is', 'of your clients are')} past their next "
                       "check-in date.")
        _due_list(ctx, actor, o, day_ends_at)
    _link("caseload", "Go to my caseload", ":material/list:")
    _link("check_in", "Record a check-in", ":material/edit_note:")
    _link("resources", "Find a resource or hotline", ":material/call:")


def _team(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    o = overview.team_overview(ctx.db, actor, zone=tz.zone())
    a, b, c = st.columns(3)
    a.metric("Open clients", o.open_clients)
    b.metric("Active advocates", o.active_advocates)
    c.metric("Check-ins, last 7 days", o.check_ins_last_7_days)
    d, e, f = st.columns(3)
    d.metric("Check-ins, last 28 days", o.check_ins_last_28_days)
    e.metric("Overdue follow-ups", o.overdue)
    f.metric("Needs attention", o.needs_attention, help=RULE + " Entries a supervisor marked reviewed are not "
             "counted until something new happens.")
    _link("attention", "Review who needs attention", ":material/priority_high:")
    _link("trends", "See caseload trends", ":material/monitoring:")


@ui.saves
def _decide(ctx: ui.AppContext, actor, user_id: int, confirm: bool) -> None:  # type: ignore[no-untyped-def]
    st.session_state.pop(DECLINING_KEY, None)
    try:
        if confirm:
            issued = account_review.confirm_account(ctx.db, actor, user_id)
            st.session_state[ISSUED_KEY] = (issued.username, issued.code, issued.expires_at)
        else:
            account_review.decline_account(ctx.db, actor, user_id)
            st.session_state["review_done"] = "Declined: the account is deactivated and has no password."
    except (ValidationFailed, PermissionDenied) as exc:
        message = exc.errors.get("user") if isinstance(exc, ValidationFailed) else str(exc)
        st.session_state["review_done"] = message or "That could not be done."


def _confirmations(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Advocate and supervisor accounts an admin made or reset: nobody can use them until a supervisor confirms."""
    issued = st.session_state.pop(ISSUED_KEY, None)
    done = st.session_state.pop("review_done", None)
    waiting = account_review.pending_accounts(ctx.db, actor)
    if not waiting and not issued and not done:
        return
    with st.container(border=True):
        st.header("Accounts waiting for a supervisor")
        if issued:
            username, code, expires = issued
            st.success(f"Confirmed. Give {ui.plain(username)} this one-time setup code in person or by phone, "
                       f"not by email: they use it once on the sign-in page to choose their own password. "
                       f"It works until {tz.show(expires)} and is shown only now.",
                       icon=":material/key:")
            st.code(code, language=None)
        if done:
            st.info(done)
        st.caption("An administrator made or reset these accounts. They cannot sign in until a supervisor other "
                   "than the person confirms: confirm only someone you know should read case records.")
        for p in waiting:
            left, confirm_col, decline_col = st.columns([4, 1, 1])
            left.markdown(f"**{ui.plain(p.display_name)}** ({ui.plain(p.username)}), {p.role}: {p.reason} asked "
                          f"by {ui.plain(p.requested_by)} on {tz.show(p.since)}")
            if p.user_id == actor.user_id:
                confirm_col.caption("Your own: another supervisor confirms it.")
                continue
            if st.session_state.get(DECLINING_KEY) == p.user_id:  # Decline asks once more: it cannot be undone here
                with st.container(border=True, key=f"review_declining_{p.user_id}"):
                    st.warning(f"Decline {ui.plain(p.username)}? The account is deactivated and keeps no password; "
                               "making it work later takes another reset by an administrator and another "
                               "supervisor's confirmation.", icon=":material/warning:")
                    yes, no = st.columns(2)
                    yes.button("Yes, decline", key=f"review_decline_yes_{p.user_id}", type="primary",
                               on_click=_decide, args=(ctx, actor, p.user_id, False))
                    no.button("No, keep it waiting", key=f"review_decline_no_{p.user_id}",
                              on_click=lambda: st.session_state.pop(DECLINING_KEY, None))
                continue
            confirm_col.button("Confirm", key=f"review_confirm_{p.user_id}", type="primary",
                               on_click=_decide, args=(ctx, actor, p.user_id, True))
            decline_col.button("Decline", key=f"review_decline_{p.user_id}",
                               on_click=lambda uid=p.user_id: st.session_state.__setitem__(DECLINING_KEY, uid))


def _admin(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    _team(ctx, actor)
    s = overview.system_overview(ctx.db, actor)
    st.header("System")
    cl = ctx.content.checklist
    st.markdown(
        f"- Database: **{s.backend}**, "
        f"{'up to date' if s.schema_revision == s.schema_head else 'an upgrade is pending: run ./waypoint migrate'}\n"
        f"- Checklist: **{cl.title}**, {ui.counted(len(cl.all_codes()), 'item')}\n"
        f"- Resource packs: {', '.join(ctx.settings.resource_packs)} "
        f"({ui.counted(len(ctx.content.resources), 'resource')})\n"
        f"- Accounts: " + ", ".join(ui.counted(n, role) for role, n in sorted(s.users_by_role.items()))
    )
    _link("accounts", "Manage accounts", ":material/group:")


@ui.saves
def _decide_link(ctx: ui.AppContext, actor, user_id: int, confirm: bool) -> None:  # type: ignore[no-untyped-def]
    try:
        identity.decide_link(ctx.db, actor, user_id, confirm=confirm)
        st.session_state["links_done"] = ("Confirmed: they can sign in with their organisation's account." if confirm
                                          else "Declined: the link is removed.")
    except (ValidationFailed, PermissionDenied) as exc:
        message = exc.errors.get("user") if isinstance(exc, ValidationFailed) else str(exc)
        st.session_state["links_done"] = message or "That could not be done."


def _link_confirmations(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Links to the organisation's identity provider an admin made for an account that reads records."""
    done = st.session_state.pop("links_done", None)
    waiting = identity.pending_links(ctx.db, actor)
    if not waiting and not done:
        return
    with st.container(border=True):
        st.header("Organisation sign-in waiting for a supervisor")
        if done:
            st.info(done)
        st.caption("An administrator linked these accounts to your organisation's sign-in. The link works only once "
                   "a supervisor other than the person confirms it: confirm only if the account is that person's.")
        for p in waiting:
            left, confirm_col, decline_col = st.columns([4, 1, 1])
            left.markdown(f"**{ui.plain(p.display_name)}** ({ui.plain(p.username)}), {p.role}: linked by "
                          f"{ui.plain(p.requested_by)} on {tz.show(p.since)}")
            if p.user_id == actor.user_id:
                confirm_col.caption("Your own: another supervisor confirms it.")
                continue
            confirm_col.button("Confirm", key=f"link_confirm_{p.user_id}", type="primary",
                               on_click=_decide_link, args=(ctx, actor, p.user_id, True))
            decline_col.button("Decline", key=f"link_decline_{p.user_id}",
                               on_click=_decide_link, args=(ctx, actor, p.user_id, False))


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(f"Welcome, {ui.plain(actor.display_name)}")
    draft_notice.show(actor.user_id)
    if actor.role == "advocate":
        _advocate(ctx, actor)
    elif actor.role == "supervisor":
        if can(actor, Permission.CONFIRM_ACCOUNTS):
            _confirmations(ctx, actor)
            _link_confirmations(ctx, actor)
        _team(ctx, actor)
    else:
        _admin(ctx, actor)


render()
