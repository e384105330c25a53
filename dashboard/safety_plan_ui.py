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
from models.base.errors import ValidationFailed
from models.rules.permissions import Permission, PermissionDenied, can
from models.services.clients import ClientView
from models.services.handout import (
    CARD_FILE_NAME,
    CARD_NAME_MAX,
    FILE_NAME,
    PAPER_CHOICES,
    PAPER_LABELS,
    build_handout,
    build_reminder_card,
    card_name_problem,
    card_numbers,
    memory_version,
    suggested_numbers,
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
        st.session_state["sp_flash"] = "Nothing changed in the plan."
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
    st.session_state["sp_flash"] = "Safety plan saved: " + ", ".join(
        p for p in (f"{on} step{'s' if on != 1 else ''} now in place" if on else "",
                    f"{off} no longer in place" if off else "") if p) + "."


def _since(step) -> str:  # type: ignore[no-untyped-def]
    if step.changed_at is None:
        return ""
    state = "In place since" if step.in_place else "Not in place since"
    by = f" ({ui.plain(step.changed_by)})" if step.changed_by else ""
    return f"{state} {tz.show(step.changed_at, with_time=False)}{by}"


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
        st.caption("No step has been ticked yet.")
        return
    frame = pd.DataFrame([{"When": tz.show(h.changed_at), "Step": h.label, "Stage": h.stage_title,
                           "Change": "in place" if h.in_place else "taken off", "By": h.changed_by}
                          for h in plan.history])
    st.dataframe(frame, hide_index=True, width="stretch", height=min(38 + 35 * len(frame), 300),
                 column_config={"When": st.column_config.TextColumn(width="medium"),
                                "Step": st.column_config.TextColumn(width="large"),
                                "Stage": st.column_config.TextColumn(width="medium"),
                                "Change": st.column_config.TextColumn(width="small"),
                                "By": st.column_config.TextColumn(width="small")})


def _handout(ctx: ui.AppContext, actor, client: ClientView, plan: SafetyPlanView) -> None:  # type: ignore[no-untyped-def]
    st.markdown("#### Handout for the client")
    st.caption("Ask the client before giving them anything on paper. A page can be found in a bag, a pocket, a "
               "car or the bin, and even a plain one can raise questions. If they are not sure, choose the version "
               "to memorise.")
    paper = st.radio("Is it safe for the client to take paper home?", PAPER_CHOICES, index=None,
                     key=f"sp_paper_{client.code}", format_func=PAPER_LABELS.get)
    if paper is None:
        st.caption("Nothing is printed until you and the client have answered.")
        return
    key = f"sp_numbers_{client.code}"
    names = {r.code: r.name for r in ctx.content.resources}
    if key not in st.session_state:
        st.session_state[key] = suggested_numbers(ctx.db, actor, ctx.content, client.code)
    if paper == "card":
        _card(ctx, actor, client, first=list(st.session_state[key]))
        return
    chosen = st.multiselect("Numbers to include", list(names), key=key, format_func=names.get)
    picked = [r for r in ctx.content.resources if r.code in set(chosen)]
    if paper == "memorise":
        _memorise(ctx, plan, picked)
        return
    st.caption("A plain page titled “Things to remember”, with the steps in place and the numbers chosen above. "
               "It shows no agency, no client code and, unless you ask, plain names for the services, so someone "
               "who finds it cannot tell what it is for. Open the file and print it from the browser.")
    full = st.toggle("Show the services' full names on the handout", key=f"sp_full_{client.code}",
                     help="Off by default: the handout then uses plain names such as “Support line”. Full names "
                          "say what each line is for; turn this on only if the client is sure no one else will "
                          "read the page.")
    steps = len(plan.in_place_codes())
    st.caption(f"The handout will list {steps} step{'s' if steps != 1 else ''} and "
               f"{len(chosen)} number{'s' if len(chosen) != 1 else ''}.")
    db, content, code, codes = ctx.db, ctx.content, client.code, list(chosen)

    def make() -> str:
        # Built only when "Prepare" is pressed, in a script run, so each download is one audit event.
        return build_handout(db, actor, content, code, resource_codes=codes, full_names=full).html

    ui.one_time_download("Download the handout", f"sp_download_{client.code}", build=make, file_name=FILE_NAME,
                         mime="text/html", disabled=not (steps or chosen))


def _memorise(ctx: ui.AppContext, plan: SafetyPlanView, picked) -> None:  # type: ignore[no-untyped-def]
    """The handout's words on screen only: nothing is saved, printed or downloaded."""
    version = memory_version(ctx.content, plan.in_place_codes(), picked)
    st.caption("Go through this together and ask the client to say the numbers back. Pick the two or three things "
               "that matter most today rather than all of them. Nothing here is printed or saved. A number saved in "
               "their phone under an everyday name helps only if no one checks the phone closely.")
    with st.container(border=True, key=f"sp_memorise_{plan.client_code}"):
        if version.numbers:
            st.markdown("**Numbers to learn**  \n" + "  \n".join(f"{name}: {how}" for name, how in version.numbers))
        else:
            st.markdown("Choose a number above to learn, if the client would like one. (911 needs no learning.)")
        if version.lines:
            st.markdown("**To remember**\n\n" + "\n".join(f"- {line}" for line in version.lines))
        else:
            st.caption("No step of the plan is ticked as in place yet.")


def _card(ctx: ui.AppContext, actor, client: ClientView, first: list[str]) -> None:  # type: ignore[no-untyped-def]
    """One number and an everyday name, the size of a business card. Nothing else is printed on it. The lines
    suggested for this client (the danger lines, then what was offered at check-ins) come first."""
    found = {r.code: r for r in card_numbers(ctx.content)}
    lines = {c: found[c] for c in [*(c for c in first if c in found), *found]}
    if not lines:
        st.caption("No line in the resource packs has a number to call, so there is nothing to put on a card.")
        return
    st.caption("The card holds one number and a name beside it, like a contact someone jotted down: no heading, no "
               "hours, no web address, nothing that says what the number is for. Choose the name with the client. "
               "A free-phone number looks like a business's, so a place such as “Dentist” or “Pharmacy” fits it "
               "better than a first name. A well-known number can still be recognised by someone who has looked it "
               "up; a local programme's direct line, or a friend who knows to pass a message on, may be safer.")
    c1, c2 = st.columns(2)
    number = c1.selectbox("Number for the card", list(lines), key=f"sp_card_number_{client.code}",
                          format_func=lambda c: f"{lines[c].name} ({lines[c].phone.number})")  # type: ignore[union-attr]
    name = c2.text_input("Name to write beside it", key=f"sp_card_name_{client.code}", max_chars=CARD_NAME_MAX,
                         placeholder="e.g. Dentist, or a first name")
    problem = card_name_problem(name) if name else None
    if problem:
        st.error(problem, icon=":material/error:")
    db, content, code = ctx.db, ctx.content, client.code

    def make() -> str:
        # Like the handout: built when "Prepare" is pressed, in a script run, so each card is one audit event.
        return build_reminder_card(db, actor, content, code, resource_code=number, name=name).html

    ui.one_time_download("Download the card", f"sp_card_download_{client.code}", build=make,
                         file_name=CARD_FILE_NAME, mime="text/html", disabled=bool(problem or not name or not number))


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
        st.markdown(f"### :material/checklist: Safety plan · {done} of {steps} "
                    f"step{'' if steps == 1 else 's'} in place")
        if not st.toggle("Show the plan, its history and the handout", key=f"sp_open_{client.code}"):
            return
        flash = st.session_state.pop("sp_flash", None)
        if flash:
            st.success(flash, icon=":material/check:")
        if writable:
            _sync(client.code, plan)
            with st.form(f"sp_form_{client.code}", border=False):
                _steps(client.code, plan, writable)
                st.form_submit_button("Save safety plan", type="primary", on_click=_save, args=(client.code,))
        else:
            _steps(client.code, plan, writable)
        guide = ui.page("guidance")
        scripts = ui.page("scripts")
        links = st.columns(2)
        if guide is not None:
            links[0].page_link(guide, label="Read the leaving guidance", icon=":material/route:")
        if scripts is not None and writable:
            links[1].page_link(scripts, label="Referral scripts for this client", icon=":material/record_voice_over:",
                               query_params={"code": client.code})
        st.markdown("#### Changes to the plan")
        _history(plan)
        _handout(ctx, actor, client, plan)
