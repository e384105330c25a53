"""My caseload: who is overdue first, then who is due next, and which way their observed signs moved."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from dashboard.checkin_form import CONCERN_LABELS
from models.rules.permissions import Permission, can
from models.services import handover
from models.services.accounts import list_advocates
from models.services.caseload import caseload

ARROWS = {"up": "↑ more", "down": "↓ fewer", "same": "→ same", None: ""}


def _due_text(row) -> str:  # type: ignore[no-untyped-def]
    if row.overdue:
        return f"⚠ Overdue {row.days_overdue} day{'s' if row.days_overdue != 1 else ''}" if row.days_overdue \
            else "⚠ Overdue today"
    days = (tz.to_local(row.next_due_at).date() - tz.now_local().date()).days
    return "Due today" if days <= 0 else f"Due in {days} day{'s' if days != 1 else ''}"


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    everyone = can(actor, Permission.VIEW_ALL_CLIENTS)
    st.title("Caseloads" if everyone else "My caseload")
    if can(actor, Permission.REASSIGN_CLIENTS):
        _left_behind(ctx, actor)
    advocate_id = None
    c1, c2, c3 = st.columns([1, 1, 2])
    overdue_only = c1.toggle("Overdue only", key="cl_overdue")
    high_only = c2.toggle("High concern only", key="cl_high",
                          help="Latest check-in had high concern, immediate danger or an item needing a response now.")
    if everyone:
        advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
        advocate_id = c3.selectbox("Advocate", [None, *advocates], key="cl_advocate",
                                   format_func=lambda a: "All advocates" if a is None else advocates[a])
    rows = caseload(ctx.db, actor, advocate_id=advocate_id, overdue_only=overdue_only, high_concern_only=high_only,
                    checklist=ctx.content.checklist)
    overdue = sum(r.overdue for r in rows)
    st.caption(f"{len(rows)} open client{'s' if len(rows) != 1 else ''}" + (f", {overdue} overdue" if overdue else "")
               + ". Select a row to open the client's timeline, or use the list of links under the table.")
    if not rows:
        st.info("No clients match." if (overdue_only or high_only) else "No open clients yet.")
        target = ui.page("new_client")
        if target is not None and not (overdue_only or high_only):
            st.page_link(target, label="Open a new client", icon=":material/person_add:")
        return
    frame = pd.DataFrame([
        {
            "Client": r.code,
            "Status": _due_text(r),
            "Next due": tz.show(r.next_due_at),
            "Last check-in": tz.show(r.last_check_in_at) if r.last_check_in_at else "none yet",
            "Concern": CONCERN_LABELS.get(r.concern, "") if r.concern else "",
            "Signs observed": "" if r.sign_count is None else f"{r.sign_count} {ARROWS[r.direction]}".strip(),
            "Needs attention": "● yes" if r.needs_attention else "",
            **({"Advocate": r.advocate_name} if everyone else {}),
        }
        for r in rows
    ])
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key="cl_table",
                         column_config={"Signs observed": st.column_config.TextColumn(
                             help="Items observed at the latest check-in, and the change since the one before. "
                                  "When the two were recorded on different checklist versions, the arrow compares "
                                  "only the items on both, so a longer checklist never reads as a rise.")})
    selected = event.selection.rows if event is not None else []
    if selected:
        code = frame.iloc[selected[0]]["Client"]
        target = ui.page("client")
        if target is not None:
            st.switch_page(target, query_params={"code": code})
    _as_links(rows, everyone)


def _left_behind(ctx: ui.AppContext, actor) -> None:  # type: ignore[no-untyped-def]
    """Open clients of a deactivated account wait for nobody: say so where a supervisor looks first."""
    gone = [h for h in handover.holders(ctx.db, actor) if not h.active]
    if not gone:
        return
    count = sum(h.open_clients for h in gone)
    who = ", ".join(h.display_name for h in gone)
    st.warning(f"{count} open client{'s' if count != 1 else ''} still belong to a deactivated account "
               f"({ui.plain(who)}). Hand them over to active advocates.", icon=":material/swap_horiz:")
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
                parts.append("needs attention")
            if everyone:
                parts.append(ui.plain(r.advocate_name))
            text = f"{r.code}: " + ", ".join(parts)
            if target is not None:
                st.page_link(target, label=text, query_params={"code": r.code})
            else:
                st.markdown(f"- {text}")


render()
