"""Hand over clients, for supervisors: when an advocate leaves (or goes on leave), all of their open clients go to
one or several other advocates at once, spread evenly or chosen client by client (models/services/handover.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _, ngettext
from models.services import handover
from models.services.accounts import list_advocates

ERRORS = "ho_errors"


def _forget_errors() -> None:
    st.session_state.pop(ERRORS, None)


def _holder(h) -> str:  # type: ignore[no-untyped-def]
    """A person whose clients can be handed over, as the picker shows them."""
    n = h.open_clients
    if h.active:
        text = ngettext("{name} ({username}), {n} open client", "{name} ({username}), {n} open clients", n)
    else:
        text = ngettext("{name} ({username}), {n} open client, deactivated",
                        "{name} ({username}), {n} open clients, deactivated", n)
    return text.format(name=h.display_name, username=h.username, n=i18n.number(n))


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Hand over clients"))
    st.caption(_("When an advocate leaves or goes on leave: every one of their open clients goes to the advocates "
                 "you choose, in one step. Each client moved is in the audit log; their check-ins keep who recorded "
                 "them."))
    errors: dict[str, str] = st.session_state.get(ERRORS, {})
    done = st.session_state.pop("ho_done", None)
    if done:
        st.success(done)
    holders = handover.holders(ctx.db, actor)
    if not holders:
        st.info(_("Nobody has open clients to hand over."))
        return
    by_id = {h.user_id: h for h in holders}
    if st.session_state.pop("ho_reset", None):
        # Set before the widget is drawn, so the browser shows no one chosen (a key only removed kept showing the
        # person whose clients had just gone, in Chromium).
        st.session_state["ho_from"] = None
    source = st.selectbox(
        _("Whose clients"), list(by_id), index=None, placeholder=_("Choose a person"), key="ho_from",
        on_change=_forget_errors, format_func=lambda i: _holder(by_id[i]))
    ui.field_error(errors, "from")
    if source is None:
        return
    names = {a.id: f"{a.display_name} ({a.username})" for a in list_advocates(ctx.db, actor) if a.id != source}
    if not names:
        st.warning(_("There is no other active advocate to take these clients. An admin can add or reactivate "
                     "one."))
        return
    targets = st.multiselect(_("Hand over to"), list(names), format_func=names.__getitem__, key=f"ho_to_{source}",
                             placeholder=_("Choose one or more active advocates"), on_change=_forget_errors)
    ui.field_error(errors, "targets")
    if not targets:
        return
    clients = handover.open_clients(ctx.db, actor, source)
    plan = handover.spread_evenly([c.code for c in clients], targets)
    counts = {t: sum(1 for v in plan.values() if v == t) for t in targets}
    # TRANSLATORS: {name} is an advocate's name and username; {n} how many clients they would take.
    shares = ", ".join(ngettext("{name}: {n} client", "{name}: {n} clients", counts[t]).format(
        name=ui.plain(names[t]), n=i18n.number(counts[t])) for t in targets)
    st.markdown(_("Spread evenly, earliest due first: {shares}. Change any client below before you hand them "
                  "over.").format(shares=shares))
    with st.form(f"ho_form_{source}", clear_on_submit=False):
        chosen: dict[str, int] = {}
        columns = st.columns(3)
        suffix = "-".join(str(t) for t in targets)
        for i, c in enumerate(clients):
            chosen[c.code] = columns[i % 3].selectbox(
                _("{code}, next due {date}").format(code=c.code, date=tz.show_date(c.next_due_at)), targets,
                index=targets.index(plan[c.code]), format_func=names.__getitem__, key=f"ho_{source}_{suffix}_{c.code}")
        ui.field_error(errors, "clients")
        submitted = st.form_submit_button(ngettext("Hand over {n} client", "Hand over {n} clients", len(clients))
                                          .format(n=i18n.number(len(clients))), type="primary")
    if submitted:
        try:
            taken = handover.hand_over(ctx.db, actor, source, chosen)
        except ValidationFailed as exc:
            st.session_state[ERRORS] = exc.errors
        else:
            st.session_state[ERRORS] = {}
            who = by_id[source]
            total = sum(taken.values())
            # TRANSLATORS: {name} is an advocate's name and username; {n} how many clients they took.
            shares = ", ".join(_("{name} takes {n}").format(name=ui.plain(names[t]), n=i18n.number(n))
                               for t, n in taken.items())
            st.session_state["ho_done"] = ngettext("Handed over {n} client of {who}: {shares}.",
                                                   "Handed over {n} clients of {who}: {shares}.", total).format(
                n=i18n.number(total), who=ui.plain(who.display_name), shares=shares)
            st.session_state["ho_reset"] = True
        st.rerun()


render()
