"""One client's timeline: every check-in, what persists and what has faded, and corrections with history.

Closing a file asks once more, with a reason from a short list, and the page then stays on the closed client with
Reopen: the list of clients changes when a file closes, so nothing may move under a second click.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, checkin_form, drafts, safety_plan_ui, ui
from dashboard import timeutil_ui as tz
from dashboard.checkin_form import CONCERN_LABELS, CONTACT_LABELS, HARM_LABELS
from models.base.errors import ValidationFailed
from models.rules.permissions import Permission, PermissionDenied, can
from models.services.accounts import list_advocates
from models.services.checkins import check_in_history, client_timeline
from models.services.clients import (
    CLOSING_REASONS,
    close_client,
    find_clients,
    own_clients,
    reason_label,
    reassign_client,
    reopen_client,
)

EDIT = "tl"
PREFILLED_KEY = "_wp_tl_prefilled"


def _label(content, code: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return content.checklist.item(code).label
    except KeyError:
        return f"{code} (from an earlier checklist)"


def _cell(present: bool | None) -> str:
    """One cell of the persistence grid: observed, not observed, or not on that check-in's checklist."""
    return "●" if present else ("–" if present is None else "")


def _pick_client(ctx: ui.AppContext, actor) -> str | None:  # type: ignore[no-untyped-def]
    wanted = st.query_params.get("code")
    if can(actor, Permission.VIEW_ALL_CLIENTS):
        typed = st.text_input("Find a client by code", key="tl_find", value=wanted or "",
                              placeholder="e.g. K7F or K7F-3QX")
        matches = find_clients(ctx.db, actor, typed) if typed else []
        if typed and not matches:
            st.info("No client code matches that.")
            return None
        if len(matches) > 1 and typed.upper() not in matches:
            return st.selectbox("Matching clients", matches, key="tl_match")
        return matches[0] if matches else None
    # Their closed clients too, marked: a file closed by mistake must be reachable to reopen it.
    statuses = dict(own_clients(ctx.db, actor))
    codes = sorted(statuses, key=lambda code: (statuses[code] != "open", code))
    if wanted and wanted not in statuses:
        codes = [wanted, *codes]  # one the service will refuse, in words
    if wanted and st.session_state.get("tl_code") is None:
        st.session_state["tl_code"] = wanted
    chosen = st.selectbox("Client", codes, key="tl_code", placeholder="Choose one of your clients",
                          format_func=lambda code: code + (" (closed)" if statuses.get(code) == "closed" else ""),
                          **({} if "tl_code" in st.session_state else {"index": None}))
    if chosen and st.query_params.get("code") != chosen:
        st.query_params["code"] = chosen  # the address names the client shown, so a reload keeps it
    return chosen


@ui.saves
def _start_edit(view, content) -> None:  # type: ignore[no-untyped-def]
    checkin_form.clear(EDIT, content)
    other = set(st.session_state.keys())  # the timeline's own keys share the prefix: never put those back
    checkin_form.prefill(EDIT, view, content)
    st.session_state["tl_edit"] = view.id
    # What the check-in holds, kept apart from the widgets (see _edit_form).
    st.session_state[PREFILLED_KEY] = {k: v for k, v in drafts.typed(EDIT, st.session_state).items()
                                       if k not in other}
    st.session_state.pop("tl_corrected", None)  # they moved on to another correction


def _cancel_edit(content) -> None:  # type: ignore[no-untyped-def]
    checkin_form.clear(EDIT, content)
    st.session_state.pop("tl_edit", None)
    st.session_state.pop(PREFILLED_KEY, None)


CORRECTED = "Correction saved. The earlier version is kept in the history."


def _corrected(view) -> None:  # type: ignore[no-untyped-def]
    """Say it where they are: in the corrected check-in's card, which stays open (and as a toast), not at the top
    of the page they are scrolled away from. It stays until they correct another check-in or leave the client."""
    st.session_state.pop("tl_edit", None)
    st.session_state.pop(PREFILLED_KEY, None)
    st.session_state[f"tl_card_{view.id}"] = True
    st.session_state["tl_corrected"] = view.id
    st.session_state["tl_toast"] = CORRECTED


@st.fragment
def _edit_form(code: str, view) -> None:  # type: ignore[no-untyped-def]
    """Only this part reruns while a correction is typed, so the client view is not re-read each click."""
    if st.session_state.get("tl_edit") != view.id:
        st.rerun()
    with ui.fragment_guard():  # the session checked and touched as a full run would
        ctx = ui.app_context()
        # A tick sent before the browser had drawn the form's other fields came back without their values, and
        # they fell to their defaults (the time to now, contact and note empty): a correction of one tick then
        # rewrote the rest (issue-19 walk, 5 of 11 tries). A field missing from the state gets the check-in's value.
        for key, value in (st.session_state.get(PREFILLED_KEY) or {}).items():
            if key not in st.session_state:
                st.session_state[key] = value
        st.markdown(f"#### Correcting the check-in of {tz.show(view.occurred_at)}")
        checkin_form.render(EDIT, client_codes=[code], check_in_id=view.id, fixed_client=code,
                            on_saved=_corrected, save_label="Save correction")
        st.button("Cancel correction", key="tl_cancel", on_click=_cancel_edit, args=(ctx.content,))


def _ask_close(code: str) -> None:
    st.session_state["tl_closing"] = code
    st.session_state.pop("tl_close_errors", None)


def _cancel_close() -> None:
    for key in ("tl_closing", "tl_close_errors", "tl_reason"):
        st.session_state.pop(key, None)


def _reason_chosen() -> None:
    errors = dict(st.session_state.get("tl_close_errors") or {})
    errors.pop("reason", None)  # answered: the message about it goes
    st.session_state["tl_close_errors"] = errors


@ui.saves
def _close(code: str) -> None:
    """Close the file the question was about (the code is bound to the button, never read from the page again)."""
    ctx, actor = ui.app_context(), ui.actor()
    try:
        closed = close_client(ctx.db, actor, code, reason=st.session_state.get("tl_reason"))
    except ValidationFailed as exc:
        st.session_state["tl_close_errors"] = exc.errors
        return
    except PermissionDenied as exc:
        st.session_state["tl_close_errors"] = {"client": str(exc)}
        return
    _cancel_close()
    st.session_state["tl_flash"] = f"Closed: {reason_label(closed.closed_reason)}. You can reopen it."


@ui.saves
def _reopen(code: str) -> None:
    ctx, actor = ui.app_context(), ui.actor()
    try:
        opened = reopen_client(ctx.db, actor, code)
    except (ValidationFailed, PermissionDenied) as exc:
        st.session_state["tl_close_errors"] = (exc.errors if isinstance(exc, ValidationFailed)
                                               else {"client": str(exc)})
        return
    st.session_state.pop("tl_close_errors", None)
    st.session_state["tl_flash"] = (f"Reopened. The next check-in is due {tz.show(opened.next_due_at)}; "
                                    "the closing stays counted in the trends.")


def _close_question(c) -> None:  # type: ignore[no-untyped-def]
    """Asked once more, with the reason, before a file closes."""
    errors: dict[str, str] = st.session_state.get("tl_close_errors") or {}
    with st.container(border=True, key="tl_close_box"):
        st.markdown(f"**Close the file of {c.code}?** It leaves the caseload and takes no check-ins until it is "
                    "reopened. You can reopen it from this page.")
        st.radio("Why is the file being closed?", list(CLOSING_REASONS), key="tl_reason", index=None,
                 format_func=CLOSING_REASONS.get, on_change=_reason_chosen)
        ui.field_error(errors, "reason")
        for field in ("client", "closed_on"):
            ui.field_error(errors, field)
        yes, no = st.columns(2)
        yes.button(f"Yes, close {c.code}", key="tl_close_yes", type="primary", on_click=_close, args=(c.code,))
        no.button("Cancel, keep it open", key="tl_close_no", on_click=_cancel_close)


def _actions(ctx: ui.AppContext, actor, timeline) -> None:  # type: ignore[no-untyped-def]
    c = timeline.client
    if st.session_state.get("tl_closing") not in (None, c.code):
        _cancel_close()  # a question about another client is not carried over to this one
    asking = c.status == "open" and st.session_state.get("tl_closing") == c.code
    cols = st.columns([1, 2])
    try:
        if c.status == "open":
            if not asking:
                cols[0].button("Close this client", key="tl_close", on_click=_ask_close, args=(c.code,))
        else:
            cols[0].button("Reopen this client", key="tl_reopen", on_click=_reopen, args=(c.code,))
            errors = st.session_state.get("tl_close_errors") or {}
            with cols[0]:
                ui.field_error(errors, "client")
        if can(actor, Permission.REASSIGN_CLIENTS):
            advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
            with cols[1]:
                target = st.selectbox("Reassign to", [a for a in advocates if a != c.advocate_id], key="tl_assign",
                                      format_func=advocates.get, index=None, placeholder="Choose an advocate")
                if target is not None and st.button("Reassign", key="tl_reassign"):
                    reassign_client(ctx.db, actor, c.code, target)
                    st.session_state.pop("tl_assign", None)
                    st.rerun()
        if asking:
            _close_question(c)  # the page's width, where the Close button was: a second click lands on words
    except (ValidationFailed, PermissionDenied) as exc:
        st.error(str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.errors.values()))


FIELD_NAMES = {"occurred_at": "date and time", "contact_mode": "contact mode", "items": "observed items",
               "harm_contact": "contact with the person causing harm", "concern": "level of concern",
               "safety_planning": "safety planning", "referrals_offered": "referrals offered",
               "referrals_accepted": "referrals taken up", "note": "note", "next_due_at": "next check-in due"}


def _describe_change(content, names: dict[str, str], change) -> str:  # type: ignore[no-untyped-def]
    """One correction in words: what the field was and what it became (a note's text is not repeated)."""
    name = FIELD_NAMES.get(change.field, change.field.replace("_", " "))
    before, after = change.before, change.after
    if change.field == "items":
        added = [_label(content, c) for c in after or () if c not in (before or ())]
        removed = [_label(content, c) for c in before or () if c not in (after or ())]
        parts = ([f"added {'; '.join(added)}"] if added else []) + (
            [f"removed {'; '.join(removed)}"] if removed else [])
        return f"{name}: {', '.join(parts)}"
    if change.field.startswith("referrals"):
        return f"{name}: {', '.join(names.get(r, r) for r in before or ()) or 'none'} → " \
               f"{', '.join(names.get(r, r) for r in after or ()) or 'none'}"
    if change.field == "note":
        return "note edited"
    labels = {"concern": CONCERN_LABELS, "contact_mode": CONTACT_LABELS, "harm_contact": HARM_LABELS}.get(
        change.field)

    def shown(value) -> str:  # type: ignore[no-untyped-def]
        if value is None:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if hasattr(value, "isoformat"):
            return tz.show(value)
        return labels.get(value, str(value)) if labels else str(value)
    return f"{name}: {shown(before)} → {shown(after)}"


def _check_in_card(ctx: ui.AppContext, actor, code: str, view, writable: bool) -> None:  # type: ignore[no-untyped-def]
    content = ctx.content
    names = {r.code: r.name for r in content.resources}
    title = (f"{tz.show(view.occurred_at)} · {CONTACT_LABELS.get(view.contact_mode, view.contact_mode)} · "
             f"concern {CONCERN_LABELS.get(view.concern, view.concern).lower()} · {ui.counted(view.sign_count, 'item')}"
             + (" · corrected" if view.corrected else "") + (" · needs attention" if view.needs_attention else ""))
    # Keyed, so it stays open across reruns even when its label changes (e.g. after a correction).
    with st.expander(title, key=f"tl_card_{view.id}", on_change="rerun"):
        if st.session_state.get("tl_corrected") == view.id:
            st.success(CORRECTED, icon=":material/check_circle:")
        order = {c: n for n, c in enumerate(content.checklist.all_codes())}
        items = [_label(content, c) for c in sorted(view.items, key=lambda c: (order.get(c, len(order)), c))]
        st.markdown("**Observed:** " + ("; ".join(items) if items else "nothing from the checklist"))
        st.markdown(f"**Contact with the person causing harm:** {HARM_LABELS.get(view.harm_contact, view.harm_contact)}"
                    f"  \n**Safety planning done:** {'yes' if view.safety_planning else 'no'}"
                    f"  \n**Next check-in due:** {tz.show(view.next_due_at)}"
                    f"  \n**Recorded by:** {ui.plain(view.recorded_by)}"
                    + ("  \n**Checklist:** recorded on an earlier checklist: items added later were not asked"
                       if view.checklist_version < content.checklist.version else ""))
        if view.referrals_offered:
            st.markdown("**Referrals:** " + "; ".join(
                f"{names.get(r, r)} ({'taken up' if r in view.referrals_accepted else 'offered'})"
                for r in view.referrals_offered))
        if view.note:
            st.markdown("**Note:**")
            st.text(view.note)
        if view.corrected and st.toggle("Show correction history", key=f"tl_hist_{view.id}"):
            for rev in check_in_history(ctx.db, actor, view.id):
                changed = "; ".join(_describe_change(content, names, ch) for ch in rev.changes)
                st.caption(f"{'As first recorded' if rev.version == 1 else f'Correction {rev.version - 1}'}, by "
                           f"{ui.plain(rev.changed_by)} on {tz.show(rev.changed_at)}: "
                           f"{changed or 'no visible change'}.")
        if writable and st.session_state.get("tl_edit") != view.id:
            st.button("Correct this check-in", key=f"tl_correct_{view.id}", on_click=_start_edit,
                      args=(view, content))


ORDINALS = {2: "2nd", 3: "3rd"}


def _column_labels(views) -> list[str]:  # type: ignore[no-untyped-def]
    """A grid column per check-in: its date, with the time when two share a date, and "(2nd)" when they share
    the minute too; never a database id."""
    days = [tz.show(v.occurred_at, with_time=False) for v in views]
    labels = [tz.show(v.occurred_at).replace(",", "") if days.count(d) > 1 else d for v, d in zip(views, days,
                                                                                                    strict=True)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        n = seen[label]
        out.append(label if n == 1 else f"{label} ({ORDINALS.get(n, f'{n}th')})")
    return out


GRID_COLUMNS = 8  # with the row labels in full, eight check-ins fit the main column at 1280 px


def _grid(ctx: ui.AppContext, timeline) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The latest check-ins, newest on the left (where the eye starts), one row per item with its label in full.
    Shown as a static table: its cells wrap, so no label is cut off and no column hides off to the right."""
    recent = timeline.check_ins[-GRID_COLUMNS:]
    labels = _column_labels(recent)  # in time order, so "(2nd)" counts the way the day went
    columns = {"Sign or reaction": [_label(ctx.content, code) for code in timeline.grid]}
    for label, v in reversed(list(zip(labels, recent, strict=True))):
        columns[label] = [_cell(timeline.grid[code].get(v.id)) for code in timeline.grid]
    return pd.DataFrame(columns)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Client timeline")
    flash = st.session_state.pop("tl_flash", None)
    if flash:
        st.success(flash)
    toast = st.session_state.pop("tl_toast", None)
    if toast:
        st.toast(toast, icon=":material/check_circle:")
    code = _pick_client(ctx, actor)
    if st.session_state.get("tl_corrected_code") != code:
        st.session_state.pop("tl_corrected", None)  # another client: the message was about the one they left
    st.session_state["tl_corrected_code"] = code
    if not code:
        st.caption("Choose a client to see their check-ins over time.")
        return
    try:
        timeline = client_timeline(ctx.db, actor, ctx.content, code)
    except (PermissionDenied, ValidationFailed, LookupError):
        st.error("That client is not on your caseload, or the code does not exist.")
        return
    c = timeline.client
    checklist = ctx.content.checklist
    context = next((i.label for i in checklist.section("contexts").items if i.code == c.relationship_context),
                   c.relationship_context)
    st.header(c.code, anchor=False)
    status = "Open" if c.status == "open" else "Closed" + (
        f" on {tz.show_date(c.closed_on)}" if c.closed_on else "") + (
        f" ({reason_label(c.closed_reason).lower()})" if c.closed_reason else "")
    st.markdown(
        f"**Status:** {status} · "
        f"**Opened:** {tz.show_date(c.opened_on)} · **Advocate:** {ui.plain(c.advocate_name)} · "
        f"**Next due:** {tz.show(c.next_due_at) if c.status == 'open' else 'none while closed'}  \n"
        f"**Relationship context:** {context}"
        + ("  \n**Vulnerability factors:** " + "; ".join(_label(ctx.content, f) for f in c.factors)
           if c.factors else "")
    )
    _actions(ctx, actor, timeline)
    writable = can(actor, Permission.WRITE_OWN_CLIENTS) and c.advocate_id == actor.user_id and c.status == "open"
    if writable:
        target = ui.page("check_in")
        if target is not None:
            st.page_link(target, label="Record a check-in for this client", icon=":material/edit_note:",
                         query_params={"code": c.code})
    safety_plan_ui.render(ctx, actor, c)
    if not timeline.check_ins:
        st.info("No check-ins yet.")
        return
    titles = {s.code: s.title for s in checklist.checkin_sections()}
    frame = pd.DataFrame(timeline.chart)
    frame["section"] = frame["section"].map(lambda s: titles.get(s, "Earlier checklist items"))
    ranks = {level: n for n, level in enumerate(CONCERN_LABELS)}
    concern = pd.DataFrame([{"occurred_at": v.occurred_at, "concern_label": CONCERN_LABELS.get(v.concern, v.concern),
                             "rank": ranks.get(v.concern, len(ranks))} for v in timeline.check_ins])
    # Kept by what it shows (charts.kept_spec): building and validating the chart was half of a timeline's run,
    # and the same check-ins always draw the same chart. Only someone already allowed this view can name them.
    spec, words = charts.kept_spec(("timeline", charts.digest(frame, concern)),
                                   lambda: charts.signs_over_time(frame, concern),
                                   lambda: charts.describe_signs_over_time(frame, concern))
    st.vega_lite_chart(spec, width="content")
    # The chart's gist for screen readers (the chart's own label says the same); the grid below has the detail.
    st.caption("Chart in words: " + words)
    st.markdown("### Which signs persist and which have faded")
    st.table(_grid(ctx, timeline), hide_index=True)
    shown, total = min(len(timeline.check_ins), GRID_COLUMNS), len(timeline.check_ins)
    not_asked = any(timeline.grid[code].get(v.id) is None for code in timeline.grid
                    for v in timeline.check_ins[-GRID_COLUMNS:])
    how_many = f"the latest {shown} of {total}" if total > shown else f"all {total}"
    which = ("The column is the only check-in" if total == 1 else
             f"Each column is a check-in, the latest on the left ({how_many})")
    st.caption(f"{which}; ● means the item was observed."
               + (" – means the item was not yet on the checklist when that check-in was recorded, so it was not "
                  "asked (which is not the same as not observed)." if not_asked else ""))
    st.markdown("### Check-ins, latest first")
    editing = st.session_state.get("tl_edit")
    for view in reversed(timeline.check_ins):
        if editing == view.id:
            with st.container(border=True):
                _edit_form(c.code, view)
        _check_in_card(ctx, actor, c.code, view, writable)


render()
