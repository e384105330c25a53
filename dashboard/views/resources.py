"""Resources: every line of the active packs, found in a keystroke or two during a call, numbers one click to copy."""

from __future__ import annotations

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.base import i18n
from models.base.i18n import _, ngettext
from models.content.crisis import text_caution
from models.content.loader import Resource
from models.services.resources import NEED_LABELS, needs_in_packs, search_resources
from models.services.scripts import scripts_naming


def _copyable(label: str, value: str) -> None:
    """A label and a code block: Streamlit's copy icon on the block puts the value on the clipboard."""
    st.caption(label)
    st.code(value, language=None, wrap_lines=True)


def _need(code: str) -> str:
    return _(NEED_LABELS[code]) if code in NEED_LABELS else code


def _card(r: Resource, pack_titles: dict[str, str], actor) -> None:  # type: ignore[no-untyped-def]
    with st.container(border=True, key=f"res_card_{r.code}"):
        st.markdown(f"### {r.name}")
        st.markdown(" ".join(f":blue-badge[{_need(n)}]" for n in r.needs))
        st.markdown(f"{r.purpose}  \n" + _("**Who it serves:** {serves}").format(serves=r.serves))
        cols = st.columns(3)
        with cols[0]:
            if r.phone:
                # TRANSLATORS: {letters} is the number spelled in letters ("1-800-799-SAFE").
                _copyable(_("Call ({letters})").format(letters=r.phone.letters) if r.phone.letters else _("Call"),
                          r.phone.number)
        with cols[1]:
            if r.text:
                # TRANSLATORS: the instruction copied for a client: {keyword} is the word to send, as the service
                # spells it (keep it as it is).
                _copyable(_("Text"), _("Text {keyword} to {number}").format(keyword=r.text.keyword,
                                                                            number=r.text.number)
                          if r.text.keyword else _("Text {number}").format(number=r.text.number))
                caution = text_caution(r)
                if caution:
                    st.caption(_("Texting: {caution}.").format(caution=caution))
        with cols[2]:
            if r.tty:
                _copyable(_("TTY (relay service)") if r.tty == "711" else _("TTY"), r.tty)
        links = []
        if r.chat:
            links.append(_("**Chat:** [{address}]({url})").format(address=r.chat.removeprefix("https://"),
                                                                   url=r.chat))
        if r.web and r.web != r.chat:
            links.append(_("**Website:** [{address}]({url})").format(address=r.web.removeprefix("https://"),
                                                                      url=r.web))
        details = [_("**Hours:** {hours}").format(hours=r.hours)] + (
            [_("**Languages:** {languages}").format(languages=r.languages)] if r.languages else []) + links
        st.markdown("  \n".join(details))
        if r.note:
            st.caption(_("Note: {note}").format(note=r.note))
        # TRANSLATORS: {source} is where the resource's details were checked; {pack} the resource pack's title.
        st.caption(_("Checked on {date} against {source} · {pack}").format(
            date=tz.show_date(r.checked), source=r.source, pack=pack_titles.get(r.pack, r.pack)))
        scripts = ui.page("scripts")
        if scripts is not None:
            for script in scripts_naming(ui.app_context().content, actor, r.code)[:2]:
                st.page_link(scripts, label=_("Script: {title}").format(title=script.title),
                             icon=":material/record_voice_over:",
                             query_params={"script": script.code})


@st.fragment
def _finder() -> None:
    """Only this part reruns while someone types, so results follow the keystrokes."""
    ctx = ui.app_context()
    actor = ui.actor()
    query = st.text_input(_("Search resources"), key="res_query", type="search", live=True,
                          placeholder=_("What it is for, who it serves, a number or a language: e.g. text, Spanish, "
                                        "TTY"))
    needs = st.pills(_("Filter by need"), needs_in_packs(ctx.content, actor), selection_mode="multi",
                     key="res_needs", format_func=_need)
    found = search_resources(ctx.content, actor, query=query or "", needs=needs or ())
    total = len(ctx.content.resources)
    # A heading between the page title and the cards' own, so the outline has no gap for screen readers.
    if (query or "").strip():
        heading = ngettext("## {found} of {n} resource (best matches first)",
                           "## {found} of {n} resources (best matches first)", total)
    else:
        heading = ngettext("## {found} of {n} resource", "## {found} of {n} resources", total)
    st.markdown(heading.format(found=i18n.number(len(found)), n=i18n.number(total)))
    st.caption(_("To copy a number or a text instruction, use the copy icon at the right of its box."))
    if not found:
        st.info(_("Nothing matches. Try fewer letters or words, or clear the need filter."))
    for r in found:
        _card(r, ctx.content.pack_titles, actor)


def render() -> None:
    ui.app_context()
    st.title(_("Resources"))
    _finder()


render()
