"""Two-step sign-in as people meet it: set up at first sign-in, a code each time, a recovery code, own setup."""

from __future__ import annotations

from datetime import UTC

import pyotp
import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.services import second_factor
from models.store.entities import AuthSession, SecondFactor
from tests.pages.helpers import sign_in, texts

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
    at.button(key="two_step_begin").click().run()
    with db.reading() as s:
        secret = db.notes.decrypt(s.get(SecondFactor, people["advocate"]).secret)
    at.text_input(key="two_step_code").input(_code(secret))
    at.button(key="FormSubmitter:two_step_confirm-Turn on two-step sign-in").click().run()
    assert at.subheader[0].value == "Your recovery codes"
    at.button(key="two_step_codes_done").click().run()
    at.switch_page("views/two_step.py").run()
    assert "Two-step sign-in is on" in at.success[0].value
    assert sign_in(app(), "ada").subheader[0].value == "Two-step sign-in"
