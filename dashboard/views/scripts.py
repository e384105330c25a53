"""Referral scripts: words to read aloud with the numbers filled in from the packs, and one step to record that
the referral was offered on the client's current check-in."""

from __future__ import annotations

import re

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.rules.permissions import Permission, PermissionDenied, can
from models.services import client_language
from models.services.caseload import caseload
from models.services.checkins import EditConflict
from models.services.referrals import current_check_in, mark_referrals_offered
from models.services.scripts import RenderedScript, list_scripts, render_script

PICK = "sc_script"
CLIENT = "sc_client"
_NUMBER_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")


def _unbroken(text: str) -> str:
    """Non-breaking hyphens inside numbers, so a number read aloud never splits across two lines.
    (The copy boxes beside the script hold the plain numbers.)"""
    return _NUMBER_HYPHEN.sub("\u2011", text)


def _offer_key(code: str) -> str:
    return f"sc_offer_{code}"


def _numbers(rendered: RenderedScript) -> None:
    """The lines the script names, each number in a box with a copy icon."""
    for r in rendered.resources:
        ways = []
        if r.phone:
            ways.append((_("Call"), r.phone.number))
        if r.text:
            ways.append((_("Text"), _("Text {keyword} to {number}").format(keyword=r.text.keyword,
                                                                           number=r.text.number)
                         if r.text.keyword else _("Text {number}").format(number=r.text.number)))
        if not ways and (r.chat or r.web):
            # TRANSLATORS: a service reached on the web (its address follows).
            ways.append((_("Online"), r.chat or r.web or ""))
        st.markdown(f"**{r.name}**  \n{r.hours}")
        for label, value in ways:
            left, right = st.columns([1, 4], vertical_alignment="center")
            left.caption(label)
            right.code(value, language=None)


@ui.saves
def _mark(script_code: str, client_code: str, check_in_id: int, version: int, choices: list[str]) -> None:
    """Callback: save before the page is drawn again, so the result shows next to the button."""
    ctx = ui.app_context()
    chosen = [c for c in choices if st.session_state.get(_offer_key(c))]
    st.session_state.pop("sc_errors", None)
    try:
        view = mark_referrals_offered(ctx.db, ui.actor(), ctx.content, client_code, chosen,
                                      check_in_id=check_in_id, expected_version=version)
    except EditConflict as exc:
        st.session_state["sc_errors"] = exc.errors
        return
    except ValidationFailed as exc:
        st.session_state["sc_errors"] = exc.errors
        return
    except PermissionDenied as exc:
        st.session_state["sc_errors"] = {"check_in": str(exc)}
        return
    names = {r.code: r.name for r in ctx.content.resources}
    for c in choices:
        st.session_state[_offer_key(c)] = False
    # TRANSLATORS: {code} is a client's code, {date} their check-in's date and time, {referrals} the services.
    st.session_state["sc_flash"] = _("Recorded on {code}'s check-in of {date}: {referrals} offered.").format(
        code=client_code, date=tz.show(view.occurred_at), referrals="; ".join(names.get(c, c) for c in chosen))


def _record(ctx: ui.AppContext, actor, rendered: RenderedScript) -> None:  # type: ignore[no-untyped-def]
    st.markdown(_("### Record the referral"))
    codes = sorted(r.code for r in caseload(ctx.db, actor))
    wanted = st.query_params.get("code")
    if wanted in codes and CLIENT not in st.session_state:
        st.session_state[CLIENT] = wanted
    if not codes:
        st.caption(_("You have no open clients to record a referral for."))
        return
    code = st.selectbox(_("Client"), codes, key=CLIENT, placeholder=_("Choose one of your clients"),
                        **({} if CLIENT in st.session_state else {"index": None}))
    if not code:
        st.caption(_("Choose the client you are talking with to mark referrals on their current check-in."))
        return
    errors = st.session_state.get("sc_errors", {})
    try:
        current = current_check_in(ctx.db, actor, code)
    except PermissionDenied as exc:
        st.error(str(exc))
        return
    if current is None:
        st.info(_("This client has no check-in yet. Record the check-in for this contact first; then come back "
                  "to mark the referral, or tick it on the check-in form."))
        target = ui.page("check_in")
        if target is not None:
            st.page_link(target, label=_("Record a check-in for this client"), icon=":material/edit_note:",
                         query_params={"code": code})
        return
    st.markdown(_("Current check-in: **{date}**. If this conversation is a new contact, record a new check-in "
                  "first.").format(date=tz.show(current.occurred_at)))
    choices = [r.code for r in rendered.offerable]
    for r in rendered.offerable:
        if r.code in current.referrals_offered:
            st.checkbox(_("{name} (already offered)").format(name=r.name), value=True, disabled=True,
                        key=f"sc_done_{r.code}")
        else:
            st.checkbox(r.name, key=_offer_key(r.code))
    ui.field_error(errors, "referrals")
    open_choices = [c for c in choices if c not in current.referrals_offered]
    st.button(_("Mark as offered on this check-in"), key="sc_mark", type="primary", disabled=not open_choices,
              on_click=_mark, args=(rendered.code, code, current.id, current.version, open_choices))
    ui.field_error(errors, "check_in")
    ui.field_error(errors, "version")
    flash = st.session_state.pop("sc_flash", None)
    if flash:
        st.success(flash, icon=":material/check:")


def _aloud_language(ctx: ui.AppContext, actor) -> str:  # type: ignore[no-untyped-def]
    """The language the script is read in: the preferred language of the client named in the link (or chosen
    below) when it is recorded, else the advocate's; the advocate can change it."""
    offered = i18n.languages()
    if len(offered) < 2:
        return i18n.current()
    client = st.session_state.get(CLIENT) or st.query_params.get("code")
    if st.session_state.get("sc_lang_for") != client:  # another client: start from their language
        preferred = None
        if client:
            try:
                preferred = client_language.preferred_language(ctx.db, actor, client)
            except PermissionDenied:
                preferred = None
        st.session_state["sc_lang"] = preferred or i18n.current()
        st.session_state["sc_lang_for"] = client
    chosen = st.segmented_control(_("Read it in"), [lang.code for lang in offered], key="sc_lang",
                                  format_func=lambda c: i18n.language(c).name, selection_mode="single",
                                  help=_("The client's preferred language when it is recorded; the numbers and "
                                         "their hours follow it."))
    return chosen or i18n.current()


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title(_("Referral scripts"))
    scripts = list_scripts(ctx.content, actor)
    codes = [s.code for s in scripts]
    titles = {s.code: s.title for s in scripts}
    wanted = st.query_params.get("script")
    if PICK not in st.session_state:
        st.session_state[PICK] = wanted if wanted in codes else codes[0]
    code = st.pills(_("Situation"), codes, key=PICK, format_func=titles.get, required=True)
    aloud = _aloud_language(ctx, actor)
    rendered = render_script(ctx.content, actor, code or codes[0])  # for the advocate: when, notes, recording
    with i18n.using(aloud):  # what is read to the client, in the client's language
        spoken = render_script(ctx.content, actor, code or codes[0])
    st.caption(_("When to use it: {when}").format(when=rendered.when))
    left, right = st.columns([3, 2], gap="large")
    with left:
        with st.container(border=True, key="sc_say"):
            st.markdown(_("**What you can say**"))
            st.markdown(_unbroken(spoken.say))
        if rendered.notes:
            with st.expander(_("Notes for you (not to read aloud)"), expanded=True):
                st.markdown(_unbroken(rendered.notes))
    with right:
        st.markdown(_("## Numbers in this script"))
        with i18n.using(aloud):
            _numbers(spoken)
        if can(actor, Permission.WRITE_OWN_CLIENTS):
            with st.container(border=True, key="sc_record"):
                _record(ctx, actor, rendered)
    st.caption(_("The words are Waypoint's own; put them in your voice. Every number comes from the resource "
                 "packs, so a change there shows here at once."))


render()
