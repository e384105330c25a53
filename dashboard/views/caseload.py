"""My caseload: who is overdue first, then who is due next, and which way their observed signs moved."""

from __future__ import annotations

from datetime import time

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from dashboard.checkin_form import CONCERN_LABELS
from models.rules.permissions import Permission, can
from models.services import handover
from models.services.accounts import list_advocates
from models.services.attention import RULE
from models.services.caseload import caseload, closed_clients

ARROWS = {"up": "↑ more", "down": "↓ fewer", "same": "→ same", None: ""}


def _due_text(row) -> str:  # type: ignore[no-untyped-def]
    if row.overdue:
        return f"⚠ Overdue {ui.counted(row.days_overdue, 'day')}" if row.days_overdue else "⚠ Overdue today"
    days = (tz.to_local(row.next_due_at).date() - tz.now_local().date()).days
    return "Due today" if days <= 0 else f"Due in {ui.counted(days, 'day')}"


def _flag(row) -> str:  # type: ignore[no-untyped-def]
    if row.needs_attention:
        return "● yes"
    return "reviewed" if row.attention_reviewed else ""


# Widths that show every cell in full at 1280 px ("Immediate danger", "12 Dec 2025, 14:00", "⚠ Overdue 12 days").
# The main area is about 818 px wide there; the row-selection column takes 33. A supervisor's grid has the
# Advocate column instead of Last check-in (on the client's timeline), so both fit without a cut-off cell
# (tests/browser/test_home_attention.py measures it).
WIDTHS = {"Client": 85, "Status": 125, "Next due": 135, "Last check-in": 100, "Concern": 118,
          "Signs observed": 95, "Needs attention": 100}
SUPERVISOR_WIDTHS = {"Client": 82, "Status": 122, "Next due": 130, "Concern": 112, "Signs observed": 95,
                     "Needs attention": 100, "Advocate": 140}
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
    st.title("Caseloads" if everyone else "My caseload")
    if can(actor, Permission.REASSIGN_CLIENTS):
        _left_behind(ctx, actor)
    advocate_id = None
    if st.query_params.get(DUE_PARAM) == "today" and "cl_due" not in st.session_state:
        st.session_state["cl_due"] = True  # from Home: the same clients as its "Due and overdue today"
    c0, c1, c2, c4, c3 = st.columns([1.1, 1, 1.3, 1.4, 1.8])
    due_today = c0.toggle("Due by today", key="cl_due", on_change=_sync_due_param,
                          help="Overdue, or due by the end of today: the list on Home.")
    overdue_only = c1.toggle("Overdue only", key="cl_overdue")
    high_only = c2.toggle("High concern only", key="cl_high",
                          help="Latest check-in had high concern, immediate danger or an item needing a response now.")
    show_closed = c4.toggle("Show closed clients", key="cl_closed",
                            help="Closed files, with when and why they were closed. Open one to reopen it.")
    if everyone:
        advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
        advocate_id = c3.selectbox("Advocate", [None, *advocates], key="cl_advocate",
                                   format_func=lambda a: "All advocates" if a is None else advocates[a])
    due_by = tz.to_utc(tz.now_local().date(), time(23, 59, 59)) if due_today else None
    rows = caseload(ctx.db, actor, advocate_id=advocate_id, overdue_only=overdue_only, high_concern_only=high_only,
                    checklist=ctx.content.checklist, due_by=due_by, zone=tz.zone())
    filtered = overdue_only or high_only or due_today
    overdue = sum(r.overdue for r in rows)
    st.caption(ui.counted(len(rows), "open client") + (f", {overdue:,} overdue" if overdue else "")
               + ". Select a row to open the client's timeline, or use the list of links under the table.")
    if not rows:
        st.info("No clients match." if filtered else "No open clients yet.")
        target = ui.page("new_client")
        if target is not None and not filtered:
            st.page_link(target, label="Open a new client", icon=":material/person_add:")
        if show_closed:
            _closed(ctx, actor, advocate_id, everyone)
        return
    _attention(rows, everyone)
    frame = pd.DataFrame([
        {
            "Client": r.code,
            "Status": _due_text(r),
            "Next due": tz.show(r.next_due_at),
            **({} if everyone else {"Last check-in": tz.show(r.last_check_in_at, with_time=False)
                                    if r.last_check_in_at else "none yet"}),
            "Concern": CONCERN_LABELS.get(r.concern, "") if r.concern else "",
            "Signs observed": "" if r.sign_count is None else f"{r.sign_count} {ARROWS[r.direction]}".strip(),
            "Needs attention": _flag(r),
            **({"Advocate": r.advocate_name} if everyone else {}),
        }
        for r in rows
    ])
    widths = SUPERVISOR_WIDTHS if everyone else WIDTHS
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key="cl_table",
                         column_config={
                             **{name: st.column_config.TextColumn(width=width) for name, width in widths.items()},
                             "Signs observed": st.column_config.TextColumn(width=widths["Signs observed"],
                                 help="Items observed at the latest check-in, and the change since the one before. "
                                      "When the two were recorded on different checklist versions, the arrow "
                                      "compares only the items on both, so a longer checklist never reads as a "
                                      "rise."),
                             "Needs attention": st.column_config.TextColumn(width=widths["Needs attention"],
                                                                            help=RULE),
                         })
    selected = event.selection.rows if event is not None else []
    if selected:
        code = frame.iloc[selected[0]]["Client"]
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
    st.caption(f"Needs attention: {RULE} Overdue in Status counts every day past due; the needs-attention rule "
               "starts after that many days.")
    if not flagged:
        return
    target = ui.page("client")
    with st.container(border=True, key="cl_attention"):
        st.markdown(f"**Needs attention: {ui.counted(len(flagged), 'client')}**")
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
    st.subheader("Closed clients")
    if not closed:
        st.caption("No closed clients.")
        return
    st.caption(f"{ui.counted(len(closed), 'closed client')}, most recently closed first. Open one to see its "
               "timeline and reopen it.")
    target = ui.page("client")
    for c in closed:
        closed_on = tz.show_date(c.closed_on) if c.closed_on else "date not recorded"
        text = f"{c.code}: closed {closed_on}, {ui.plain(c.reason)} · opened {tz.show_date(c.opened_on)}"
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
    st.warning(f"{ui.counted(count, 'open client')} still {'belongs' if count == 1 else 'belong'} to a deactivated "
               f"account ({ui.plain(who)}). Hand them over to active advocates.", icon=":material/swap_horiz:")
    target = ui.page("handover")
    if target is not None:
        st.page_link(target, label="Hand over clients", icon=":material/swap_horiz:")


def _as_links(rows, everyone: bool) -> None:  # type: ignore[no-untyped-def]
    """The table again as plain links: the table is drawn on a canvas, which screen readers cannot read and
    keyboards reach only cell by cell. Same order, same status words, each a link to the client's timeline."""
    target = ui.page("client")
    with st.expander("Caseload as a list of links", key="cl_list", expanded=False):
        for r in rows:
            parts = [_due_text(r).replace("⚠ ", ""), f"next due {tz.show(r.next_due_at)}"]
            if r.concern:
                parts.append(f"concern {CONCERN_LABELS.get(r.concern, r.concern).lower()}")
            if r.needs_attention:
                parts.append(f"needs attention ({ui.plain('; '.join(r.attention))})")
            if everyone:
                parts.append(ui.plain(r.advocate_name))
            text = f"{r.code}: " + ", ".join(parts)
            if target is not None:
                st.page_link(target, label=text, query_params={"code": r.code})
            else:
                st.markdown(f"- {text}")


render()
