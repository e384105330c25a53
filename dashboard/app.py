"""Waypoint's Streamlit page script, served by dashboard/serve.py (`./waypoint run` starts that, not this file)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts dashboard/ on the path, not the repository root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import drafts, session_ui, sso, ui  # noqa: E402
from models.base import i18n  # noqa: E402
from models.base.i18n import _  # noqa: E402

i18n.set_source(ui.session_language)  # every _() in this session reads this person's language
st.set_page_config(page_title="Waypoint", page_icon=":material/explore:", layout="wide")

ctx = ui.app_context()
state = ui.current_session(ctx)
st.session_state["_wp_state"] = state
ui.choose_language(ctx, state)

if state is None:
    # Signed out, nothing belongs in a sidebar. After a forced sign-out the web app can keep the signed-in pages'
    # sidebar on screen, empty and greyed (its timeout notice refreshes itself and may still be due), so the
    # sign-in page hides it outright (a style-only st.html goes to the hidden event container).
    st.html(ui.NO_SIDEBAR)
    nav = st.navigation([st.Page("views/signin.py", title=_("Sign in"), url_path="sign-in", default=True)],
                       position="hidden")
else:
    actor = state.actor
    pages = ui.build_pages(actor)
    if actor.must_change_password:  # a reset password: nothing else until they choose their own
        pages = {"password": pages["password"]}
    elif ui.RECOVERY_CODES_KEY in st.session_state:  # just enrolled: the recovery codes, once, before anything else
        pages = {"two_step": pages["two_step"]}
    st.session_state["_wp_pages"] = pages
    st.html(ui.CHART_TOOLBAR)  # no chart hands out its data (ui.CHART_TOOLBAR)
    if st.session_state.pop(ui.GO_HOME_KEY, False) and "home" in pages:
        st.switch_page(pages["home"])
    nav = st.navigation(list(pages.values()), expanded=True)  # every page of the role listed, never "View 3 more"
    with st.sidebar:
        st.markdown(f"**{ui.plain(actor.display_name)}**  \n{ui.role_name(actor.role)}")
        if st.button(_("Sign out"), icon=":material/logout:", key="sign_out"):
            with_identity = sso.claims() is not None
            ui.sign_out(ctx)
            if with_identity:  # forget the provider's identity in this browser too: the page is sent away
                sso.log_out()
                st.stop()  # a rerun now could drop the redirect st.logout queued
            st.rerun()
        session_ui.timeout_notice()
        notice = st.session_state.pop(ui.SIGNED_IN_NOTICE_KEY, None)
        if notice:
            st.warning(notice, icon=":material/key:")
    drafts.keep_across_pages()  # a check-in half filled in is still there after a look at another page
with ui.database_guard():  # the database going away mid-page shows one plain sentence, not an error box
    nav.run()
