"""Needs attention: who to look at first and which rule put them there, a way into each client's timeline, and
a supervisor's "reviewed" with a short note (models/services/attention.py holds the one definition)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from dashboard.checkin_form import CONCERN_LABELS
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _, ngettext
from models.rules.permissions import PermissionDenied
from models.services.accounts import list_advocates
from models.services.attention import (
    CHANGED_SINCE,
    CHOOSE_ENTRY,
    OVERDUE_DAYS,
    mark_reviewed,
    needs_attention,
    reviewed_count,
    rule,
)

DONE_KEY = "na_review_done"
ERRORS_KEY = "na_review_errors"


def _why(row) -> str:  # type: ignore[no-untyped-def]
    return "; ".join(row.why)


@ui.saves
def _review(ctx: ui.AppContext, actor, bases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Save the review for the entry as the page drew it (`bases`); on success the form empties, so a second
    press cannot repeat it, and the entry leaves the picker on the next run."""
    code = st.session_state.get("na_review_client")
    note = st.session_state.get("na_review_note", "")
    st.session_state.pop(ERRORS_KEY, None)
    if not code:
        st.session_state[ERRORS_KEY] = {"client": _(CHOOSE_ENTRY)}  # nothing to refuse or audit: nothing chosen
        return
    if code not in bases:
        st.session_state[ERRORS_KEY] = {"client": _(CHANGED_SINCE)}
        return
    try:
        mark_reviewed(ctx.db, actor, ctx.content, code, note, basis=bases[code], zone=tz.zone())
    except ValidationFailed as exc:
        st.session_state[ERRORS_KEY] = exc.errors  # the note stays typed in its field
        return
    except PermissionDenied as exc:
        st.session_state[ERRORS_KEY] = {"client": str(exc)}
        return
    st.session_state["na_review_client"] = None
    st.session_state["na_review_note"] = ""
    st.session_state[DONE_KEY] = _("{code} marked reviewed. It comes back here if something new happens.").format(
        code=code)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Needs attention"))
    st.caption(rule() + " " + _("The same rule marks clients on the caseloads."))
    advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
    c1, c2 = st.columns([2, 1])
    advocate = c1.selectbox(_("Advocate"), [None, *advocates], key="na_advocate",
                            format_func=lambda a: _("All advocates") if a is None else advocates[a])
    show_reviewed = c2.toggle(_("Show reviewed"), key="na_reviewed",
                              help=_("Entries a supervisor marked reviewed, with who, when and their note. An entry "
                                     "comes back by itself when something new happens for the client."))
    rows = needs_attention(ctx.db, actor, advocate_id=advocate, checklist=ctx.content.checklist,
                           include_reviewed=show_reviewed, zone=tz.zone())
    waiting = [r for r in rows if not r.reviewed]
    m1, m2, m3 = st.columns(3)
    m1.metric(_("Immediate response noted"), sum("immediate" in r.reasons for r in waiting),
              help=_("Latest check-in needed an immediate response (a ticked item needing one, or immediate "
                     "danger)."))
    m2.metric(_("Concern rising"), sum("rising" in r.reasons for r in waiting),
              help=_("Concern rose since the check-in before."))
    m3.metric(ngettext("Overdue more than {n} day", "Overdue more than {n} days", OVERDUE_DAYS).format(
              n=i18n.number(OVERDUE_DAYS)), sum("overdue" in r.reasons for r in waiting),
              help=_("Whole days past the next check-in date, counted as on the caseload."))
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.toast(done, icon=":material/check:")
    if not show_reviewed:
        hidden = reviewed_count(ctx.db, actor, advocate_id=advocate, zone=tz.zone())
        if hidden:
            st.caption(ngettext("{n} reviewed entry not shown: turn on Show reviewed to see it.",
                                "{n} reviewed entries not shown: turn on Show reviewed to see them.",
                                hidden).format(n=i18n.number(hidden)))
    if not rows:
        if done:
            st.success(done, icon=":material/check:")
        st.success(_("Nobody needs attention right now."))
        return
    st.caption(_("Most urgent first. Open a client from the list of links under the table."))
    # TRANSLATORS: a cell of the Reviewed column: who reviewed the entry, when, and their note.
    reviewed = _("{who}, {when}: {note}")
    frame = pd.DataFrame([{
        _("Client"): ui.plain(r.code).replace("\\-", "\u2060\\-\u2060"),  # word joiners: the code never splits
        _("Why"): ui.plain(_why(r)),
        _("Advocate"): ui.plain(r.advocate_name),
        _("Last check-in"): tz.show(r.last_check_in_at) if r.last_check_in_at else _("none yet"),
        _("Concern now"): _(CONCERN_LABELS[r.concern]) if r.concern in CONCERN_LABELS else "",
        _("Next due"): tz.show(r.next_due_at),
        **({_("Reviewed"): ui.plain(reviewed.format(who=r.review.by, when=tz.show(r.review.at),
                                                     note=r.review.note)) if r.review else ""}
           if show_reviewed else {}),
    } for r in rows])
    st.table(frame, hide_index=True)  # a static table wraps long reasons instead of cutting them off
    # Links for every entry: the table cannot hold them, and keyboards and screen readers want them anyway.
    target = ui.page("client")
    if target is not None:
        with st.expander(_("Open a client from a list of links")):
            for r in rows[:100]:
                st.page_link(target, label=f"{r.code}: {ui.plain(_why(r))} ({ui.plain(r.advocate_name)})",
                             query_params={"code": r.code})
    _review_form(ctx, actor, waiting, done)


def _review_form(ctx: ui.AppContext, actor, waiting: list, done: str | None) -> None:  # type: ignore[no-untyped-def]
    """Mark one entry reviewed: a short note on what was done or decided (screened; no names or contact details).
    The confirmation of the last review shows here, by the button that was pressed, not at the top of the page."""
    if not waiting:
        if done:
            st.success(done, icon=":material/check:")
        return
    errors = st.session_state.pop(ERRORS_KEY, None) or {}
    with st.container(border=True, key="na_review"):
        st.subheader(_("Mark an entry reviewed"))
        st.caption(_("It leaves the list until something new happens for the client: a new or corrected check-in, "
                     "a new due date, or another week overdue. Your note is kept with the review; it must not name "
                     "anyone or hold contact details."))
        codes = [r.code for r in waiting]
        why = {r.code: _why(r) for r in waiting}
        if st.session_state.get("na_review_client") not in (None, *codes):
            # Reviewed or gone: nothing chosen, never another entry. Set (not dropped), so the browser is told too.
            st.session_state["na_review_client"] = None
        st.selectbox(_("Client"), codes, key="na_review_client", index=None, placeholder=_("Choose an entry"),
                     format_func=lambda c: f"{c}: {why[c]}")
        ui.field_error(errors, "client")
        st.text_area(_("Note"), key="na_review_note", max_chars=500, height=90,
                     placeholder=_("For example: talked it through with the advocate; safety plan updated."))
        ui.field_error(errors, "note")
        st.button(_("Mark reviewed"), key="na_review_save", type="primary", on_click=_review,
                  args=(ctx, actor, {r.code: r.basis for r in waiting}))
        if done:  # under the button just pressed: the list above got shorter, so anything higher may be out of view
            st.success(done, icon=":material/check:")


render()
