"""Hand over clients, for supervisors: when an advocate leaves (or goes on leave), all of their open clients go to
one or several other advocates at once, spread evenly or chosen client by client (models/services/handover.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base.errors import ValidationFailed
from models.services import handover
from models.services.accounts import list_advocates

ERRORS = "ho_errors"


def _forget_errors() -> None:
    st.session_state.pop(ERRORS, None)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Hand over clients")
    st.caption("When an advocate leaves or goes on leave: every one of their open clients goes to the advocates you "
               "choose, in one step. Each client moved is in the audit log; their check-ins keep who recorded them.")
    errors: dict[str, str] = st.session_state.get(ERRORS, {})
    done = st.session_state.pop("ho_done", None)
    if done:
        st.success(done)
    holders = handover.holders(ctx.db, actor)
    if not holders:
        st.info("Nobody has open clients to hand over.")
        return
    by_id = {h.user_id: h for h in holders}
    if st.session_state.pop("ho_reset", None):
        # Set before the widget is drawn, so the browser shows no one chosen (a key only removed kept showing the
        # person whose clients had just gone, in Chromium).
        st.session_state["ho_from"] = None
    source = st.selectbox(
        "Whose clients", list(by_id), index=None, placeholder="Choose a person", key="ho_from",
        on_change=_forget_errors,
        format_func=lambda i: f"{by_id[i].display_name} ({by_id[i].username}), "
                              f"{ui.counted(by_id[i].open_clients, 'open client')}"
                              + ("" if by_id[i].active else ", deactivated"))
    ui.field_error(errors, "from")
    if source is None:
        return
    names = {a.id: f"{a.display_name} ({a.username})" for a in list_advocates(ctx.db, actor) if a.id != source}
    if not names:
        st.warning("There is no other active advocate to take these clients. An admin can add or reactivate one.")
        return
    targets = st.multiselect("Hand over to", list(names), format_func=names.__getitem__, key=f"ho_to_{source}",
                             placeholder="Choose one or more active advocates", on_change=_forget_errors)
    ui.field_error(errors, "targets")
    if not targets:
        return
    clients = handover.open_clients(ctx.db, actor, source)
    plan = handover.spread_evenly([c.code for c in clients], targets)
    shares = ", ".join(f"{names[t]}: {ui.counted(sum(1 for v in plan.values() if v == t), 'client')}"
                       for t in targets)
    st.markdown(f"Spread evenly, earliest due first: {ui.plain(shares)}. Change any client below before you hand "
                "them over.")
    with st.form(f"ho_form_{source}", clear_on_submit=False):
        chosen: dict[str, int] = {}
        columns = st.columns(3)
        suffix = "-".join(str(t) for t in targets)
        for i, c in enumerate(clients):
            chosen[c.code] = columns[i % 3].selectbox(
                f"{c.code}, next due {tz.show_date(c.next_due_at)}", targets,
                index=targets.index(plan[c.code]), format_func=names.__getitem__, key=f"ho_{source}_{suffix}_{c.code}")
        ui.field_error(errors, "clients")
        submitted = st.form_submit_button(f"Hand over {ui.counted(len(clients), 'client')}", type="primary")
    if submitted:
        try:
            taken = handover.hand_over(ctx.db, actor, source, chosen)
        except ValidationFailed as exc:
            st.session_state[ERRORS] = exc.errors
        else:
            st.session_state[ERRORS] = {}
            who = by_id[source]
            st.session_state["ho_done"] = (
                f"Handed over {ui.counted(sum(taken.values()), 'client')} of {ui.plain(who.display_name)}: "
                + ui.plain(", ".join(f"{names[t]} takes {n}" for t, n in taken.items())) + ".")
            st.session_state["ho_reset"] = True
        st.rerun()


render()
