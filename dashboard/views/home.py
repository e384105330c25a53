"""Home: what this person can do next, by role."""

from __future__ import annotations

from datetime import time

import streamlit as st

from dashboard import draft_notice, ui
from dashboard import timeutil_ui as tz
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.rules.permissions import Permission, PermissionDenied, can
from models.services import account_review, identity, overview
from models.services.attention import rule

ISSUED_KEY = "review_issued"  # the setup code just issued: shown on the next run only, then gone
DECLINING_KEY = "review_declining"  # the account whose Decline was pressed and waits for "Yes, decline"
# TRANSLATORS: a role, in a line about an account: "Ana (ana), advocate: new account asked by ...".
ROLE_WORDS = {"advocate": N_("advocate"), "supervisor": N_("supervisor"), "admin": N_("admin")}
# Why an account waits for a supervisor (account_review.PendingAccount.reason): the codes, shown in words.
REASON_WORDS = {"new account": N_("new account"), "password reset": N_("password reset"),
                "role change": N_("role change")}


def _role(role: str) -> str:
    return _(ROLE_WORDS[role]) if role in ROLE_WORDS else role


def _role_count(role: str, n: int) -> str:
    """"3 advocates": a count of accounts with one role, in the reader's language."""
    if role == "advocate":
        text = ngettext("{n} advocate", "{n} advocates", n)
    elif role == "supervisor":
        text = ngettext("{n} supervisor", "{n} supervisors", n)
    elif role == "admin":
        text = ngettext("{n} admin", "{n} admins", n)
    else:
        text = "{n} " + role
    return text.format(n=i18n.number(n))


def _link(key: str, label: str, icon: str) -> None:
    target = ui.page(key)
    if target is not None:
        st.page_link(target, label=label, icon=icon)


def _due_words(due: overview.DueClient) -> str:
    """"overdue 3 days", "overdue since 09:00 today", "due today at 14:00": the days are the caseload's own count
    (attention.days_overdue, in the agency's days), so both pages say the same of a client."""
    local = tz.to_local(due.due_at)
    if not due.overdue:
        return _("due today at {time}").format(time=f"{local:%H:%M}")
    if due.days_overdue <= 0:
        return _("overdue since {time} today").format(time=f"{local:%H:%M}")
    return ngettext("overdue {n} day", "overdue {n} days", due.days_overdue).format(n=i18n.number(due.days_overdue))


def _not_shown(overdue: int, today: int) -> str:
    """Who the short list leaves out, in words: "2 more overdue and 1 due later today"."""
    more = ngettext("{n} more overdue", "{n} more overdue", overdue).format(n=i18n.number(overdue))
    later = ngettext("{n} due later today", "{n} due later today", today).format(n=i18n.number(today))
    if overdue and today:
        # TRANSLATORS: {overdue} is "2 more overdue", {later} is "1 due later today".
        return _("{overdue} and {later}").format(overdue=more, later=later)
    return more if overdue else later if today else ""


def _due_list(ctx: ui.AppContext, actor, o: overview.AdvocateOverview, day_ends_at) -> None:  # type: ignore[no-untyped-def]
    """Today's work as links: overdue first (most overdue at the top), then due later today."""
    total = o.overdue + o.due_today
    if not total:
        st.success(_("Nobody is overdue or due today."), icon=":material/check:")
        return
    due = overview.due_now(ctx.db, actor, day_ends_at=day_ends_at, zone=tz.zone())
    target = ui.page("client")
    with st.container(border=True, key="home_due"):
        st.subheader(_("Due and overdue today"))
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
            counts = {"shown": i18n.number(len(due)), "total": i18n.number(total)}
            st.caption(_("Showing {shown} of {total}, most overdue first; not shown: {left_out}.").format(
                left_out=left_out, **counts) if left_out else
                _("Showing {shown} of {total}, most overdue first.").format(**counts))
            target = ui.page("caseload")
            if target is not None:  # the caseload opens filtered to the same clients (caseload.DUE_PARAM)
                st.page_link(target, label=ngettext("See all {n} due or overdue in my caseload",
                                                    "See all {n} due or overdue in my caseload", total
                                                    ).format(n=i18n.number(total)),
                             query_params={"due": "today"}, icon=":material/list:")


def _advocate(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    day_ends_at = tz.to_utc(tz.now_local().date(), time(23, 59, 59))
    o = overview.advocate_overview(ctx.db, actor, day_ends_at=day_ends_at)
    if o.open_clients == 0:
        st.info(_("You have no open clients yet. Start by opening a new client: Waypoint gives them a random "
                  "code, and you record check-ins against it. No names or contact details are ever asked for."))
        _link("new_client", _("Open a new client"), ":material/person_add:")
    else:
        a, b, c, d = st.columns(4)
        a.metric(_("Open clients"), o.open_clients)
        b.metric(_("Overdue follow-ups"), o.overdue)
        c.metric(_("Due later today"), o.due_today)
        d.metric(_("Your check-ins, last 7 days"), o.check_ins_last_7_days)
        if o.overdue:
            st.warning(ngettext("{n} of your clients is past their next check-in date.",
                                "{n} of your clients are past their next check-in date.", o.overdue
                                ).format(n=i18n.number(o.overdue)))
        _due_list(ctx, actor, o, day_ends_at)
    _link("caseload", _("Go to my caseload"), ":material/list:")
    _link("check_in", _("Record a check-in"), ":material/edit_note:")
    _link("resources", _("Find a resource or hotline"), ":material/call:")


def _team(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    o = overview.team_overview(ctx.db, actor, zone=tz.zone())
    a, b, c = st.columns(3)
    a.metric(_("Open clients"), o.open_clients)
    b.metric(_("Active advocates"), o.active_advocates)
    c.metric(_("Check-ins, last 7 days"), o.check_ins_last_7_days)
    d, e, f = st.columns(3)
    d.metric(_("Check-ins, last 28 days"), o.check_ins_last_28_days)
    e.metric(_("Overdue follow-ups"), o.overdue)
    f.metric(_("Needs attention"), o.needs_attention, help=rule() + " " + _(
        "Entries a supervisor marked reviewed are not counted until something new happens."))
    _link("attention", _("Review who needs attention"), ":material/priority_high:")
    _link("trends", _("See caseload trends"), ":material/monitoring:")


@ui.saves
def _decide(ctx: ui.AppContext, actor, user_id: int, confirm: bool) -> None:  # type: ignore[no-untyped-def]
    st.session_state.pop(DECLINING_KEY, None)
    try:
        if confirm:
            issued = account_review.confirm_account(ctx.db, actor, user_id)
            st.session_state[ISSUED_KEY] = (issued.username, issued.code, issued.expires_at)
        else:
            account_review.decline_account(ctx.db, actor, user_id)
            st.session_state["review_done"] = _("Declined: the account is deactivated and has no password.")
    except (ValidationFailed, PermissionDenied) as exc:
        message = exc.errors.get("user") if isinstance(exc, ValidationFailed) else str(exc)
        st.session_state["review_done"] = message or _("That could not be done.")


def _confirmations(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Advocate and supervisor accounts an admin made or reset: nobody can use them until a supervisor confirms."""
    issued = st.session_state.pop(ISSUED_KEY, None)
    done = st.session_state.pop("review_done", None)
    waiting = account_review.pending_accounts(ctx.db, actor)
    if not waiting and not issued and not done:
        return
    with st.container(border=True):
        st.header(_("Accounts waiting for a supervisor"))
        if issued:
            username, code, expires = issued
            st.success(_("Confirmed. Give {username} this one-time setup code in person or by phone, not by email: "
                         "they use it once on the sign-in page to choose their own password. It works until {when} "
                         "and is shown only now.").format(username=ui.plain(username), when=tz.show(expires)),
                       icon=":material/key:")
            st.code(code, language=None)
        if done:
            st.info(done)
        st.caption(_("An administrator made or reset these accounts. They cannot sign in until a supervisor other "
                     "than the person confirms: confirm only someone you know should read case records."))
        for p in waiting:
            left, confirm_col, decline_col = st.columns([4, 1, 1])
            reason = _(REASON_WORDS[p.reason]) if p.reason in REASON_WORDS else p.reason
            # TRANSLATORS: {role} is a role ("advocate"), {reason} why ("new account", "password reset").
            left.markdown(_("**{name}** ({username}), {role}: {reason} asked by {by} on {when}").format(
                name=ui.plain(p.display_name), username=ui.plain(p.username), role=_role(p.role), reason=reason,
                by=ui.plain(p.requested_by), when=tz.show(p.since)))
            if p.user_id == actor.user_id:
                confirm_col.caption(_("Your own: another supervisor confirms it."))
                continue
            if st.session_state.get(DECLINING_KEY) == p.user_id:  # Decline asks once more: it cannot be undone here
                with st.container(border=True, key=f"review_declining_{p.user_id}"):
                    st.warning(_("Decline {username}? The account is deactivated and keeps no password; making it "
                                 "work later takes another reset by an administrator and another supervisor's "
                                 "confirmation.").format(username=ui.plain(p.username)), icon=":material/warning:")
                    yes, no = st.columns(2)
                    yes.button(_("Yes, decline"), key=f"review_decline_yes_{p.user_id}", type="primary",
                               on_click=_decide, args=(ctx, actor, p.user_id, False))
                    no.button(_("No, keep it waiting"), key=f"review_decline_no_{p.user_id}",
                              on_click=lambda: st.session_state.pop(DECLINING_KEY, None))
                continue
            confirm_col.button(_("Confirm"), key=f"review_confirm_{p.user_id}", type="primary",
                               on_click=_decide, args=(ctx, actor, p.user_id, True))
            decline_col.button(_("Decline"), key=f"review_decline_{p.user_id}",
                               on_click=lambda uid=p.user_id: st.session_state.__setitem__(DECLINING_KEY, uid))


def _admin(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    _team(ctx, actor)
    s = overview.system_overview(ctx.db, actor)
    st.header(_("System"))
    cl = ctx.content.checklist
    items, resources = len(cl.all_codes()), len(ctx.content.resources)
    database = (_("Database: **{backend}**, up to date") if s.schema_revision == s.schema_head
                else _("Database: **{backend}**, an upgrade is pending: run ./waypoint migrate"))
    st.markdown("\n".join("- " + line for line in (
        database.format(backend=s.backend),
        ngettext("Checklist: **{title}**, {n} item", "Checklist: **{title}**, {n} items", items).format(
            title=cl.title, n=i18n.number(items)),
        ngettext("Resource packs: {packs} ({n} resource)", "Resource packs: {packs} ({n} resources)",
                 resources).format(packs=", ".join(ctx.settings.resource_packs), n=i18n.number(resources)),
        _("Accounts: {counts}").format(
            counts=", ".join(_role_count(role, n) for role, n in sorted(s.users_by_role.items()))),
    )))
    _link("accounts", _("Manage accounts"), ":material/group:")


@ui.saves
def _decide_link(ctx: ui.AppContext, actor, user_id: int, confirm: bool) -> None:  # type: ignore[no-untyped-def]
    try:
        identity.decide_link(ctx.db, actor, user_id, confirm=confirm)
        st.session_state["links_done"] = (_("Confirmed: they can sign in with their organisation's account.")
                                          if confirm else _("Declined: the link is removed."))
    except (ValidationFailed, PermissionDenied) as exc:
        message = exc.errors.get("user") if isinstance(exc, ValidationFailed) else str(exc)
        st.session_state["links_done"] = message or _("That could not be done.")


def _link_confirmations(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Links to the organisation's identity provider an admin made for an account that reads records."""
    done = st.session_state.pop("links_done", None)
    waiting = identity.pending_links(ctx.db, actor)
    if not waiting and not done:
        return
    with st.container(border=True):
        st.header(_("Organisation sign-in waiting for a supervisor"))
        if done:
            st.info(done)
        st.caption(_("An administrator linked these accounts to your organisation's sign-in. The link works only "
                     "once a supervisor other than the person confirms it: confirm only if the account is that "
                     "person's."))
        for p in waiting:
            left, confirm_col, decline_col = st.columns([4, 1, 1])
            left.markdown(_("**{name}** ({username}), {role}: linked by {by} on {when}").format(
                name=ui.plain(p.display_name), username=ui.plain(p.username), role=_role(p.role),
                by=ui.plain(p.requested_by), when=tz.show(p.since)))
            if p.user_id == actor.user_id:
                confirm_col.caption(_("Your own: another supervisor confirms it."))
                continue
            confirm_col.button(_("Confirm"), key=f"link_confirm_{p.user_id}", type="primary",
                               on_click=_decide_link, args=(ctx, actor, p.user_id, True))
            decline_col.button(_("Decline"), key=f"link_decline_{p.user_id}",
                               on_click=_decide_link, args=(ctx, actor, p.user_id, False))


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Welcome, {name}").format(name=ui.plain(actor.display_name)))
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
