"""Leaving guidance: safety-planning steps by stage, to talk through with a client at their own pace."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from models.services.guidance import TOPIC_LABELS, guidance_by_stage


def render() -> None:
    ctx = ui.app_context()
    actor = ui.actor()
    guidance = ctx.content.guidance
    st.title("Leaving guidance")
    if guidance is None:
        st.info("No leaving guidance is loaded.")
        return
    st.caption(f"{guidance.title}. {guidance.source} The client decides which steps "
               "fit their life; a step not taken is never a failing. Tick the steps a client has in place on their "
               "page in the client timeline.")
    topics = st.pills("Show only", list(TOPIC_LABELS), selection_mode="multi", key="gd_topics",
                      format_func=TOPIC_LABELS.get)
    stages = guidance_by_stage(ctx.content, actor, topics=tuple(topics or ()))
    tabs = st.tabs([f"{s.stage.title} ({len(s.steps)})" for s in stages], key="gd_stage")
    for tab, stage in zip(tabs, stages, strict=True):
        with tab:
            if stage.stage.intro:
                st.markdown(f"_{stage.stage.intro}_")
            if not stage.steps:
                st.caption("No step of this stage has the chosen topics.")
            for step in stage.steps:
                with st.container(border=True, key=f"gd_{step.code.replace('.', '_')}"):
                    st.markdown(f"**{step.label}**  \n"
                                + " ".join(f":gray-badge[{TOPIC_LABELS[t]}]" for t in step.topics))
                    if step.detail:
                        st.markdown(step.detail)
                    if step.printable:
                        st.caption(f"On the printed handout: “{step.handout}”")
                    else:
                        st.caption(f"Never printed, because no wording of it is safe on paper; to remember "
                                   f"together: “{step.handout}”")


render()
