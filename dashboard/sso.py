"""Sign-in with the agency's identity provider, the web side: Streamlit's st.login does the OpenID Connect dance
(configured in .streamlit/secrets.toml, docs/accounts.md) and models/services/identity.py decides what the
identity it hands back may open."""

from __future__ import annotations

import logging

import streamlit as st

log = logging.getLogger(__name__)
REQUIRED = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
BUTTON = "Sign in with your organisation's account"


def configured() -> bool:
    """Whether .streamlit/secrets.toml has a complete [auth] section for one provider."""
    try:
        if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
            return False
        section = st.secrets["auth"]
        return all(isinstance(section.get(key), str) and section.get(key) for key in REQUIRED)
    except Exception:  # an unreadable secrets file: no identity provider, and the server log says why
        log.warning("the [auth] section of the secrets file could not be read; identity-provider sign-in is off")
        return False


def claims() -> dict[str, object] | None:
    """The identity st.login left in this browser, or None."""
    if not configured():
        return None
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return dict(user.to_dict())
    except Exception:
        return None


def log_in() -> None:
    st.login()


def log_out() -> None:
    """Forget the identity in this browser (and at the provider when it offers that), after Waypoint's sign-out."""
    if claims() is not None:
        st.logout()
