"""Sign-in with the agency's identity provider, the web side: Streamlit's st.login does the OpenID Connect dance
(configured in .streamlit/secrets.toml, docs/accounts.md) and models/services/identity.py decides what the
identity it hands back may open."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import streamlit as st

from models.base.i18n import N_

log = logging.getLogger(__name__)
REQUIRED = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
BUTTON = N_("Sign in with your organisation's account")
UNREACHABLE = N_("Your organisation's sign-in is not answering right now, so nothing was sent to it. Try again in a "
                 "few minutes, or sign in with your Waypoint password if you have one.")
CHECK_SECONDS = 5


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


def reachable() -> bool:
    """Whether the provider answers its discovery address within a few seconds: st.login would otherwise leave the
    person on a bare "Authentication error" page from the web server."""
    url = str(st.secrets["auth"]["server_metadata_url"])
    if not url.startswith(("https://", "http://")):
        return False
    try:
        with urllib.request.urlopen(url, timeout=CHECK_SECONDS) as answer:  # noqa: S310 (scheme checked above)
            return isinstance(json.loads(answer.read(1_000_000)).get("authorization_endpoint"), str)
    except (OSError, ValueError, urllib.error.URLError):
        log.warning("the identity provider's discovery address did not answer in time or not as expected")
        return False


def log_in() -> bool:
    """Send the browser to the provider; False (and nothing sent) when it is not answering."""
    if not reachable():
        return False
    st.login()
    return True


def log_out() -> None:
    """Forget the identity in this browser (and at the provider when it offers that), after Waypoint's sign-out."""
    if claims() is not None:
        st.logout()
