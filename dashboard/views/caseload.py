"""My caseload: who is overdue first, then who is due next, and which way their observed signs moved."""

from __future__ import annotations

from datetime import time

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from dashboard.checkin_form import CONCERN_LABELS
from models.base import i18n
from models.base.i18n import N_, _, ngettext
from models.rules.permissions import Permission, can
from models.services import handover
from models.services.accounts import list_advocates
from models.services.attention import rule
from models.services.caseload import caseload, closed_clients

# TRANSLATORS: after a count of signs observed ("3 ↑ more"): more, fewer or the same as at the check-in before.
ARROWS = {"up": N_("↑ more"), "down": N_("↓ fewer"), "same": N_("→ same")}


def _due_text(row, *, mark: bool = True) -> str:  # type: ignore[no-untyped-def]
    """The Status words; `mark` puts the warning sign before an overdue one (the table has it, the links not)."""
    if row.overdue:
        n = row.days_overdue
        text = ngettext("Overdue {n} day", "Overdue {n} days", n).format(n=i18n.number(n)) if n \
            else _("Overdue today")
        return f"⚠ {text}" if mark else text
    days = (tz.to_local(row.next_due_at).date() - tz.now_local().date()).days
    return _("Due today") if days <= 0 else ngettext("Due in {n} day", "Due in {n} days", days).format(
        n=i18n.number(days))


def _flag(row) -> str:  # type: ignore[no-untyped-def]
    if row.needs_attention:
        # TRANSLATORS: a cell in the "Needs attention" column.
        return _("● yes")
    # TRANSLATORS: a cell in the "Needs attention" column: a supervisor has reviewed the client's flag.
    return _("reviewed") if row.attention_reviewed else ""


def _signs(row) -> str:  # type: ignore[no-untyped-def]
    if row.sign_count is None:
        return ""
    arrow = ARROWS.get(row.direction)
    return f"{i18n.number(row.sign_count)} {_(arrow)}" if arrow else i18n.number(row.sign_count)


# Widths that show every cell in full at 1280 px ("Immediate danger", "12 Dec 2025, 14:00", "⚠ Overdue 12 days").
# The main area is about 818 px wide there; the row-selection column takes 33. A supervisor's grid has the
# Advocate column instead of Last check-in (on the client's timeline), so both fit without a cut-off cell
# (tests/browser/test_home_attention.py measures it).
WIDTHS = {"client": 85, "status": 125, "next_due": 135, "last": 100, "concern": 118, "signs": 95, "attention": 100}
SUPERVISOR_WIDTHS = {"client": 82, "status": 122, "next_due": 130, "concern": 112, "signs": 95, "attention": 100,
                     "advocate": 140}
COLUMNS = {"client": N_("Client"), "status": N_("Status"), "next_due": N_("Next due"), "last": N_("Last check-in"),
           "concern": N_("Concern"), "signs": N_("Signs observed"), "attention": N_("Needs attention"),
           "advocate": N_("Advocate")}
DUE_PARAM = "due"  # ?due=today: Home's "See all … due or overdue" opens the caseload filtered to them


def _sync_due_param() -> None:
    """The address says whether the due-by-today filter is on, so a reload keeps what is shown."""
    if st.session_state.get("cl_due"):
        st.query_params[DUE_PARAM] = "today"
    else:
        st.query_params.pop(DUE_PARAM, None)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    everyone = can(actor, Permission.VIEW_ALL_CLIENTS)
    st.title(_("Caseloads") if everyone else _("My caseload"))
    if can(actor, Permission.REASSIGN_CLIENTS):
        _left_behind(ctx, actor)
    advocate_id = None
    if st.query_params.get(DUE_PARAM) == "today" and "cl_due" not in st.session_state:
        st.session_state["cl_due"] = True  # from Home: the same clients as its "Due and overdue today"
    c0, c1, c2, c4, c3 = st.columns([1.1, 1, 1.3, 1.4, 1.8])
    due_today = c0.toggle(_("Due by today"), key="cl_due", on_change=_sync_due_param,
                          help=_("Overdue, or due by the end of today: the list on Home."))
    overdue_only = c1.toggle(_("Overdue only"), key="cl_overdue")
    high_only = c2.toggle(_("High concern only"), key="cl_high",
                          help=_("Latest check-in had high concern, immediate danger or an item needing a response "
                                 "now."))
    show_closed = c4.toggle(_("Show closed clients"), key="cl_closed",
                            help=_("Closed files, with when and why they were closed. Open one to reopen it."))
    if everyone:
        advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
        advocate_id = c3.selectbox(_("Advocate"), [None, *advocates], key="cl_advocate",
                                   format_func=lambda a: _("All advocates") if a is None else advocates[a])
    due_by = tz.to_utc(tz.now_local().date(), time(23, 59, 59)) if due_today else None
    rows = caseload(ctx.db, actor, advocate_id=advocate_id, overdue_only=overdue_only, high_concern_only=high_only,
                    checklist=ctx.content.checklist, due_by=due_by, zone=tz.zone())
    filtered = overdue_only or high_only or due_today
    overdue = sum(r.overdue for r in rows)
    count = (ngettext("{n} open client, {overdue} overdue.", "{n} open clients, {overdue} overdue.", len(rows))
             if overdue else ngettext("{n} open client.", "{n} open clients.", len(rows)))
    st.caption(count.format(n=i18n.number(len(rows)), overdue=i18n.number(overdue)) + " "
               + _("Select a row to open the client's timeline, or use the list of links under the table."))
    if not rows:
        st.info(_("No clients match.") if filtered else _("No open clients yet."))
        target = ui.page("new_client")
        if target is not None and not filtered:
            st.page_link(target, label=_("Open a new client"), icon=":material/person_add:")
        if show_closed:
            _closed(ctx, actor, advocate_id, everyone)
        return
    _attention(rows, everyone)
    label = {key: _(text) for key, text in COLUMNS.items()}
    frame = pd.DataFrame([
        {
            label["client"]: r.code,
            label["status"]: _due_text(r),
            label["next_due"]: tz.show(r.next_due_at),
            **({} if everyone else {label["last"]: tz.show(r.last_check_in_at, with_time=False)
                                    if r.last_check_in_at else _("none yet")}),
            label["concern"]: _(CONCERN_LABELS[r.concern]) if r.concern in CONCERN_LABELS else "",
            label["signs"]: _signs(r),
            label["attention"]: _flag(r),
            **({label["advocate"]: r.advocate_name} if everyone else {}),
        }
        for r in rows
    ])
    widths = SUPERVISOR_WIDTHS if everyone else WIDTHS
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key="cl_table",
                         column_config={
                             **{label[key]: st.column_config.TextColumn(width=width) for key, width in widths.items()},
                             label["signs"]: st.column_config.TextColumn(width=widths["signs"],
                                 help=_("Items observed at the latest check-in, and the change since the one before. "
                                        "When the two were recorded on different checklist versions, the arrow "
                                        "compares only the items on both, so a longer checklist never reads as a "
                                        "rise.")),
                             label["attention"]: st.column_config.TextColumn(width=widths["attention"], help=rule()),
                         })
    selected = event.selection.rows if event is not None else []
    if selected:
        code = rows[selected[0]].code
        target = ui.page("client")
        if target is not None:
            st.switch_page(target, query_params={"code": code})
    _as_links(rows, everyone)
    if show_closed:
        _closed(ctx, actor, advocate_id, everyone)


def _attention(rows, everyone: bool) -> None:  # type: ignore[no-untyped-def]
    """The flagged clients first, each with the rule that flagged it, in the needs-attention list's own order
    (most urgent first: an immediate response, then rising concern, then the most overdue)."""
    flagged = sorted((r for r in rows if r.needs_attention),
                     key=lambda r: (r.attention_rank is None, r.attention_rank or 0, r.code))
    # TRANSLATORS: {rule} is a sentence saying when a client needs attention. "Status" is the table's column.
    st.caption(_("Needs attention: {rule} Overdue in Status counts every day past due; the needs-attention rule "
                 "starts after that many days.").format(rule=rule()))
    if not flagged:
        return
    target = ui.page("client")
    with st.container(border=True, key="cl_attention"):
        st.markdown(ngettext("**Needs attention: {n} client**", "**Needs attention: {n} clients**",
                             len(flagged)).format(n=i18n.number(len(flagged))))
        for r in flagged:
            text = f"{r.code}: {ui.plain('; '.join(r.attention))}" + (f" ({ui.plain(r.advocate_name)})"
                                                                       if everyone else "")
            if target is not None:
                st.page_link(target, label=text, query_params={"code": r.code}, icon=":material/priority_high:")
            else:
                st.markdown(f"- {text}")


def _closed(ctx: ui.AppContext, actor, advocate_id: int | None, everyone: bool) -> None:  # type: ignore[no-untyped-def]
    """Closed files, most recently closed first, each a link to its timeline (where it can be reopened)."""
    closed = closed_clients(ctx.db, actor, advocate_id=advocate_id)
    st.subheader(_("Closed clients"))
    if not closed:
        st.caption(_("No closed clients."))
        return
    st.caption(ngettext("{n} closed client, most recently closed first. Open one to see its timeline and reopen it.",
                        "{n} closed clients, most recently closed first. Open one to see its timeline and reopen it.",
                        len(closed)).format(n=i18n.number(len(closed))))
    target = ui.page("client")
    for c in closed:
        closed_on = tz.show_date(c.closed_on) if c.closed_on else _("date not recorded")
        # TRANSLATORS: one closed client: its code, when and why it was closed, and when it was opened.
        text = _("{code}: closed {closed_on}, {reason} · opened {opened_on}").format(
            code=c.code, closed_on=closed_on, reason=ui.plain(c.reason), opened_on=tz.show_date(c.opened_on))
        if everyone:
            text += f" · {ui.plain(c.advocate_name)}"
        if target is not None:
            st.page_link(target, label=text, query_params={"code": c.code}, icon=":material/folder_off:")
        else:
            st.markdown(f"- {text}")


def _left_behind(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Open clients of a deactivated account wait for nobody: say so where a supervisor looks first."""
    gone = [h for h in handover.holders(ctx.db, actor) if not h.active]
    if not gone:
        return
    count = sum(h.open_clients for h in gone)
    who = ", ".join(h.display_name for h in gone)
    # TRANSLATORS: {who} is the display names of the deactivated accounts.
    st.warning(ngettext("{n} open client still belongs to a deactivated account ({who}). Hand them over to active "
                        "advocates.",
                        "{n} open clients still belong to a deactivated account ({who}). Hand them over to active "
                        "advocates.", count).format(n=i18n.number(count), who=ui.plain(who)),
               icon=":material/swap_horiz:")
    target = ui.page("handover")
    if target is not None:
        st.page_link(target, label=_("Hand over clients"), icon=":material/swap_horiz:")


def _as_links(rows, everyone: bool) -> None:  # type: ignore[no-untyped-def]
    """The table again as plain links: the table is drawn on a canvas, which screen readers cannot read and
    keyboards reach only cell by cell. Same order, same status words, each a link to the client's timeline."""
    target = ui.page("client")
    with st.expander(_("Caseload as a list of links"), key="cl_list", expanded=False):
        for r in rows:
            parts = [_due_text(r, mark=False), _("next due {date}").format(date=tz.show(r.next_due_at))]
            if r.concern:
                level = _(CONCERN_LABELS[r.concern]) if r.concern in CONCERN_LABELS else r.concern
                # TRANSLATORS: {level} is a level of concern in lower case ("concern high").
                parts.append(_("concern {level}").format(level=level.lower()))
            if r.needs_attention:
                parts.append(_("needs attention ({reasons})").format(reasons=ui.plain("; ".join(r.attention))))
            if everyone:
                parts.append(ui.plain(r.advocate_name))
            text = f"{r.code}: " + ", ".join(parts)
            if target is not None:
                st.page_link(target, label=text, query_params={"code": r.code})
            else:
                st.markdown(f"- {text}")


render()
