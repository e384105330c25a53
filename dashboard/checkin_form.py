"""The check-in form, shared by "Record a check-in" and "Correct a check-in".

Widgets keep what was typed in session state; the save runs in the button's callback, before the page is
drawn again, so a refusal appears right under its field and nothing typed is lost. Only a successful save
clears the form.

Save sits in a bar that sticks to the bottom of the window (issue 17): the advocate never scrolls to reach it, and
what the last Save did is said there, where they are: every problem named with a link to its field, or the
confirmation (kept until the next Save, Dismiss or another page). A new check-in can start from the client's last
one (models.services.checkins.last_check_in): the ticks and choices are copied, never the note, date or referrals.
"""

from __future__ import annotations

import hashlib
import html
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.content.crisis import SENDS_HELP, crisis_prompts, ways_to_reach
from models.rules.names import fold
from models.rules.permissions import PermissionDenied
from models.rules.screening import NAME, highlight
from models.services.checkins import (
    NEXT_DUE_DAYS,
    CheckInForm,
    CheckInView,
    NoteHasIdentifiers,
    correct_check_in,
    last_check_in,
    problems_before_a_client,
    record_check_in,
)
from models.store.database import DatabaseUnavailable
from models.store.entities import CONCERN_LEVELS, CONTACT_MODES, HARM_CONTACT

# Labels in English, marked for the catalog: translate where shown, `_(CONCERN_LABELS[code])` (other pages and the
# charts use the English as a key, so these are never translated here).
# TRANSLATORS: how the advocate and the client were in contact ("Text" is a text message).
CONTACT_LABELS = {"in-person": N_("In person"), "phone": N_("Phone"), "text": N_("Text"), "chat": N_("Chat"),
                  "video": N_("Video")}
# TRANSLATORS: levels of concern (nivel de preocupación): bajo, moderado, alto, peligro inmediato.
CONCERN_LABELS = {"low": N_("Low"), "moderate": N_("Moderate"), "high": N_("High"),
                  "immediate": N_("Immediate danger")}
# TRANSLATORS: contact with the person causing harm, since the last check-in.
HARM_LABELS = {
    "none": N_("No contact"),
    "some": N_("Some contact"),
    "frequent": N_("Frequent contact"),
    "lives-with": N_("Lives with them"),
    "unknown": N_("Not known"),
}
DUE_LABELS = {"default": N_("From the level of concern"), "date": N_("On a date I choose")}
INTERPRETER_LABELS = {"yes": N_("Used"), "no": N_("Not used")}
INTERPRETER_CHOICE = {True: "yes", False: "no"}  # the stored answer as the control's option (None: not recorded)
FIELDS = ("client", "date", "time", "mode", "lang", "interp", "harm", "concern", "safety", "offered", "accepted",
          "note", "due_choice", "due_date", "guidance")


def _k(prefix: str, name: str) -> str:
    return f"{prefix}_{name}"


def _unset(key: str) -> dict[str, None]:
    """Start a choice empty, unless state already holds a value (passing both makes Streamlit warn)."""
    return {} if key in st.session_state else {"index": None}


def item_key(prefix: str, code: str) -> str:
    return f"{prefix}_item_{code}"


def not_name_key(prefix: str, word: str) -> str:
    """The "this is not a person's name" box for one word: keyed by the word folded, so "Hope" and "hope" share it."""
    return f"{prefix}_notname_{hashlib.sha256(fold(word).encode()).hexdigest()[:12]}"


def _name_words(findings) -> list[str]:  # type: ignore[no-untyped-def]
    """The distinct words of the name findings, in the order they appear."""
    words: dict[str, str] = {}
    for f in findings:
        if f.kind == NAME:
            words.setdefault(fold(f.text), f.text)
    return list(words.values())


def _confirmed(prefix: str) -> frozenset[str]:
    """Words the advocate marked as no one's name in this note: those ticked among the name findings shown, and
    those ticked at an earlier attempt to save this same form (kept until the form is saved or cleared)."""
    findings = st.session_state.get(_k(prefix, "findings")) or []
    ticked = {w for w in _name_words(findings) if st.session_state.get(not_name_key(prefix, w))}
    return frozenset(st.session_state.get(_k(prefix, "not_names")) or ()) | ticked


def prefill(prefix: str, view: CheckInView, content) -> None:  # type: ignore[no-untyped-def]
    """Put a saved check-in into the widgets' state before they are drawn (a keyed widget ignores value=)."""
    local = tz.to_local(view.occurred_at)
    assert local is not None
    st.session_state[_k(prefix, "date")] = local.date()
    st.session_state[_k(prefix, "time")] = local.time().replace(second=0, microsecond=0)
    st.session_state[_k(prefix, "mode")] = view.contact_mode
    st.session_state[_k(prefix, "lang")] = view.conversation_language
    st.session_state[_k(prefix, "interp")] = INTERPRETER_CHOICE.get(view.interpreter)
    st.session_state[_k(prefix, "harm")] = view.harm_contact
    st.session_state[_k(prefix, "concern")] = view.concern
    st.session_state[_k(prefix, "safety")] = view.safety_planning
    st.session_state[_k(prefix, "offered")] = list(view.referrals_offered)
    st.session_state[_k(prefix, "accepted")] = list(view.referrals_accepted)
    st.session_state[_k(prefix, "note")] = view.note
    due = tz.to_local(view.next_due_at)
    st.session_state[_k(prefix, "due_choice")] = "date"
    st.session_state[_k(prefix, "due_date")] = due.date() if due else local.date()
    for section in content.checklist.checkin_sections():
        for item in section.items:
            st.session_state[item_key(prefix, item.code)] = item.code in view.items
    st.session_state[_k(prefix, "version")] = view.version
    st.session_state.pop(_k(prefix, "not_names"), None)
    st.session_state[_k(prefix, "checklist")] = view.checklist_version


def clear(prefix: str, content) -> None:  # type: ignore[no-untyped-def]
    """Reset every field to its starting value. Widget values are set, not deleted: a deleted key would leave
    the browser showing (and sending back) what was typed before. Call only from a callback."""
    now = tz.now_local()
    defaults: dict[str, object] = {"client": None, "date": now.date(), "time": now.time(), "mode": None,
                                   "lang": None, "interp": None,
                                   "harm": None, "concern": None, "safety": False, "offered": [], "accepted": [],
                                   "note": "", "due_choice": "default"}
    for name, value in defaults.items():
        st.session_state[_k(prefix, name)] = value
    for word in _name_words(st.session_state.get(_k(prefix, "findings")) or []):
        st.session_state.pop(not_name_key(prefix, word), None)
    for name in ("due_date", "errors", "findings", "submission", "version", "not_names", "checklist", "copied"):
        st.session_state.pop(_k(prefix, name), None)
    for section in content.checklist.checkin_sections():
        for item in section.items:
            st.session_state[item_key(prefix, item.code)] = False


def _ticked(prefix: str, content) -> list[str]:  # type: ignore[no-untyped-def]
    return [item.code for section in content.checklist.checkin_sections() for item in section.items
            if st.session_state.get(item_key(prefix, item.code))]


def _occurred_at(prefix: str) -> datetime | None:
    day, at = st.session_state.get(_k(prefix, "date")), st.session_state.get(_k(prefix, "time"))
    if day is None or at is None:
        return None
    return tz.to_utc(day, at)


def _form(prefix: str, client_code: str, content) -> CheckInForm:  # type: ignore[no-untyped-def]
    occurred = _occurred_at(prefix)
    due = None
    if st.session_state.get(_k(prefix, "due_choice")) == "date" and st.session_state.get(_k(prefix, "due_date")):
        local_time = st.session_state.get(_k(prefix, "time")) or datetime.min.time()
        due = tz.to_utc(st.session_state[_k(prefix, "due_date")], local_time)
    offered = list(st.session_state.get(_k(prefix, "offered")) or [])
    return CheckInForm(
        client=client_code,
        occurred_at=occurred,
        contact_mode=st.session_state.get(_k(prefix, "mode")) or "",
        conversation_language=st.session_state.get(_k(prefix, "lang")) or None,
        interpreter={"yes": True, "no": False}.get(st.session_state.get(_k(prefix, "interp")) or ""),
        harm_contact=st.session_state.get(_k(prefix, "harm")) or "",
        concern=st.session_state.get(_k(prefix, "concern")) or "",
        items=_ticked(prefix, content),
        safety_planning=bool(st.session_state.get(_k(prefix, "safety"))),
        referrals_offered=offered,
        referrals_accepted=[c for c in st.session_state.get(_k(prefix, "accepted")) or [] if c in offered],
        note=st.session_state.get(_k(prefix, "note")) or "",
        next_due_at=due,
        not_names=_confirmed(prefix),
    )


@ui.saves  # a session that ended meanwhile: nothing saved, the sign-in page, the fields kept
def _save(prefix: str, fixed_client: str | None, check_in_id: int | None,
          on_saved: Callable[[CheckInView], None]) -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    # Read the client at click time: a value bound when the button was drawn may predate the last choice.
    client_code = fixed_client or st.session_state.get(_k(prefix, "client"))
    st.session_state.pop(_k(prefix, "saved"), None)  # the message about the last save goes with this one
    form = _form(prefix, client_code or "", ctx.content)  # before the findings shown are cleared: it reads them
    st.session_state[_k(prefix, "not_names")] = form.not_names
    st.session_state[_k(prefix, "findings")] = []
    if not client_code:  # every other problem too, at once: not one round of fixing at a time
        st.session_state[_k(prefix, "errors")] = {"client": _("Choose the client this check-in is about."),
                                                  **problems_before_a_client(form, ctx.content)}
        return
    try:
        if check_in_id is None:
            key = st.session_state.setdefault(_k(prefix, "submission"), uuid.uuid4().hex)
            saved = record_check_in(ctx.db, actor, ctx.content, form, submission_key=key)
        else:
            saved = correct_check_in(ctx.db, actor, ctx.content, check_in_id, form,
                                     expected_version=st.session_state.get(_k(prefix, "version"), 1))
    except NoteHasIdentifiers as exc:
        st.session_state[_k(prefix, "errors")] = exc.errors
        st.session_state[_k(prefix, "findings")] = exc.findings
        return
    except ValidationFailed as exc:
        st.session_state[_k(prefix, "errors")] = exc.errors
        return
    except PermissionDenied as exc:
        st.session_state[_k(prefix, "errors")] = {"client": str(exc)}
        return
    except DatabaseUnavailable as exc:
        # Nothing was saved and nothing is cleared: the same submission key goes with the retry, so a save that
        # did reach the database just before it stopped answering is handed back, not made twice.
        st.session_state[_k(prefix, "errors")] = {"form": ui.save_refused(exc)}
        return
    clear(prefix, ctx.content)
    on_saved(saved)


@ui.saves  # a session ended meanwhile: the sign-in page with the form kept, not Streamlit's error box (walk, issue 19)
def _start_from_last(prefix: str) -> None:
    """Copy the chosen client's last check-in into the form: the ticks, how they were in contact, contact with the
    person causing harm and the level of concern. Not the note, date, safety planning or referrals: those are this
    contact's own. Everything copied stays the advocate's to change, and a caption says where it came from."""
    ctx = ui.app_context()
    code = st.session_state.get(_k(prefix, "client"))
    st.session_state.pop(_k(prefix, "copied"), None)
    if not code:
        st.session_state[_k(prefix, "errors")] = {"client": _("Choose the client first, then start from their "
                                                              "last check-in.")}
        return
    try:
        last = last_check_in(ctx.db, ui.actor(), code)
    except PermissionDenied as exc:
        st.session_state[_k(prefix, "errors")] = {"client": str(exc)}
        return
    except DatabaseUnavailable:
        st.session_state[_k(prefix, "errors")] = {"client": _("The database did not answer, so nothing was "
                                                              "copied. Try again in a moment.")}
        return
    st.session_state.pop(_k(prefix, "errors"), None)
    if last is None:
        st.session_state[_k(prefix, "copied")] = (code, None)
        return
    # A choice already made today is kept: the copy fills only what is still empty.
    for name, value in (("mode", last.contact_mode), ("harm", last.harm_contact), ("concern", last.concern)):
        if not st.session_state.get(_k(prefix, name)):
            st.session_state[_k(prefix, name)] = value
    for section in ctx.content.checklist.checkin_sections():  # ticks made today stay ticked
        for item in section.items:
            key = item_key(prefix, item.code)
            st.session_state[key] = bool(st.session_state.get(key)) or item.code in last.items
    st.session_state[_k(prefix, "copied")] = (code, tz.show(last.occurred_at, with_time=False))


def _dismiss(prefix: str) -> None:
    st.session_state.pop(_k(prefix, "saved"), None)


# Field -> the words of its label on screen, for the summary by Save (and where its link goes).
FIELD_NAMES = {
    "client": N_("Client code"),
    "occurred_at": N_("Date and time"),
    "contact_mode": N_("How you were in contact"),
    "items": N_("What you observed"),
    "harm_contact": N_("Contact with the person causing harm"),
    "concern": N_("Level of concern"),
    "referrals": N_("Referrals"),
    "note": N_("Note"),
    "next_due_at": N_("Next check-in due"),
}
# Fields whose problem, when nothing is chosen in them, is "not chosen yet" in the summary by Save.
CHOICES = {"client": "client", "contact_mode": "mode", "harm_contact": "harm", "concern": "concern"}
FOCUS = "#1d4ed8"  # a blue focus border: red reads as an error; 6.7:1 on white, well past the 3:1 a focus ring needs


def _anchor(prefix: str, field: str) -> str:
    return f"{prefix}-fix-{field.replace('_', '-')}"


def _mark(prefix: str, errors: dict[str, str], *fields: str) -> None:
    """An anchor for the summary's link, drawn only when one of `fields` has a problem (no space otherwise)."""
    for field in fields:
        if field in errors:
            st.markdown(f'<span id="{_anchor(prefix, field)}" class="wp-fix"></span>', unsafe_allow_html=True)
            return


def _style(prefix: str) -> None:
    """The Save bar stays in reach at the bottom of the window (sticky on its layout wrapper: the bar itself is
    exactly as tall as the wrapper, so it has nowhere to stick); a checklist label wraps onto a second line instead
    of ending in "…"; a focused box gets a blue border, not the theme's red, which reads as an error; the summary's
    links land a little below the top, so the page header does not cover the field; a field scrolled to (Tab, a
    link) stops above the Save bar, not under it."""
    form = f".st-key-{prefix}_form"
    st.html(f"""<style>
{form} div:has(> .st-key-{prefix}_savebar) {{position: sticky; bottom: 0; z-index: 20; background: #fff;
  border-top: 1px solid rgba(49, 51, 63, .25); box-shadow: 0 -6px 8px -6px rgba(0, 0, 0, .18);
  padding: .5rem 0 .25rem}}
{form} [data-testid="stCheckbox"] [data-testid="stMarkdownContainer"],
{form} [data-testid="stCheckbox"] .stMarkdownEllipsis, {form} [data-testid="stCheckbox"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important}}
{form} .react-aria-ComboBox > div:focus-within, {form} [data-testid="stTextAreaRootElement"]:focus-within,
{form} [data-testid="stDateInputField"]:focus-within {{
  border-color: {FOCUS} !important; box-shadow: 0 0 0 1px {FOCUS} !important}}
{form} .wp-fix {{display: block; scroll-margin-top: 5rem}}
{form} input, {form} textarea, {form} button, {form} label {{scroll-margin-bottom: 8rem}}
</style>""")


def _crisis_panel(prefix: str, content) -> None:  # type: ignore[no-untyped-def]
    """What to do now, before anything is saved. The line that can send help (911) is said once, at the top,
    however many kinds are ticked; each prompt then lists only its other lines."""
    kinds = {content.checklist.item(c).immediate for c in _ticked(prefix, content)} - {None}
    if st.session_state.get(_k(prefix, "concern")) == "immediate":
        kinds.add("danger")
    prompts = crisis_prompts(content, kinds)
    if not prompts:
        return
    help_now = [line for p in prompts for line in p.lines if line.role == SENDS_HELP]
    with st.container(border=True, key=f"{prefix}_crisis"):
        st.markdown(f'<span id="{prefix}-crisis" class="wp-fix"></span>', unsafe_allow_html=True)
        st.error(_("This needs a response now, before anything else. The client will also appear on the "
                   "supervisor's needs-attention list once saved."), icon=":material/emergency:")
        for line in help_now:
            r = line.resource
            # TRANSLATORS: {name} is a line's name (911), {ways} how to reach it ("call **911**, text **911**").
            st.markdown(_("**For help now: {name}**, {ways}. It is the one that can send police, fire or an "
                          "ambulance; the support lines below cannot.").format(
                name=r.name, ways=", ".join(ways_to_reach(r))))
        for p in prompts:
            st.markdown(f"**{p.heading}.** {p.say}")  # the content's own words (content files, not the catalog)
            lines = [f"- {line.resource.name}: {', '.join(ways_to_reach(line.resource))} ({line.resource.hours}). "
                     f"*{line.role_words.capitalize()}.*" for line in p.lines if line.role != SENDS_HELP]
            if lines:
                st.markdown("\n".join(lines))
        script = ui.page("scripts")
        if script is not None:
            st.page_link(script, label=_("Open the crisis script (same numbers, more words to use)"),
                         icon=":material/record_voice_over:", query_params={"script": "crisis"})


def _not_chosen(prefix: str, field: str, fixed_client: str | None) -> bool:
    """Whether a field with a problem is simply still empty: read from the form, not from the message's words,
    which are in the reader's language."""
    if field not in CHOICES or (field == "client" and fixed_client is not None):
        return False
    return not st.session_state.get(_k(prefix, CHOICES[field]))


def _summary(prefix: str, errors: dict[str, str], fixed_client: str | None = None) -> None:
    """Every problem by the Save button, each named by its field's label on screen and linking to it; the full
    message is beside the field (said once on the page). A problem with no field (the database, someone else's
    correction) is said here in full, and only here."""
    for field in errors:
        if field not in FIELD_NAMES:
            ui.field_error(errors, field)
    linked = [f for f in FIELD_NAMES if f in errors]
    if not linked:
        return
    # TRANSLATORS: one line of the list of problems by Save; [{field}](#{anchor}) is a link to the field.
    lines = ["- " + (_("[{field}](#{anchor}): not chosen yet") if _not_chosen(prefix, f, fixed_client)
                     else _("[{field}](#{anchor}): needs a change, see the message there")
                     ).format(field=_(FIELD_NAMES[f]), anchor=_anchor(prefix, f))
             for f in linked]
    n = len(lines)
    st.error(ngettext("Nothing was saved yet: {n} thing to fix (each link takes you there).",
                      "Nothing was saved yet: {n} things to fix (each link takes you there).", n
                      ).format(n=i18n.number(n)) + "\n\n" + "\n".join(lines), icon=":material/error:")


def _due_caption(prefix: str, now: datetime) -> str:
    concern = st.session_state.get(_k(prefix, "concern"))
    if concern not in NEXT_DUE_DAYS:
        return _("From the level of concern: 1 day for immediate danger, 3 for high, 7 for moderate, 14 for low.")
    days = NEXT_DUE_DAYS[concern]
    day = st.session_state.get(_k(prefix, "date")) or now.date()
    due = day + timedelta(days=days)
    # TRANSLATORS: {level}: a level of concern in lower case ("high"); {weekday}: short ("Wed"); {date}: "2 Dec 2026".
    return ngettext("From the level of concern ({level}): in {n} day, on {weekday} {date}.",
                    "From the level of concern ({level}): in {n} days, on {weekday} {date}.", days).format(
        level=_(CONCERN_LABELS[concern]).lower(), n=i18n.number(days), weekday=tz.weekday(due),
        date=tz.show_date(due))


def _later_than_suggested(prefix: str, content, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """A chosen next date further off than the level of concern suggests, when the concern is high or there is
    danger now: said beside the date, not refused (the advocate may know better, e.g. a planned call tomorrow
    with someone else), so a far-off date is never set by a slip."""
    concern = st.session_state.get(_k(prefix, "concern"))
    urgent = concern in ("high", "immediate") or bool(_urgent_ticks(prefix, content))
    chosen = st.session_state.get(_k(prefix, "due_date"))
    if not urgent or chosen is None:
        return ""
    suggested = NEXT_DUE_DAYS.get(concern or "high", NEXT_DUE_DAYS["high"])
    if concern != "immediate" and _urgent_ticks(prefix, content):
        suggested = NEXT_DUE_DAYS["immediate"]
    day = st.session_state.get(_k(prefix, "date")) or now.date()
    gap = (chosen - day).days
    if gap <= suggested:
        return ""
    # TRANSLATORS: {why} is "high concern", "immediate danger concern" or "an item that needs a response now".
    suggest = ngettext("With {why}, the next check-in is suggested within {n} day.",
                       "With {why}, the next check-in is suggested within {n} days.", suggested)
    if concern == "high":
        why = _("high concern")
    elif concern == "immediate":
        why = _("immediate danger concern")
    else:
        why = _("an item that needs a response now")
    chosen_gap = ngettext("The date chosen is {n} day after this contact: check it is the date you mean.",
                          "The date chosen is {n} days after this contact: check it is the date you mean.", gap)
    return (suggest.format(why=why, n=i18n.number(suggested)) + " "
            + chosen_gap.format(n=i18n.number(gap)))


def _urgent_ticks(prefix: str, content) -> list[str]:  # type: ignore[no-untyped-def]
    """Ticked items that need a response now."""
    return [c for c in _ticked(prefix, content) if content.checklist.item(c).immediate]


def render(prefix: str, *, client_codes: list[str], check_in_id: int | None = None,
           fixed_client: str | None = None, on_saved: Callable[[CheckInView], None],
           save_label: str | None = None, confirmation: Callable[[], bool] | None = None) -> None:
    """The form. `save_label` is the Save button's words, already translated ("Save check-in" when not given).
    `confirmation`, when given, draws what the last save did in the Save bar, where the person is, and returns
    whether it drew anything (it stays until the next Save, Dismiss, or another page)."""
    ctx = ui.app_context()
    content = ctx.content
    errors: dict[str, str] = st.session_state.get(_k(prefix, "errors"), {})
    now = tz.now_local()
    st.session_state.setdefault(_k(prefix, "date"), now.date())
    st.session_state.setdefault(_k(prefix, "time"), now.time())
    st.session_state.setdefault(_k(prefix, "due_choice"), "default")
    _style(prefix)
    with st.container(key=f"{prefix}_form"):
        _fields(prefix, content, errors, now, client_codes=client_codes, fixed_client=fixed_client,
                new=check_in_id is None)
        with st.container(key=f"{prefix}_savebar"):
            _summary(prefix, errors, fixed_client)
            drawn = confirmation() if confirmation is not None else False
            c1, c2 = st.columns([3, 1], vertical_alignment="center")
            c1.button(save_label or _("Save check-in"), type="primary", key=_k(prefix, "save"), on_click=_save,
                      args=(prefix, fixed_client, check_in_id, on_saved))
            if drawn:
                c2.button(_("Dismiss"), key=_k(prefix, "dismiss_saved"), on_click=_dismiss, args=(prefix,),
                          help=_("Hide the message about the last save."))


def _fields(prefix: str, content, errors: dict[str, str], now: datetime, *,  # type: ignore[no-untyped-def]
            client_codes: list[str], fixed_client: str | None, new: bool) -> None:
    _mark(prefix, errors, "client")
    if fixed_client is None:
        c0, c1 = st.columns([3, 2], vertical_alignment="bottom")
        c0.selectbox(_("Client code"), client_codes, key=_k(prefix, "client"), **_unset(_k(prefix, "client")),
                     placeholder=_("Type part of the code"), help=_("Only your own open clients are listed."))
        if new:
            c1.button(_("Start from this client's last check-in"), key=_k(prefix, "copy_last"),
                      icon=":material/history:", on_click=_start_from_last, args=(prefix,),
                      help=_("Copies what was ticked, how you were in contact, contact with the person causing harm "
                             "and the level of concern. Not the note, the date, safety planning or referrals. "
                             "Change anything that is different today."))
        copied = st.session_state.get(_k(prefix, "copied"))
        if copied:
            code, day = copied
            chosen = st.session_state.get(_k(prefix, "client"))
            if day is None:
                st.caption(_("{code} has no check-in yet to start from: fill the form as it is today.").format(
                    code=code))
            elif code != chosen:
                # TRANSLATORS: {day} is a date ("2 Dec 2026"), {code} a client's code.
                st.warning(_("The ticks and choices below were copied from the check-in of {day} of {code}, not of "
                             "the client now chosen. Check each one.").format(day=day, code=code),
                           icon=":material/warning:")
            else:
                st.info(_("Copied from the check-in of {day}: what was ticked, how you were in contact, contact "
                          "with the person causing harm and the level of concern. Each is still your choice: change "
                          "anything that is different today. Note, date and referrals start empty.").format(day=day),
                        icon=":material/content_copy:")
    ui.field_error(errors, "client")

    _mark(prefix, errors, "occurred_at", "contact_mode")
    # How they were in contact is one click on a row of buttons (a list took two: open it, pick).
    c1, c2, c3 = st.columns([1, 1, 2.6])
    c1.date_input(_("Date"), key=_k(prefix, "date"), max_value=now.date(), format=tz.INPUT_DATE_FORMAT)
    c2.time_input(_("Time"), key=_k(prefix, "time"), step=timedelta(minutes=5))
    c3.segmented_control(_("How you were in contact"), CONTACT_MODES, key=_k(prefix, "mode"),
                         format_func=lambda c: _(CONTACT_LABELS[c]), selection_mode="single")
    ui.field_error(errors, "occurred_at")
    ui.field_error(errors, "contact_mode")
    _mark(prefix, errors, "conversation_language", "interpreter")
    c4, c5 = st.columns([2, 2.6], vertical_alignment="bottom")
    c4.selectbox(_("Language of the conversation"), i18n.conversation_languages(), key=_k(prefix, "lang"),
                 **_unset(_k(prefix, "lang")), format_func=i18n.conversation_name, placeholder=_("Not recorded"),
                 help=_("Optional. The language you and the client spoke in, for the agency's language-access "
                        "figures; nothing else about the client."))
    c5.segmented_control(_("Interpreter"), ["yes", "no"], key=_k(prefix, "interp"), selection_mode="single",
                         format_func=lambda c: _(INTERPRETER_LABELS[c]),
                         help=_("Optional. Whether an interpreter was used in this contact."))
    ui.field_error(errors, "conversation_language")
    ui.field_error(errors, "interpreter")

    # One level under what is above: the page title when recording, the correction heading when correcting.
    _mark(prefix, errors, "items")
    st.markdown(("##### " if prefix == "tl" else "## ") + _("What you observed"))
    # A correction shows the checklist the check-in was recorded on: items added since were not asked then.
    recorded_on = st.session_state.get(_k(prefix, "checklist"))
    if recorded_on is not None and recorded_on < content.checklist.version:
        st.caption(_("This check-in was recorded on an earlier checklist; items added since then are not "
                     "shown, so it keeps its meaning. Record anything newer in a new check-in."))
    show_help = st.toggle(_("Show guidance under each item"), key=_k(prefix, "guidance"))
    for section in content.checklist.checkin_sections():
        items = [i for i in section.items if recorded_on is None or i.added_in <= recorded_on]
        if not items:
            continue
        st.markdown(f"**{section.title}**")
        # Two columns: a long label wraps onto a second line (every word still shown, never cut with "…"), and
        # the list is half as tall, so a whole section fits in the window at 1280x720.
        cols = st.columns(2, gap="medium")
        half = (len(items) + 1) // 2  # down the first column, then the second: the checklist's order reads on
        for n, item in enumerate(items):
            with cols[0 if n < half else 1]:
                label = item.label + ("  :red[" + _("(needs a response now)") + "]" if item.immediate else "")
                st.checkbox(label, key=item_key(prefix, item.code), help=item.guidance)
                if show_help and item.guidance:
                    st.caption(item.guidance)
        # Said where the tick is: the crisis panel itself is further down, by the level of concern.
        if any(st.session_state.get(item_key(prefix, i.code)) and i.immediate for i in items):
            # TRANSLATORS: [see what to do](#{anchor}) is a link to the crisis panel; keep the brackets and (#{anchor}).
            st.warning(_("This needs a response now: [see what to do](#{anchor}), under Level of concern.").format(
                anchor=f"{prefix}-crisis"), icon=":material/emergency:")
    ui.field_error(errors, "items")

    _mark(prefix, errors, "harm_contact")
    st.radio(_("Contact with the person causing harm"), HARM_CONTACT, key=_k(prefix, "harm"),
             **_unset(_k(prefix, "harm")), format_func=lambda c: _(HARM_LABELS[c]), horizontal=True)
    ui.field_error(errors, "harm_contact")
    _mark(prefix, errors, "concern")
    st.radio(_("Level of concern"), CONCERN_LEVELS, key=_k(prefix, "concern"), **_unset(_k(prefix, "concern")),
             format_func=lambda c: _(CONCERN_LABELS[c]), horizontal=True,
             help=_("Your own judgement today. Waypoint does not score or rate risk."))
    ui.field_error(errors, "concern")
    _crisis_panel(prefix, content)

    st.checkbox(_("Safety planning done in this contact"), key=_k(prefix, "safety"))
    names = {r.code: r.name for r in content.resources}
    _mark(prefix, errors, "referrals")
    # Every line in view as a button, one click each; no "Select all" (one click would record every line as
    # offered). Names are whole and wrap onto more rows; the ones taken up are chosen among those offered.
    st.pills(_("Referrals offered"), list(names), key=_k(prefix, "offered"), format_func=names.get,
             selection_mode="multi")
    offered = st.session_state.get(_k(prefix, "offered")) or []
    if offered:
        st.pills(_("Referrals the client took up"), offered, key=_k(prefix, "accepted"), format_func=names.get,
                 selection_mode="multi", help=_("Only referrals offered can be taken up."))
    else:  # a disabled control would be unreadable (greyed below contrast minimums) and says nothing useful
        st.caption(_("Offer a referral first; then choose here which ones the client took up."))
    ui.field_error(errors, "referrals")

    _mark(prefix, errors, "note")
    st.text_area(_("Note (optional)"), key=_k(prefix, "note"), max_chars=4000, height=100,
                 help=_("No names, contact details, addresses, birth dates or ID numbers: notes are checked "
                        "before saving."))
    findings = st.session_state.get(_k(prefix, "findings")) or []
    if findings:
        st.error(errors["note"] if "note" in errors else _("The note needs a change."), icon=":material/error:")
        reasons = "".join(f"<li>“{html.escape(f.text)}”: {html.escape(f.reason)}</li>" for f in findings)
        # TRANSLATORS: HTML: keep <strong> and </strong>.
        found = _("<strong>What was found</strong> (highlighted):")
        st.html(f"<p>{found}</p>"
                f"<div style='border:1px solid #d33;padding:.5rem;border-radius:.4rem'>"
                f"{highlight(st.session_state.get(_k(prefix, 'note')) or '', findings)}</div><ul>{reasons}</ul>")
        words = _name_words(findings)
        if words:
            st.caption(_("If a highlighted word is not a person's name (a word such as “Hope”, a place, a "
                         "programme), tick it and save again. This applies to this note only and is recorded, "
                         "without the word."))
            for word in words:
                st.checkbox(_("“{word}” is not a person's name").format(word=word), key=not_name_key(prefix, word))
    else:
        ui.field_error(errors, "note")
    confirmed = sorted(st.session_state.get(_k(prefix, "not_names")) or ())
    if confirmed:
        st.caption(_("Marked as not a person's name in this note: {words}").format(
            words=", ".join(f"“{w}”" for w in confirmed)))

    # Stable labels: a label that changed with the level of concern made Streamlit treat the radio as a new widget,
    # which then showed neither option chosen. The date it works out to is in the caption beside it.
    _mark(prefix, errors, "next_due_at")
    c8, c9 = st.columns([1, 1], vertical_alignment="center")
    choice = c8.radio(_("Next check-in due"), ["default", "date"], key=_k(prefix, "due_choice"), horizontal=True,
                      format_func=lambda c: _(DUE_LABELS[c]))
    if choice == "date":
        concern = st.session_state.get(_k(prefix, "concern"))
        st.session_state.setdefault(_k(prefix, "due_date"),
                                    now.date() + timedelta(days=NEXT_DUE_DAYS.get(concern or "moderate", 7)))
        c9.date_input(_("Next check-in date"), key=_k(prefix, "due_date"),
                      min_value=now.date() - timedelta(days=366), format=tz.INPUT_DATE_FORMAT)
        late = _later_than_suggested(prefix, content, now)
        if late:
            st.warning(late, icon=":material/schedule:")
    else:
        c9.caption(_due_caption(prefix, now))
    ui.field_error(errors, "next_due_at")  # a problem with no field ("form", "version") is said by Save: _summary
