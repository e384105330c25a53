"""Resources: every line of the active packs, found in a keystroke or two during a call, numbers one click to copy."""

from __future__ import annotations

import streamlit as st

from dashboard import timeutil_ui as tz
from dashboard import ui
from models.content.crisis import text_caution
from models.content.loader import Resource
from models.services.resources import NEED_LABELS, needs_in_packs, search_resources
from models.services.scripts import scripts_naming


def _copyable(label: str, value: str) -> None:
    """A label and a code block: Streamlit's copy icon on the block puts the value on the clipboard."""
    st.caption(label)
    st.code(value, language=None, wrap_lines=True)


def _card(r: Resource, pack_titles: dict[str, str], actor) -> None:  # type: ignore[no-untyped-def]
    with st.container(border=True, key=f"res_card_{r.code}"):
        st.markdown(f"### {r.name}")
        st.markdown(" ".join(f":blue-badge[{NEED_LABELS.get(n, n)}]" for n in r.needs))
        st.markdown(f"{r.purpose}  \n**Who it serves:** {r.serves}")
        cols = st.columns(3)
        with cols[0]:
            if r.phone:
                _copyable("Call" + (f" ({r.phone.letters})" if r.phone.letters else ""), r.phone.number)
        with cols[1]:
            if r.text:
                _copyable("Text", f"Text {r.text.keyword} to {r.text.number}" if r.text.keyword
                          else f"Text {r.text.number}")
                caution = text_caution(r)
                if caution:
                    st.caption(f"Texting: {caution}.")
        with cols[2]:
            if r.tty:
                _copyable("TTY" + (" (relay service)" if r.tty == "711" else ""), r.tty)
        links = [f"**{label}:** [{url.removeprefix('https://')}]({url})"
                 for label, url in (("Chat", r.chat), ("Website", r.web)) if url and not (label == "Website"
                                                                                       and url == r.chat)]
        details = [f"**Hours:** {r.hours}"] + ([f"**Languages:** {r.languages}"] if r.languages else []) + links
        st.markdown("  \n".join(details))
        if r.note:
            st.caption(f"Note: {r.note}")
        st.caption(f"Checked on {tz.show_date(r.checked)} against {r.source} · {pack_titles.get(r.pack, r.pack)}")
        scripts = ui.page("scripts")
        if scripts is not None:
            for script in scripts_naming(ui.app_context().content, actor, r.code)[:2]:
                st.page_link(scripts, label=f"Script: {script.title}", icon=":material/record_voice_over:",
                             query_params={"script": script.code})


@st.fragment
def _finder() -> None:
    """Only this part reruns while someone types, so results follow the keystrokes."""
    ctx = ui.app_context()
    actor = ui.actor()
    query = st.text_input("Search resources", key="res_query", type="search", live=True,
                          placeholder="What it is for, who it serves, a number or a language: e.g. text, Spanish, TTY")
    needs = st.pills("Filter by need", needs_in_packs(ctx.content, actor), selection_mode="multi", key="res_needs",
                     format_func=lambda n: NEED_LABELS.get(n, n))
    found = search_resources(ctx.content, actor, query=query or "", needs=needs or ())
    total = len(ctx.content.resources)
    # A heading between the page title and the cards' own, so the outline has no gap for screen readers.
    st.markdown(f"## {len(found)} of {ui.counted(total, 'resource')}"
                + (" (best matches first)" if (query or "").strip() else ""))
    st.caption("To copy a number or a text instruction, use the copy icon at the right of its box.")
    if not found:
        st.info("Nothing matches. Try fewer letters or words, or clear the need filter.")
    for r in found:
        _card(r, ctx.content.pack_titles, actor)


def render() -> None:
    ui.app_context()
    st.title("Resources")
    _finder()


render()
