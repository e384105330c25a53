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
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext, pgettext
from models.rules.permissions import Permission, PermissionDenied, can
from models.services import client_language
from models.services.accounts import list_advocates
from models.services.audit_log import FIELD_WORDS
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
        return _("{code} (from an earlier checklist)").format(code=code)


def _reason(code: str | None) -> str:
    """A closing reason in words ('' when none was recorded: never `_("")`, which is the catalog's header)."""
    label = reason_label(code)
    return _(label) if label else ""


def _cell(present: bool | None) -> str:
    """One cell of the persistence grid: observed, not observed, or not on that check-in's checklist."""
    return "●" if present else ("–" if present is None else "")


def _pick_client(ctx: ui.AppContext, actor) -> str | None:  # type: ignore[no-untyped-def]
    wanted = st.query_params.get("code")
    if can(actor, Permission.VIEW_ALL_CLIENTS):
        typed = st.text_input(_("Find a client by code"), key="tl_find", value=wanted or "",
                              # TRANSLATORS: K7F and K7F-3QX are example client codes: keep them as they are.
                              placeholder=_("e.g. K7F or K7F-3QX"))
        matches = find_clients(ctx.db, actor, typed) if typed else []
        if typed and not matches:
            st.info(_("No client code matches that."))
            return None
        if len(matches) > 1 and typed.upper() not in matches:
            return st.selectbox(_("Matching clients"), matches, key="tl_match")
        return matches[0] if matches else None
    # Their closed clients too, marked: a file closed by mistake must be reachable to reopen it.
    statuses = dict(own_clients(ctx.db, actor))
    codes = sorted(statuses, key=lambda code: (statuses[code] != "open", code))
    if wanted and wanted not in statuses:
        codes = [wanted, *codes]  # one the service will refuse, in words
    if wanted and st.session_state.get("tl_code") is None:
        st.session_state["tl_code"] = wanted
    chosen = st.selectbox(_("Client"), codes, key="tl_code", placeholder=_("Choose one of your clients"),
                          format_func=lambda code: _("{code} (closed)").format(code=code)
                          if statuses.get(code) == "closed" else code,
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


CORRECTED = N_("Correction saved. The earlier version is kept in the history.")


def _corrected(view) -> None:  # type: ignore[no-untyped-def]
    """Say it where they are: in the corrected check-in's card, which stays open (and as a toast), not at the top
    of the page they are scrolled away from. It stays until they correct another check-in or leave the client."""
    st.session_state.pop("tl_edit", None)
    st.session_state.pop(PREFILLED_KEY, None)
    st.session_state[f"tl_card_{view.id}"] = True
    st.session_state["tl_corrected"] = view.id
    st.session_state["tl_toast"] = _(CORRECTED)


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
        st.markdown(_("#### Correcting the check-in of {date}").format(date=tz.show(view.occurred_at)))
        checkin_form.render(EDIT, client_codes=[code], check_in_id=view.id, fixed_client=code,
                            on_saved=_corrected, save_label=_("Save correction"))
        st.button(_("Cancel correction"), key="tl_cancel", on_click=_cancel_edit, args=(ctx.content,))


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
    # TRANSLATORS: {reason} is the closing reason chosen ("Goals met").
    st.session_state["tl_flash"] = _("Closed: {reason}. You can reopen it.").format(
        reason=_reason(closed.closed_reason))


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
    st.session_state["tl_flash"] = _("Reopened. The next check-in is due {date}; the closing stays counted in the "
                                     "trends.").format(date=tz.show(opened.next_due_at))


def _close_question(c) -> None:  # type: ignore[no-untyped-def]
    """Asked once more, with the reason, before a file closes."""
    errors: dict[str, str] = st.session_state.get("tl_close_errors") or {}
    with st.container(border=True, key="tl_close_box"):
        st.markdown(_("**Close the file of {code}?** It leaves the caseload and takes no check-ins until it is "
                      "reopened. You can reopen it from this page.").format(code=c.code))
        st.radio(_("Why is the file being closed?"), list(CLOSING_REASONS), key="tl_reason", index=None,
                 format_func=lambda reason: _(CLOSING_REASONS[reason]), on_change=_reason_chosen)
        ui.field_error(errors, "reason")
        for field in ("client", "closed_on"):
            ui.field_error(errors, field)
        yes, no = st.columns(2)
        yes.button(_("Yes, close {code}").format(code=c.code), key="tl_close_yes", type="primary", on_click=_close,
                   args=(c.code,))
        no.button(_("Cancel, keep it open"), key="tl_close_no", on_click=_cancel_close)


def _actions(ctx: ui.AppContext, actor, timeline) -> None:  # type: ignore[no-untyped-def]
    c = timeline.client
    if st.session_state.get("tl_closing") not in (None, c.code):
        _cancel_close()  # a question about another client is not carried over to this one
    asking = c.status == "open" and st.session_state.get("tl_closing") == c.code
    cols = st.columns([1, 2])
    try:
        if c.status == "open":
            if not asking:
                cols[0].button(_("Close this client"), key="tl_close", on_click=_ask_close, args=(c.code,))
        else:
            cols[0].button(_("Reopen this client"), key="tl_reopen", on_click=_reopen, args=(c.code,))
            errors = st.session_state.get("tl_close_errors") or {}
            with cols[0]:
                ui.field_error(errors, "client")
        if can(actor, Permission.REASSIGN_CLIENTS):
            advocates = {a.id: a.display_name for a in list_advocates(ctx.db, actor)}
            with cols[1]:
                target = st.selectbox(_("Reassign to"), [a for a in advocates if a != c.advocate_id],
                                      key="tl_assign", format_func=advocates.get, index=None,
                                      placeholder=_("Choose an advocate"))
                if target is not None and st.button(_("Reassign"), key="tl_reassign"):
                    reassign_client(ctx.db, actor, c.code, target)
                    st.session_state.pop("tl_assign", None)
                    st.rerun()
        if asking:
            _close_question(c)  # the page's width, where the Close button was: a second click lands on words
    except (ValidationFailed, PermissionDenied) as exc:
        st.error(str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.errors.values()))


FIELD_NAMES = FIELD_WORDS  # the audit log names a correction's fields the same way


def _describe_change(content, names: dict[str, str], change) -> str:  # type: ignore[no-untyped-def]
    """One correction in words: what the field was and what it became (a note's text is not repeated)."""
    name = _(FIELD_NAMES[change.field]) if change.field in FIELD_NAMES else change.field.replace("_", " ")
    before, after = change.before, change.after
    if change.field == "items":
        added = [_label(content, c) for c in after or () if c not in (before or ())]
        removed = [_label(content, c) for c in before or () if c not in (after or ())]
        parts = ([_("added {items}").format(items="; ".join(added))] if added else []) + (
            [_("removed {items}").format(items="; ".join(removed))] if removed else [])
        # TRANSLATORS: {field} is a check-in field ("observed items"); {changes} what was added and removed.
        return _("{field}: {changes}").format(field=name, changes=", ".join(parts))
    # TRANSLATORS: one field of a corrected check-in: its value before and after the correction.
    before_after = _("{field}: {before} → {after}")
    if change.field.startswith("referrals"):
        # TRANSLATORS: no referrals were offered (or taken up).
        none = pgettext("referrals", "none")
        return before_after.format(field=name, before=", ".join(names.get(r, r) for r in before or ()) or none,
                                   after=", ".join(names.get(r, r) for r in after or ()) or none)
    if change.field == "note":
        return _("note edited")
    labels = {"concern": CONCERN_LABELS, "contact_mode": CONTACT_LABELS, "harm_contact": HARM_LABELS}.get(
        change.field)

    def shown(value) -> str:  # type: ignore[no-untyped-def]
        if value is None:
            # TRANSLATORS: a check-in field that had no value before (or after) a correction.
            return pgettext("a field's value", "none")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if hasattr(value, "isoformat"):
            return tz.show(value)
        if change.field == "conversation_language":
            return i18n.conversation_name(str(value))
        return _(labels[value]) if labels and value in labels else str(value)
    return before_after.format(field=name, before=shown(before), after=shown(after))


def _spoken(language: str | None, interpreter: bool | None) -> str:
    """"Vietnamese, with an interpreter"; "not recorded" when the check-in does not say."""
    if language is None and interpreter is None:
        return _("not recorded")
    name = i18n.conversation_name(language) if language else _("language not recorded")
    if interpreter is None:
        return name
    return (_("{language}, with an interpreter") if interpreter else _("{language}, without an interpreter")).format(
        language=name)


@ui.saves
def _save_language(code: str) -> None:
    chosen = st.session_state.get("tl_client_language") or None
    client_language.set_preferred_language(ui.app_context().db, ui.actor(), code, chosen)
    st.session_state["tl_toast"] = _("Saved: handouts and scripts for {code} now open in {language}.").format(
        code=code, language=i18n.display_name(chosen)) if chosen else _(
        "Saved: handouts and scripts for {code} now open in your own language.").format(code=code)


def _preferred_language(ctx: ui.AppContext, actor, c) -> None:  # type: ignore[no-untyped-def]
    """The language the client prefers to read and hear: the handout and the scripts open in it."""
    offered = i18n.languages()
    if len(offered) < 2:
        return
    may = (can(actor, Permission.WRITE_OWN_CLIENTS) and c.advocate_id == actor.user_id) or can(
        actor, Permission.REASSIGN_CLIENTS)
    mine = client_language.preferred_language(ctx.db, actor, c.code)
    if st.session_state.get("tl_client_language_for") != c.code:  # another client: start from theirs
        st.session_state["tl_client_language"] = mine or ""
        st.session_state["tl_client_language_for"] = c.code
    st.selectbox(_("Client's preferred language"), ["", *(lang.code for lang in offered)],
                 key="tl_client_language", format_func=lambda x: i18n.language(x).name if x else _("Not recorded"),
                 on_change=_save_language, args=(c.code,), disabled=not may,
                 help=_("The language the client prefers to read and hear. The handout and the referral scripts "
                        "open in it; nothing else about the client is recorded."))


def _check_in_card(ctx: ui.AppContext, actor, code: str, view, writable: bool) -> None:  # type: ignore[no-untyped-def]
    content = ctx.content
    names = {r.code: r.name for r in content.resources}
    contact = _(CONTACT_LABELS[view.contact_mode]) if view.contact_mode in CONTACT_LABELS else view.contact_mode
    level = _(CONCERN_LABELS[view.concern]) if view.concern in CONCERN_LABELS else view.concern
    # A check-in's card title: its parts, each in words of its own, between dots.
    parts = [tz.show(view.occurred_at), contact, _("concern {level}").format(level=level.lower()),
             ngettext("{n} item", "{n} items", view.sign_count).format(n=i18n.number(view.sign_count))]
    if view.corrected:
        # TRANSLATORS: part of a check-in's title: the check-in was corrected after it was saved.
        parts.append(_("corrected"))
    if view.needs_attention:
        parts.append(_("needs attention"))
    title = " · ".join(parts)
    # Keyed, so it stays open across reruns even when its label changes (e.g. after a correction).
    with st.expander(title, key=f"tl_card_{view.id}", on_change="rerun"):
        if st.session_state.get("tl_corrected") == view.id:
            st.success(_(CORRECTED), icon=":material/check_circle:")
        order = {c: n for n, c in enumerate(content.checklist.all_codes())}
        items = [_label(content, c) for c in sorted(view.items, key=lambda c: (order.get(c, len(order)), c))]
        st.markdown(_("**Observed:** {items}").format(
            items="; ".join(items) if items else _("nothing from the checklist")))
        harm = _(HARM_LABELS[view.harm_contact]) if view.harm_contact in HARM_LABELS else view.harm_contact
        lines = [_("**Contact with the person causing harm:** {contact}").format(contact=harm),
                 _("**Safety planning done:** {answer}").format(answer=_("yes") if view.safety_planning else _("no")),
                 _("**Next check-in due:** {date}").format(date=tz.show(view.next_due_at)),
                 _("**Language of the conversation:** {language}").format(
                     language=_spoken(view.conversation_language, view.interpreter)),
                 _("**Recorded by:** {name}").format(name=ui.plain(view.recorded_by))]
        if view.checklist_version < content.checklist.version:
            lines.append(_("**Checklist:** recorded on an earlier checklist: items added later were not asked"))
        st.markdown("  \n".join(lines))
        if view.referrals_offered:
            # TRANSLATORS: {name} is a service the client was referred to.
            taken, offered = _("{name} (taken up)"), _("{name} (offered)")
            st.markdown(_("**Referrals:** {referrals}").format(referrals="; ".join(
                (taken if r in view.referrals_accepted else offered).format(name=names.get(r, r))
                for r in view.referrals_offered)))
        if view.note:
            st.markdown(_("**Note:**"))
            st.text(view.note)
        if view.corrected and st.toggle(_("Show correction history"), key=f"tl_hist_{view.id}"):
            for rev in check_in_history(ctx.db, actor, view.id):
                changed = "; ".join(_describe_change(content, names, ch) for ch in rev.changes) \
                    or _("no visible change")
                # TRANSLATORS: {who} is a person's display name, {when} a date and time, {changes} the fields changed.
                line = (_("As first recorded, by {who} on {when}: {changes}.") if rev.version == 1
                        else _("Correction {n}, by {who} on {when}: {changes}."))
                st.caption(line.format(n=i18n.number(rev.version - 1), who=ui.plain(rev.changed_by),
                                       when=tz.show(rev.changed_at), changes=changed))
        if writable and st.session_state.get("tl_edit") != view.id:
            st.button(_("Correct this check-in"), key=f"tl_correct_{view.id}", on_click=_start_edit,
                      args=(view, content))


# TRANSLATORS: a grid column of the second (third, nth) check-in in the same minute; {label} is its date and time.
ORDINALS = {2: N_("{label} (2nd)"), 3: N_("{label} (3rd)")}
NTH = N_("{label} ({n}th)")


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
        out.append(label if n == 1 else _(ORDINALS.get(n, NTH)).format(label=label, n=i18n.number(n)))
    return out


GRID_COLUMNS = 8  # with the row labels in full, eight check-ins fit the main column at 1280 px


def _grid(ctx: ui.AppContext, timeline) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The latest check-ins, newest on the left (where the eye starts), one row per item with its label in full.
    Shown as a static table: its cells wrap, so no label is cut off and no column hides off to the right."""
    recent = timeline.check_ins[-GRID_COLUMNS:]
    labels = _column_labels(recent)  # in time order, so "(2nd)" counts the way the day went
    columns = {_("Sign or reaction"): [_label(ctx.content, code) for code in timeline.grid]}
    for label, v in reversed(list(zip(labels, recent, strict=True))):
        columns[label] = [_cell(timeline.grid[code].get(v.id)) for code in timeline.grid]
    return pd.DataFrame(columns)


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Client timeline"))
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
        st.caption(_("Choose a client to see their check-ins over time."))
        return
    try:
        timeline = client_timeline(ctx.db, actor, ctx.content, code)
    except (PermissionDenied, ValidationFailed, LookupError):
        st.error(_("That client is not on your caseload, or the code does not exist."))
        return
    c = timeline.client
    checklist = ctx.content.checklist
    context = next((i.label for i in checklist.section("contexts").items if i.code == c.relationship_context),
                   c.relationship_context)
    st.header(c.code, anchor=False)
    if c.status == "open":
        status = pgettext("a client's file", "Open")
    else:
        closed_on = tz.show_date(c.closed_on) if c.closed_on else None
        reason = _reason(c.closed_reason).lower() if c.closed_reason else None
        # TRANSLATORS: a client's file status: closed, with the date and the reason when they were recorded.
        status = (_("Closed on {date} ({reason})") if closed_on and reason else _("Closed on {date}") if closed_on
                  else _("Closed ({reason})") if reason else pgettext("a client's file", "Closed")).format(
            date=closed_on, reason=reason)
    facts = " · ".join([
        _("**Status:** {status}").format(status=status),
        _("**Opened:** {date}").format(date=tz.show_date(c.opened_on)),
        _("**Advocate:** {name}").format(name=ui.plain(c.advocate_name)),
        _("**Next due:** {date}").format(date=tz.show(c.next_due_at) if c.status == "open"
                                          else _("none while closed"))])
    lines = [facts, _("**Relationship context:** {context}").format(context=context)]
    if c.factors:
        lines.append(_("**Vulnerability factors:** {factors}").format(
            factors="; ".join(_label(ctx.content, f) for f in c.factors)))
    st.markdown("  \n".join(lines))
    _actions(ctx, actor, timeline)
    _preferred_language(ctx, actor, c)
    writable = can(actor, Permission.WRITE_OWN_CLIENTS) and c.advocate_id == actor.user_id and c.status == "open"
    if writable:
        target = ui.page("check_in")
        if target is not None:
            st.page_link(target, label=_("Record a check-in for this client"), icon=":material/edit_note:",
                         query_params={"code": c.code})
    safety_plan_ui.render(ctx, actor, c)
    if not timeline.check_ins:
        st.info(_("No check-ins yet."))
        return
    titles = {s.code: s.title for s in checklist.checkin_sections()}
    frame = pd.DataFrame(timeline.chart)
    earlier = _("Earlier checklist items")
    frame["section"] = frame["section"].map(lambda s: titles.get(s, earlier))
    ranks = {level: n for n, level in enumerate(CONCERN_LABELS)}
    concern = pd.DataFrame([{"occurred_at": v.occurred_at,
                             "concern_label": _(CONCERN_LABELS[v.concern]) if v.concern in CONCERN_LABELS
                             else v.concern,
                             "rank": ranks.get(v.concern, len(ranks))} for v in timeline.check_ins])
    # Kept by what it shows (charts.kept_spec): building and validating the chart was half of a timeline's run,
    # and the same check-ins always draw the same chart. Only someone already allowed this view can name them.
    spec, words = charts.kept_spec(("timeline", i18n.current(), charts.digest(frame, concern)),
                                   lambda: charts.signs_over_time(frame, concern),
                                   lambda: charts.describe_signs_over_time(frame, concern))
    st.vega_lite_chart(spec, width="content")
    # The chart's gist for screen readers (the chart's own label says the same); the grid below has the detail.
    st.caption(_("Chart in words: {words}").format(words=words))
    st.markdown(_("### Which signs persist and which have faded"))
    st.table(_grid(ctx, timeline), hide_index=True)
    shown, total = min(len(timeline.check_ins), GRID_COLUMNS), len(timeline.check_ins)
    not_asked = any(timeline.grid[code].get(v.id) is None for code in timeline.grid
                    for v in timeline.check_ins[-GRID_COLUMNS:])
    if total == 1:
        which = _("The column is the only check-in; ● means the item was observed.")
    elif total > shown:
        which = _("Each column is a check-in, the latest on the left (the latest {shown} of {total}); ● means the "
                  "item was observed.")
    else:
        # TRANSLATORS: {total} is 2 or more here.
        which = _("Each column is a check-in, the latest on the left (all {total}); ● means the item was observed.")
    which = which.format(shown=i18n.number(shown), total=i18n.number(total))
    if not_asked:
        which += " " + _("– means the item was not yet on the checklist when that check-in was recorded, so it was "
                         "not asked (which is not the same as not observed).")
    st.caption(which)
    st.markdown(_("### Check-ins, latest first"))
    editing = st.session_state.get("tl_edit")
    for view in reversed(timeline.check_ins):
        if editing == view.id:
            with st.container(border=True):
                _edit_form(c.code, view)
        _check_in_card(ctx, actor, c.code, view, writable)


render()
