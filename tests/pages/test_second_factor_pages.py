"""Two-step sign-in as people meet it: set up at first sign-in, a code each time, a recovery code, own setup."""

from __future__ import annotations

import time
from datetime import UTC

import pyotp
import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.services import identity, second_factor
from models.store.entities import AuthSession, SecondFactor
from tests.pages.helpers import PASSWORD, sign_in, texts

pytestmark = pytest.mark.pages


@pytest.fixture
def mfa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAYPOINT_MFA_REQUIRED", "supervisor,admin")


def _code(secret: str, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret.replace(" ", ""))
    return totp.generate_otp(totp.timecode(utcnow().replace(tzinfo=UTC)) + steps)


def _sessions(db) -> int:
    with db.reading() as s:
        return len(s.scalars(select(AuthSession).where(AuthSession.ended_at.is_(None))).all())


def _enrol(at, db, user_id: int) -> str:
    with db.reading() as s:
        secret = db.notes.decrypt(s.get(SecondFactor, user_id).secret)
    at.text_input(key="second_step_code").input(_code(secret))
    at.button(key="FormSubmitter:second_step-Finish setting up and sign in").click().run()
    return secret


def test_a_supervisor_sets_it_up_at_first_sign_in_and_sees_recovery_codes_once(app, db, people, mfa):
    at = sign_in(app(), "sam")
    assert not at.exception
    assert at.subheader[0].value == "Set up two-step sign-in"
    assert _sessions(db) == 0  # the password alone opened nothing
    assert [c.value for c in at.code][0].replace(" ", "").isalnum()  # the key, typed by hand if need be
    # A wrong code: one sentence, still on the setup.
    at.text_input(key="second_step_code").input("12 34")
    at.button(key="FormSubmitter:second_step-Finish setting up and sign in").click().run()
    assert at.error[0].value == second_factor.ENROL_FAILED and _sessions(db) == 0
    _enrol(at, db, people["supervisor"])
    assert not at.exception
    assert _sessions(db) == 1
    assert at.title[0].value == "Two-step sign-in" and at.subheader[0].value == "Your recovery codes"
    codes = at.code[0].value.split("\n")
    assert len(codes) == 10
    assert [p for p in at.sidebar.button if p.label == "Sign out"]  # signed in, with only this page for now
    at.button(key="two_step_codes_done").click().run()
    assert at.title[0].value.startswith("Welcome")


def test_next_time_a_code_is_asked_and_a_recovery_code_works_once(app, db, people, mfa):
    at = sign_in(app(), "sam")
    secret = _enrol(at, db, people["supervisor"])
    codes = at.code[0].value.split("\n")
    again = sign_in(app(), "sam")
    assert again.subheader[0].value == "Two-step sign-in"
    again.text_input(key="second_step_code").input(codes[0])
    again.button(key="FormSubmitter:second_step-Sign in").click().run()
    assert not again.exception and again.title[0].value.startswith("Welcome")
    assert any("recovery code" in w.value and "9 left" in w.value for w in again.sidebar.warning)
    third = sign_in(app(), "sam")
    third.text_input(key="second_step_code").input(codes[0])
    third.button(key="FormSubmitter:second_step-Sign in").click().run()
    assert third.error[0].value == second_factor.CODE_FAILED
    third.text_input(key="second_step_code").input(_code(secret, steps=1))
    third.button(key="FormSubmitter:second_step-Sign in").click().run()
    assert third.title[0].value.startswith("Welcome")


def test_cancel_returns_to_the_password(app, people, mfa):
    at = sign_in(app(), "alex")
    at.button(key="second_step_cancel").click().run()
    assert at.text_input(key="signin_username").value == "alex"
    assert at.text_input(key="signin_password").value == ""


def test_an_advocate_can_choose_it_from_the_two_step_page(app, db, people, mfa):
    at = sign_in(app(), "ada")
    assert at.title[0].value.startswith("Welcome")  # optional for advocates: the password is enough
    at.switch_page("views/two_step.py").run()
    assert "Your role needs" not in texts(at)
    at.text_input(key="two_step_password").input(PASSWORD)
    at.button(key="FormSubmitter:two_step_begin_form-Set up an authenticator app").click().run()
    with db.reading() as s:
        secret = db.notes.decrypt(s.get(SecondFactor, people["advocate"]).secret)
    at.text_input(key="two_step_code").input(_code(secret))
    at.button(key="FormSubmitter:two_step_confirm-Turn on two-step sign-in").click().run()
    assert at.subheader[0].value == "Your recovery codes"
    at.button(key="two_step_codes_done").click().run()
    at.switch_page("views/two_step.py").run()
    assert "Two-step sign-in is on" in at.success[0].value
    assert sign_in(app(), "ada").subheader[0].value == "Two-step sign-in"


def test_an_admin_sees_who_has_it_and_resets_a_lost_phone(app, db, people, mfa):
    sam = sign_in(app(), "sam")
    _enrol(sam, db, people["supervisor"])
    at = sign_in(app(), "alex")
    _enrol(at, db, people["admin"])
    at.button(key="two_step_codes_done").click().run()
    at.switch_page("views/accounts.py").run()
    table = at.dataframe[0].value
    assert dict(zip(table["Username"], table["Two-step"], strict=True)) == {
        "ada": "off", "sam": "on", "alex": "on"}
    at.selectbox(key="methods_target").set_value(people["supervisor"]).run()
    assert "Two-step sign-in: **on**" in texts(at)
    at.button(key="methods_reset").click().run()
    at.button(key="methods_reset_yes").click().run()
    assert "was reset" in at.success[0].value
    assert sign_in(app(), "sam").subheader[0].value == "Set up two-step sign-in"


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-only-secret",
        "client_id": "waypoint", "client_secret": "test-only", "server_metadata_url": "http://127.0.0.1:9/x"}


def _with_provider(at):
    at.secrets["auth"] = dict(AUTH)
    return at


def _password_sign_in(at, username: str):
    """The password form, below the organisation button when a provider is configured."""
    at.run()
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(PASSWORD)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    return at


def test_without_a_provider_the_accounts_page_offers_no_link(app, people):
    at = sign_in(app(), "alex")
    at.switch_page("views/accounts.py").run()
    at.selectbox(key="methods_target").set_value(people["advocate"]).run()
    assert not [t for t in at.text_input if t.label.startswith("E-mail address")]
    assert "Organisation sign-in" not in at.dataframe[0].value.columns


def test_an_admin_links_an_organisation_account_and_the_person_signs_in_with_it(app, db, people):
    at = _password_sign_in(_with_provider(app()), "alex")
    at.switch_page("views/accounts.py").run()
    at.selectbox(key="methods_target").set_value(people["advocate"]).run()
    box = f"methods_email_{people['advocate']}"
    at.text_input(key=box).input("ada at agency")
    at.button(key=f"FormSubmitter:methods_link_{people['advocate']}-Link").click().run()
    assert at.text_input(key=box).value == "ada at agency"  # the typing is kept, with the message below it
    assert "Type the e-mail address" in texts(at) or any("Type the e-mail address" in str(c.value)
                                                           for c in at.caption)
    at.text_input(key=box).input("ada@agency.example")
    at.button(key=f"FormSubmitter:methods_link_{people['advocate']}-Link").click().run()
    assert "works once a supervisor confirms it" in at.success[0].value
    assert "linked" in list(at.dataframe[0].value["Organisation sign-in"])

    def arrives():  # Ada, back from her organisation's sign-in with a fresh token
        person = _with_provider(app())
        person.user = {"is_logged_in": True, "iss": "https://login.agency.example", "sub": "ada-1",
                       "email": "ada@agency.example", "email_verified": True,
                       "iat": int(utcnow().replace(tzinfo=UTC).timestamp())}
        return person.run()

    assert arrives().error[0].value == identity.LINK_WAITING  # one admin alone opens nothing that reads records
    sam = _password_sign_in(_with_provider(app()), "sam")
    assert "Organisation sign-in waiting for a supervisor" in [h.value for h in sam.header]
    sam.button(key=f"link_confirm_{people['advocate']}").click().run()
    assert "Confirmed" in sam.info[0].value
    time.sleep(1.1)  # a new token, issued a second later (each token opens one session)
    person = arrives()
    assert not person.exception
    assert person.title[0].value == "Welcome, Ada Advocate"


def test_an_identity_with_no_link_is_refused_on_the_sign_in_page(app, people):
    person = _with_provider(app())
    person.user = {"is_logged_in": True, "iss": "https://login.agency.example", "sub": "who",
                   "email": "who@agency.example", "email_verified": True,
                   "iat": int(utcnow().replace(tzinfo=UTC).timestamp())}
    person.run()
    assert person.error[0].value == identity.NOT_LINKED
    assert person.title[0].value == "Sign in to Waypoint"
