"""Resources: every hotline of the active packs, found in a couple of keystrokes during a call."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.resources import NEED_LABELS, search_resources


def _card(r) -> None:  # type: ignore[no-untyped-def]
    with st.container(border=True):
        st.subheader(r.name)
        st.markdown(f"{r.purpose}  \n**Who it serves:** {r.serves}")
        cols = st.columns(3)
        with cols[0]:
            if r.phone:
                st.caption("Call" + (f" ({r.phone.letters})" if r.phone.letters else ""))
                st.code(r.phone.number, language=None)
            if r.tty:
                st.caption("TTY")
                st.code(r.tty, language=None)
        with cols[1]:
            if r.text:
                st.caption("Text")
                instruction = f"Text {r.text.keyword} to {r.text.number}" if r.text.keyword else f"Text {r.text.number}"
                st.code(instruction, language=None)
        with cols[2]:
            for label, url in (("Chat", r.chat), ("Website", r.web)):
                if url:
                    st.markdown(f"**{label}:** [{url}]({url})")
        details = [f"**Hours:** {r.hours}"]
        if r.languages:
            details.append(f"**Languages:** {r.languages}")
        st.markdown("  \n".join(details))
        st.caption(f"Checked on {r.checked.isoformat()} against {r.source} · pack {r.pack}"
                   + (f" · {r.note}" if r.note else ""))


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    st.title("Resources")
    query_col, need_col = st.columns([2, 1])
    query = query_col.text_input("Search", key="resource_query", placeholder="e.g. trafficking, text, TTY, Spanish")
    needs = sorted({n for r in ctx.content.resources for n in r.needs})
    need = need_col.selectbox("Need", ["Any need", *needs], key="resource_need",
                              format_func=lambda n: NEED_LABELS.get(n, n))
    found = search_resources(ctx.content, actor, query=query, need=None if need == "Any need" else need)
    st.caption(f"{len(found)} of {len(ctx.content.resources)} resources. The copy icon on a number copies it.")
    if not found:
        st.info("Nothing matches. Try fewer words, or choose 'Any need'.")
    for r in found:
        _card(r)


render()
