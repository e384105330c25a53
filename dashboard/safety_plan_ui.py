"""The safety plan on a client's page: steps ticked by stage with the date each changed, the plan's history,
and something for the client to take away: after asking whether paper is safe for them, the discreet handout, a
version to memorise on screen, or a plain card with one number.

Ticks are held in a form and saved together, so nothing is half-saved; a refusal keeps the ticks as they are.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import _, ngettext
from models.rules.permissions import Permission, PermissionDenied, can
from models.services import client_language
from models.services.clients import ClientView
from models.services.handout import (
    CARD_FILE_NAME,
    CARD_NAME_MAX,
    FILE_NAME,
    MAX_PRINTED_NUMBERS,
    MEMORISE_MAX_NUMBERS,
    MEMORISE_MAX_STEPS,
    PAPER_CHOICES,
    PAPER_LABELS,
    build_handout,
    build_reminder_card,
    card_name_problem,
    card_numbers,
    memory_version,
    printable_numbers,
    printed_steps,
    suggested_numbers,
    unprinted_steps,
)
from models.services.safety_plans import SafetyPlanView, safety_plan, update_safety_plan


def _key(code: str, step: str) -> str:
    return f"sp_{code}_{step}"


def _synced_key(code: str) -> str:
    return f"sp_{code}__synced"


def _sync(code: str, plan: SafetyPlanView) -> None:
    """Put the stored plan into the tick boxes when it changed since they were last filled (a keyed widget
    ignores value=); ticks not yet saved are kept otherwise."""
    current = {s.code: s.in_place for stage in plan.stages for s in stage.steps}
    if st.session_state.get(_synced_key(code)) != current:
        for step, value in current.items():
            st.session_state[_key(code, step)] = value
        st.session_state[_synced_key(code)] = current


@ui.saves
def _save(code: str) -> None:
    """Form callback: send only the ticks the advocate changed, then show the stored plan."""
    ctx = ui.app_context()
    synced: dict[str, bool] = st.session_state.get(_synced_key(code), {})
    changes = {step: bool(st.session_state.get(_key(code, step))) for step in synced
               if bool(st.session_state.get(_key(code, step))) != synced[step]}
    st.session_state.pop("sp_errors", None)
    if not changes:
        st.session_state["sp_flash"] = _("Nothing changed in the plan.")
        return
    try:
        plan = update_safety_plan(ctx.db, ui.actor(), ctx.content, code, changes)
    except ValidationFailed as exc:
        st.session_state["sp_errors"] = exc.errors
        return
    except PermissionDenied as exc:
        st.session_state["sp_errors"] = {"steps": str(exc)}
        return
    _sync(code, plan)
    on = sum(1 for v in changes.values() if v)
    off = len(changes) - on
    changed = ([ngettext("{n} step now in place", "{n} steps now in place", on).format(n=i18n.number(on))]
               if on else []) + ([ngettext("{n} no longer in place", "{n} no longer in place", off).format(
                   n=i18n.number(off))] if off else [])
    # TRANSLATORS: {changes} is "2 steps now in place" and/or "1 no longer in place", joined by a comma.
    st.session_state["sp_flash"] = _("Safety plan saved: {changes}.").format(changes=", ".join(changed))


def _since(step) -> str:  # type: ignore[no-untyped-def]
    if step.changed_at is None:
        return ""
    day = tz.show(step.changed_at, with_time=False)
    if step.changed_by:  # a name may hold brackets: none nested
        text = _("In place since {date} by {name}") if step.in_place else _("Not in place since {date} by {name}")
        return text.format(date=day, name=ui.plain(step.changed_by))
    return (_("In place since {date}") if step.in_place else _("Not in place since {date}")).format(date=day)


def _steps(code: str, plan: SafetyPlanView, writable: bool) -> None:
    errors = st.session_state.get("sp_errors", {})
    tabs = st.tabs([f"{s.title} ({s.in_place}/{len(s.steps)})" for s in plan.stages], key=f"sp_tabs_{code}")
    guidance = ui.app_context().content.guidance
    for tab, stage in zip(tabs, plan.stages, strict=True):
        with tab:
            for step in stage.steps:
                detail = guidance.step(step.code).detail if guidance else None
                if writable:
                    st.checkbox(step.label, key=_key(code, step.code), help=detail)
                else:
                    st.markdown(("✓ " if step.in_place else "○ ") + step.label)
                since = _since(step)
                if since:
                    st.caption(since)
    ui.field_error(errors, "steps")


def _history(plan: SafetyPlanView) -> None:
    if not plan.history:
        st.caption(_("No step has been ticked yet."))
        return
    # A static table, whose cells wrap: the step, its stage and who changed it read in full at 1280 px. In a box of
    # its own height once long, so the handout below stays in reach. Names are typed by people: plain text.
    frame = pd.DataFrame([{_("When"): tz.show(h.changed_at), _("Step"): ui.plain(h.label),
                           _("Stage"): ui.plain(h.stage_title),
                           _("Change"): _("in place") if h.in_place else _("taken off"),
                           _("By"): ui.plain(h.changed_by)}
                          for h in plan.history])
    with st.container(height=320 if len(frame) > 6 else "content", key=f"sp_history_{plan.client_code}"):
        st.table(frame, hide_index=True)


def _recognisable_note(resources, what: str) -> None:  # type: ignore[no-untyped-def]
    """Say plainly which chosen lines have numbers people recognise, and why they stay off paper by default.
    `what`: "handout" or "card"."""
    known = [r for r in resources if r.recognisable]
    if known:
        n = len(known)
        if what == "card":
            text = ngettext(
                "Left off the card unless you confirm below: {names}. Many people recognise this number as a help "
                "line from posters, adverts or the news, so someone who finds the paper could tell what it is for, "
                "even under a plain name. Go through it together to remember instead, or choose a local number.",
                "Left off the card unless you confirm below: {names}. Many people recognise these numbers as a help "
                "line from posters, adverts or the news, so someone who finds the paper could tell what it is for, "
                "even under a plain name. Go through it together to remember instead, or choose a local number.", n)
        else:
            text = ngettext(
                "Left off the handout unless you confirm below: {names}. Many people recognise this number as a "
                "help line from posters, adverts or the news, so someone who finds the paper could tell what it is "
                "for, even under a plain name. Go through it together to remember instead, or choose a local number.",
                "Left off the handout unless you confirm below: {names}. Many people recognise these numbers as a "
                "help line from posters, adverts or the news, so someone who finds the paper could tell what it is "
                "for, even under a plain name. Go through it together to remember instead, or choose a local number.",
                n)
        st.warning(text.format(names=", ".join(r.name for r in known)), icon=":material/visibility:")


def _handout(ctx: ui.AppContext, actor, client: ClientView, plan: SafetyPlanView) -> None:  # type: ignore[no-untyped-def]
    st.markdown("#### " + _("Handout for the client"))
    st.caption(_("Ask the client before giving them anything on paper. A page can be found in a bag, a pocket, a "
                 "car or the bin, and even a plain one can raise questions. If they are not sure, choose the version "
                 "to memorise."))
    # The choices' words are models.services.handout's (PAPER_LABELS): translated there once marked for the catalog.
    paper = st.radio(_("Is it safe for the client to take paper home?"), PAPER_CHOICES, index=None,
                     key=f"sp_paper_{client.code}", format_func=lambda c: _(PAPER_LABELS[c]))
    words = _client_language(ctx, actor, client)
    if paper is None:
        st.caption(_("Nothing is printed until you and the client have answered."))
        return
    key = f"sp_numbers_{client.code}"
    # Only lines with a number: a web-only resource has nothing to print or learn, and would be dropped unseen.
    names = {r.code: r.name for r in printable_numbers(ctx.content.resources)}
    suggested_key = f"sp_suggested_{client.code}"
    if suggested_key not in st.session_state:  # asked once per session, like the numbers chosen from it
        st.session_state[suggested_key] = suggested_numbers(ctx.db, actor, ctx.content, client.code)
    suggested = list(st.session_state[suggested_key])
    if paper == "card":
        _card(ctx, actor, client, first=suggested, words=words)
        return
    if key not in st.session_state:  # a short start: the suggested lines a stranger would not recognise
        known = {r.code for r in ctx.content.resources if r.recognisable}
        st.session_state[key] = [c for c in suggested if c not in known and c in names][:MAX_PRINTED_NUMBERS]
    chosen = st.multiselect(_("Numbers to include"), list(names), key=key, format_func=names.get,
                            help=_("At most {printed} on the handout, and {learned} to learn.").format(
                                printed=i18n.number(MAX_PRINTED_NUMBERS), learned=i18n.number(MEMORISE_MAX_NUMBERS)))
    picked = [r for r in ctx.content.resources if r.code in set(chosen)]
    if paper == "memorise":
        _memorise(ctx, plan, picked, words)
        return
    # TRANSLATORS: “Things to remember” is the handout's own title, as the client reads it.
    st.caption(_("A plain page titled “Things to remember”: one short list of the steps in place that can safely go "
                 "on paper, and the numbers chosen above. It shows no agency, no client code, no web address, no "
                 "opening hours and, unless you ask, plain names for the services, so someone who finds it cannot "
                 "tell what it is for. Open the file and print it from the browser."))
    too_many = len(chosen) > MAX_PRINTED_NUMBERS
    if too_many:
        st.error(ngettext("Choose at most {most} numbers for the handout ({n} is chosen): a long list of lines looks "
                          "like what it is. Go through the others together instead.",
                          "Choose at most {most} numbers for the handout ({n} are chosen): a long list of lines "
                          "looks like what it is. Go through the others together instead.", len(chosen)).format(
            most=i18n.number(MAX_PRINTED_NUMBERS), n=i18n.number(len(chosen))), icon=":material/error:")
    _recognisable_note(picked, "handout")
    known = any(r.recognisable for r in picked)
    allow = known and st.checkbox(_("Print the recognisable numbers anyway: the client is sure no one will see the "
                                    "page"), key=f"sp_known_{client.code}")
    # TRANSLATORS: “Number 1”, “Number 2” and “Emergency” are the handout's own words, as the client reads them.
    full = st.toggle(_("Show the services' full names on the handout"), key=f"sp_full_{client.code}",
                     help=_("Off by default: the handout then names the numbers “Number 1”, “Number 2” (911 stays "
                            "“Emergency”) and gives only the number to call; tell the client which is which. Full "
                            "names say what each line is for; turn this on only if the client is sure no one else "
                            "will read the page."))
    in_place = plan.in_place_codes()
    printed = printed_steps(ctx.content, in_place)
    held_back = unprinted_steps(ctx.content, in_place)
    shown = [r for r in picked if allow or not r.recognisable]
    numbers = len(printable_numbers(shown))
    if not too_many:  # with too many chosen, the error above is the one thing to read
        # TRANSLATORS: {steps} is "2 steps", {numbers} is "1 number".
        st.caption(_("The handout will list {steps} and {numbers}.").format(
            steps=ngettext("{n} step", "{n} steps", len(printed)).format(n=i18n.number(len(printed))),
            numbers=ngettext("{n} number", "{n} numbers", numbers).format(n=i18n.number(numbers))))
    if held_back:
        n = len(held_back)
        st.info(ngettext("{n} step in place is not printed because no wording of it is safe on paper: preparing to "
                         "go, the day itself, what to take, devices and routines give the plan away however they are "
                         "put. Go through it together so the client can remember the ones that matter most (the "
                         "version to memorise).",
                         "{n} steps in place are not printed because no wording of them is safe on paper: preparing "
                         "to go, the day itself, what to take, devices and routines give the plan away however they "
                         "are put. Go through them together so the client can remember the ones that matter most "
                         "(the version to memorise).", n).format(n=i18n.number(n)), icon=":material/visibility_off:")
        st.markdown("\n".join(f"- {step.label}" for step in held_back))
    db, code = ctx.db, client.code
    codes = [r.code for r in shown]

    def make() -> str:
        # Built only when "Prepare" is pressed, in a script run, so each download is one audit event; in the
        # client's language, whatever the advocate reads.
        with i18n.using(words):
            return build_handout(db, actor, ctx.content, code, resource_codes=codes, full_names=full,
                                 recognisable_ok=allow).html

    ui.one_time_download(_("Download the handout"), f"sp_download_{client.code}", build=make, file_name=FILE_NAME,
                         mime="text/html", disabled=too_many or not (printed or numbers))


def _client_language(ctx: ui.AppContext, actor, client: ClientView) -> str:  # type: ignore[no-untyped-def]
    """The language of what the client takes away (the handout, the card, the words to memorise): the client's
    preferred one when recorded, else the advocate's; the advocate can change it for this one."""
    offered = i18n.languages()
    if len(offered) < 2:
        return i18n.current()
    key = f"sp_words_{client.code}"
    if key not in st.session_state:
        st.session_state[key] = client_language.preferred_language(ctx.db, actor, client.code) or i18n.current()
    chosen = st.segmented_control(_("Language of what the client takes away"), [lang.code for lang in offered],
                                  key=key, format_func=lambda c: i18n.language(c).name, selection_mode="single",
                                  help=_("Opens in the client's preferred language (set on this page) when it is "
                                         "recorded."))
    return chosen or i18n.current()


def _memorise(ctx: ui.AppContext, plan: SafetyPlanView, picked, words: str) -> None:  # type: ignore[no-untyped-def]
    """Only what the client chose to learn, in the handout's words, on screen only: nothing is saved, printed or
    downloaded. Short on purpose: a few things the client can say back beat a list no one remembers."""
    guidance = ctx.content.guidance
    in_place = plan.in_place_codes()
    labels = {c: guidance.step(c).label for c in in_place} if guidance else {}
    st.caption(_("Choose with the client up to {steps} things to remember and up to {numbers} numbers, the ones "
                 "that matter most today, and ask them to say them back. Nothing here is printed or saved. A number "
                 "saved in their phone under an everyday name helps only if no one checks the phone closely.").format(
        steps=i18n.number(MEMORISE_MAX_STEPS), numbers=i18n.number(MEMORISE_MAX_NUMBERS)))
    steps = st.multiselect(_("Things to remember (steps in place)"), in_place,
                           key=f"sp_memorise_steps_{plan.client_code}", format_func=labels.get,
                           max_selections=MEMORISE_MAX_STEPS,
                           placeholder=_("Choose with the client") if in_place else _("No step is in place yet"))
    try:
        with i18n.using(words):  # the client's words, in the client's language
            chosen = {r.code for r in picked}
            version = memory_version(ctx.content, steps, [r for r in ctx.content.resources if r.code in chosen])
    except ValidationFailed as exc:
        for message in exc.errors.values():
            st.error(message, icon=":material/error:")
        return
    with st.container(border=True, key=f"sp_memorise_{plan.client_code}"), i18n.using(words):
        if not version.numbers and not version.lines:
            st.markdown(_("Nothing is chosen to remember yet. Choose a few steps and numbers above with the client "
                          "(911 needs no learning)."))
            return
        if version.numbers:
            st.markdown(_("**Numbers to learn**") + "  \n"
                        + "  \n".join(f"{name}: {how}" for name, how in version.numbers))
        if version.lines:
            st.markdown(_("**To remember**") + "\n\n" + "\n".join(f"- {line}" for line in version.lines))


def _card(ctx: ui.AppContext, actor, client: ClientView, first: list[str],  # type: ignore[no-untyped-def]
          words: str) -> None:
    """One number and an everyday name, the size of a business card. Nothing else is printed on it. The lines
    suggested for this client (the danger lines, then what was offered at check-ins) come first; none is chosen
    for the advocate."""
    found = {r.code: r for r in card_numbers(ctx.content)}
    lines = {c: found[c] for c in [*(c for c in first if c in found), *found]}
    if not lines:
        st.caption(_("No line in the resource packs has a full number to call, so there is nothing to put on a "
                     "card."))
        return
    st.caption(_("The card holds one number and a name beside it, like a contact someone jotted down: no heading, no "
                 "hours, no web address, nothing that says what the number is for. Choose both with the client. "
                 "A local programme's direct line, or a friend who knows to pass a message on, is often safer than a "
                 "national number. Match the name to the number: a free-phone number (800, 888, 877, 866, 855, 844, "
                 "833) looks like a business's, so a place such as a pharmacy or a garage fits it; a local number "
                 "fits a first name."))
    c1, c2 = st.columns(2)
    number = c1.selectbox(_("Number for the card"), list(lines), index=None, key=f"sp_card_number_{client.code}",
                          placeholder=_("Choose with the client"),
                          format_func=lambda c: f"{lines[c].name} ({lines[c].phone.number})")  # type: ignore[union-attr]
    with c2:
        name = st.text_input(_("Name to write beside it"), key=f"sp_card_name_{client.code}",
                             max_chars=CARD_NAME_MAX, placeholder=_("e.g. a first name, or Pharmacy"))
        problem = card_name_problem(name) if name else None
        if name and problem is None and words != i18n.current():
            with i18n.using(words):  # the card's words are checked in its own language too
                flagged = card_name_problem(name) is not None
            if flagged:
                problem = _("This name would tell someone who finds the card what it is for, in {language}. Write "
                            "it like an everyday contact: a first name, or a shop.").format(
                    language=i18n.language(words).name)
        if problem:  # right under the field; what was typed stays for the advocate to change
            st.error(problem, icon=":material/error:")
    known = number is not None and lines[number].recognisable
    allow = False
    if known:
        _recognisable_note([lines[number]], "card")
        allow = st.checkbox(_("Put this number on the card anyway: the client is sure no one will see it"),
                            key=f"sp_card_known_{client.code}")
    db, code = ctx.db, client.code

    def make() -> str:
        # Like the handout: built when "Prepare" is pressed, in a script run, so each card is one audit event.
        with i18n.using(words):
            return build_reminder_card(db, actor, ctx.content, code, resource_code=number,  # type: ignore[arg-type]
                                       name=name, recognisable_ok=allow).html

    if number is None and not name:  # say why the download waits, rather than only greying it out
        st.caption(_("Choose a number and a name to write beside it with the client to make the card."))
    elif number is None:
        st.caption(_("Choose a number with the client to make the card."))
    elif not name:
        st.caption(_("Choose a name to write beside it with the client to make the card."))
    ui.one_time_download(_("Download the card"), f"sp_card_download_{client.code}", build=make,
                         file_name=CARD_FILE_NAME, mime="text/html",
                         disabled=bool(problem or not name or number is None or (known and not allow)))


def render(ctx: ui.AppContext, actor, client: ClientView) -> None:  # type: ignore[no-untyped-def]
    """The plan, its history and the handout for one client, shown when the advocate opens it."""
    try:
        plan = safety_plan(ctx.db, actor, ctx.content, client.code)
    except PermissionDenied:
        return
    steps = sum(len(s.steps) for s in plan.stages)
    done = len(plan.in_place_codes())
    writable = (can(actor, Permission.WRITE_OWN_CLIENTS) and client.advocate_id == actor.user_id
                and client.status == "open")
    # A bordered section with a toggle rather than an expander: the check-in cards below are the page's expanders.
    with st.container(border=True, key=f"sp_section_{client.code}"):
        st.markdown("### :material/checklist: " + ngettext("Safety plan · {done} of {n} step in place",
                                                            "Safety plan · {done} of {n} steps in place", steps
                                                            ).format(done=i18n.number(done), n=i18n.number(steps)))
        if not st.toggle(_("Show the plan, its history and the handout"), key=f"sp_open_{client.code}"):
            return
        flash = st.session_state.pop("sp_flash", None)
        if flash:
            st.success(flash, icon=":material/check:")
        if writable:
            _sync(client.code, plan)
            with st.form(f"sp_form_{client.code}", border=False):
                _steps(client.code, plan, writable)
                st.form_submit_button(_("Save safety plan"), type="primary", on_click=_save, args=(client.code,))
        else:
            _steps(client.code, plan, writable)
        guide = ui.page("guidance")
        scripts = ui.page("scripts")
        links = st.columns(2)
        if guide is not None:
            links[0].page_link(guide, label=_("Read the leaving guidance"), icon=":material/route:")
        if scripts is not None and writable:
            links[1].page_link(scripts, label=_("Referral scripts for this client"),
                               icon=":material/record_voice_over:", query_params={"code": client.code})
        st.markdown("#### " + _("Changes to the plan"))
        _history(plan)
        _handout(ctx, actor, client, plan)
