"""Leaving guidance: safety-planning steps by stage, to talk through with a client at their own pace."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.base.i18n import _
from models.services.guidance import TOPIC_LABELS, guidance_by_stage


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    guidance = ctx.content.guidance
    st.title(_("Leaving guidance"))
    if guidance is None:
        st.info(_("No leaving guidance is loaded."))
        return
    # The guidance's title and source come from its content file (translated with it), then the page's own words.
    st.caption(f"{guidance.title}. {guidance.source} "
               + _("The client decides which steps fit their life; a step not taken is never a failing. Tick the "
                   "steps a client has in place on their page in the client timeline."))
    topics = st.pills(_("Show only"), list(TOPIC_LABELS), selection_mode="multi", key="gd_topics",
                      format_func=lambda t: _(TOPIC_LABELS[t]))
    stages = guidance_by_stage(ctx.content, actor, topics=tuple(topics or ()))
    tabs = st.tabs([f"{s.stage.title} ({len(s.steps)})" for s in stages], key="gd_stage")
    for tab, stage in zip(tabs, stages, strict=True):
        with tab:
            if stage.stage.intro:
                st.markdown(f"_{stage.stage.intro}_")
            if not stage.steps:
                st.caption(_("No step of this stage has the chosen topics."))
            for step in stage.steps:
                with st.container(border=True, key=f"gd_{step.code.replace('.', '_')}"):
                    st.markdown(f"**{step.label}**  \n"
                                + " ".join(f":gray-badge[{_(TOPIC_LABELS[t])}]" for t in step.topics))
                    if step.detail:
                        st.markdown(step.detail)
                    if step.printable:
                        st.caption(_("On the printed handout: “{words}”").format(words=step.handout))
                    else:
                        st.caption(_("Never printed, because no wording of it is safe on paper; to remember "
                                     "together: “{words}”").format(words=step.handout))


render()
