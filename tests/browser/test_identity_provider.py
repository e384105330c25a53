"""Sign-in through the agency's identity provider, for real: a local OpenID Connect provider (oidc-provider-mock)
started here, Streamlit's st.login, Waypoint's links. In Chromium, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from oidc_provider_mock import User, run_server_in_thread
from playwright.sync_api import Page, expect

from models.services import identity
from tests.browser.conftest import LiveServer
from tests.browser.helpers import (
    actor_named,
    click_and_wait,
    database,
    open_app,
    screenshot,
    sign_in,
    wait_for_app,
)

BUTTON = "Sign in with your organisation's account"
PEOPLE = [
    User(sub="ada-at-agency", claims={"email": "ada@agency.example", "email_verified": True}),
    User(sub="stranger", claims={"email": "stranger@agency.example", "email_verified": True}),
    User(sub="unverified", claims={"email": "sam@agency.example", "email_verified": False}),
]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with run_server_in_thread(user_claims=PEOPLE) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def live_server_secrets(provider: str) -> Callable[[int], str]:
    def secrets(port: int) -> str:
        return (f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
                f'cookie_secret = "test-only-cookie-secret-0123456789abcdef"\n'
                f'client_id = "waypoint"\nclient_secret = "test-only-client-secret"\n'
                f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    return secrets


@pytest.fixture
def linked(live_server: LiveServer, users) -> None:
    with database(live_server.database_url) as db:
        admin = actor_named(db, users["admin"][0])
        supervisor = actor_named(db, users["supervisor"][0])
        advocate = actor_named(db, users["advocate"][0])
        identity.link(db, admin, advocate.user_id, email="ada@agency.example")
        identity.decide_link(db, supervisor, advocate.user_id, confirm=True)  # a supervisor confirms Ada's
        identity.link(db, admin, supervisor.user_id, email="sam@agency.example")  # Sam's waits (unverified test)


def _through_provider(page: Page, live_server: LiveServer, provider: str, sub: str) -> None:
    page.get_by_role("button", name=BUTTON).click()
    page.wait_for_url(re.compile(re.escape(provider) + ".*authorize.*"))
    page.get_by_role("button", name=sub, exact=True).click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + "/?(\\?.*)?$"))
    page.wait_for_selector('[data-testid="stApp"]')
    wait_for_app(page)


def test_a_linked_person_signs_in_and_out_through_the_provider(page: Page, live_server: LiveServer, provider,
                                                               linked):
    open_app(page, live_server.url)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()  # passwords still work unless turned off
    screenshot(page, f"sso-sign-in-page-{live_server.backend}")
    _through_provider(page, live_server, provider, "ada-at-agency")
    expect(page.get_by_role("heading", name="Welcome, Ada Advocate")).to_be_visible()
    screenshot(page, f"sso-signed-in-{live_server.backend}")

    # Waypoint's sign-out also ends the identity in this browser and at the provider, which asks to confirm.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(provider) + ".*end_session.*"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(re.escape(live_server.url) + ".*"))
    open_app(page, live_server.url)
    expect(page.get_by_role("heading", name="Sign in to Waypoint")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)  # the identity did not sign her in again


def test_an_identity_with_no_account_is_refused_in_one_sentence(page: Page, live_server: LiveServer, provider,
                                                                linked):
    open_app(page, live_server.url)
    _through_provider(page, live_server, provider, "stranger")
    expect(page.get_by_text(identity.NOT_LINKED)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    screenshot(page, f"sso-not-linked-{live_server.backend}")


def test_an_unverified_email_is_refused(page: Page, live_server: LiveServer, provider, linked):
    open_app(page, live_server.url)
    _through_provider(page, live_server, provider, "unverified")
    expect(page.get_by_text(identity.UNVERIFIED)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


@pytest.mark.parametrize("live_server_env", [{"WAYPOINT_PASSWORD_SIGN_IN": "off"}])
def test_with_passwords_off_only_the_provider_is_offered(page: Page, live_server: LiveServer, provider, linked):
    open_app(page, live_server.url)
    expect(page.get_by_role("button", name=BUTTON)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    expect(page.get_by_text("First sign-in with a setup code")).to_have_count(0)
    _through_provider(page, live_server, provider, "ada-at-agency")
    expect(page.get_by_role("heading", name="Welcome, Ada Advocate")).to_be_visible()


@pytest.mark.parametrize("live_server_secrets", [
    lambda port: (f'[auth]\nredirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
                  'cookie_secret = "test-only-cookie-secret-0123456789abcdef"\n'
                  'client_id = "waypoint"\nclient_secret = "test-only-client-secret"\n'
                  'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'),
])
def test_a_provider_that_does_not_answer_gets_one_sentence_and_passwords_still_work(page: Page,
                                                                                  live_server: LiveServer, users):
    open_app(page, live_server.url)
    click_and_wait(page, page.get_by_role("button", name=BUTTON))
    expect(page.get_by_text("Your organisation's sign-in is not answering right now")).to_be_visible()
    assert page.url.startswith(live_server.url)  # nobody was sent anywhere
    sign_in(page, *users["advocate"])
    expect(page.get_by_role("heading", name="Welcome, Ada Advocate")).to_be_visible()
