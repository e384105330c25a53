"""The second factor: enrolment at first sign-in, codes once each, recovery codes, throttling, admin reset."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

import pyotp
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from models.base.errors import ValidationFailed
from models.base.settings import ConfigError, Settings, mfa_roles
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services import auth, second_factor
from models.services.liveness import SessionEnded
from models.store.entities import (
    AuthSession,
    RecoveryCode,
    SecondFactor,
    SignInChallenge,
    SignInThrottle,
    User,
)
from models.store.note_cipher import NoteCipher, new_key, rotate_all
from tests.unit.helpers import events, make_account

PASSWORD = "a long enough passphrase"
MFA = frozenset({"supervisor", "admin"})


@pytest.fixture
def mfa(settings: Settings) -> Settings:
    return replace(settings, mfa_required=MFA)


@pytest.fixture
def sam(db):
    return make_account(db, "sam", password=PASSWORD)


def _secret(db, user_id: int) -> str:
    with db.reading() as s:
        return db.notes.decrypt(s.get(SecondFactor, user_id).secret)


def _code(secret: str, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow().replace(tzinfo=UTC)) + steps)


def _used_code(db, user_id: int, secret: str) -> str:
    """The code of the newest step already accepted: refused from now on, whatever the clock does meanwhile."""
    with db.reading() as s:
        return pyotp.TOTP(secret).generate_otp(s.get(SecondFactor, user_id).last_step)


def _step(db, settings, username="sam") -> auth.SecondStep:
    with pytest.raises(auth.SecondStepNeeded) as needed:
        auth.sign_in(db, settings, username, PASSWORD)
    return needed.value.step


def _enrol(db, settings) -> tuple[str, list[str]]:
    step = _step(db, settings)
    shown = second_factor.enrolment_for(db, step.token)
    secret = shown.secret.replace(" ", "")
    done = second_factor.complete(db, settings, step.token, _code(secret))
    return secret, done.recovery_codes


def _sessions(db) -> int:
    with db.reading() as s:
        return len(s.scalars(select(AuthSession).where(AuthSession.ended_at.is_(None))).all())


def test_the_setting_names_roles_or_none():
    assert mfa_roles(None) == MFA == mfa_roles(" ")
    assert mfa_roles("none") == frozenset()
    assert mfa_roles("Advocate, admin") == {"advocate", "admin"}
    with pytest.raises(ConfigError, match="WAYPOINT_MFA_REQUIRED"):
        mfa_roles("supervisors")
    assert Settings.from_env({"WAYPOINT_MFA_REQUIRED": "admin"}).mfa_required == {"admin"}


def test_a_role_that_must_have_it_gets_only_enrolment_after_the_password(db, mfa, sam):
    step = _step(db, mfa)
    assert step.purpose == "enrol" and step.username == "sam"
    assert _sessions(db) == 0  # a right password alone opens nothing
    shown = second_factor.enrolment_for(db, step.token)
    again = second_factor.enrolment_for(db, step.token)
    assert shown.secret == again.secret  # a reload keeps the QR code the person may have scanned
    assert shown.uri.startswith("otpauth://totp/Waypoint:sam?") and "issuer=Waypoint" in shown.uri
    assert shown.qr_svg.lstrip().startswith("<svg") and "http" not in shown.qr_svg.split("xmlns")[0]
    with db.reading() as s:
        stored = s.get(SecondFactor, sam.user_id)
        assert stored.enrolled_at is None and shown.secret.replace(" ", "") not in stored.secret  # encrypted


def test_enrolment_finishes_with_a_code_and_gives_ten_recovery_codes_once(db, mfa, sam):
    secret, codes = _enrol(db, mfa)
    assert len(codes) == 10 == len(set(codes))
    assert _sessions(db) == 1
    with db.reading() as s:
        stored = [r.code_hash for r in s.scalars(select(RecoveryCode))]
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert [e.action for e in events(db, "second_factor_enrolled")] == ["second_factor_enrolled"]
    # The next sign-in asks for a code, not enrolment.
    assert _step(db, mfa).purpose == "code"


def test_an_optional_role_signs_in_with_the_password_until_it_enrols(db, mfa):
    make_account(db, "ada", password=PASSWORD)
    signed = auth.sign_in(db, mfa, "ada", PASSWORD)
    with pytest.raises(ValidationFailed) as again:  # the password again first
        second_factor.begin_own(db, signed.actor, "not my password")
    assert "current password" in again.value.errors["password"]
    # Logged as what it was, a wrong password, not as a wrong code.
    assert [e.detail for e in events(db, "password_change_failed")] == ["wrong password at two-step set-up"]
    assert events(db, "second_factor_failed") == []
    shown = second_factor.begin_own(db, signed.actor, PASSWORD)
    secret = shown.secret.replace(" ", "")
    with pytest.raises(ValidationFailed) as wrong:
        second_factor.confirm_own(db, mfa, signed.actor, "000000" if _code(secret) != "000000" else "111111")
    assert wrong.value.errors["code"] == second_factor.ENROL_FAILED
    codes = second_factor.confirm_own(db, mfa, signed.actor, _code(secret))
    assert len(codes) == 10
    assert _step(db, mfa, "ada").purpose == "code"


def test_each_code_works_once_and_only_near_now(db, mfa, sam):
    secret, _ = _enrol(db, mfa)  # used the current step
    step = _step(db, mfa)
    with pytest.raises(ValidationFailed) as reused:
        second_factor.complete(db, mfa, step.token, _used_code(db, sam.user_id, secret))
    assert reused.value.errors["code"] == second_factor.CODE_FAILED
    with pytest.raises(ValidationFailed):
        second_factor.complete(db, mfa, step.token, _code(secret, steps=-3))  # 90 s old
    done = second_factor.complete(db, mfa, step.token, _code(secret, steps=1))  # the phone's clock is ahead
    assert done.signed_in.actor.username == "sam" and done.recovery_codes == []
    with pytest.raises(ValidationFailed) as spent:  # the challenge is used up by its success
        second_factor.complete(db, mfa, step.token, _code(secret, steps=1))
    assert spent.value.errors["code"] == second_factor.CHALLENGE_ENDED


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "١٢٣٤٥٦", None, 123456, "x" * 500, "12\x0034"])
def test_malformed_codes_are_one_plain_sentence_and_open_nothing(db, mfa, sam, typed):
    _enrol(db, mfa)
    step = _step(db, mfa)
    with pytest.raises(ValidationFailed) as refused:
        second_factor.complete(db, mfa, step.token, typed)
    assert refused.value.errors["code"] == second_factor.CODE_FAILED
    assert _sessions(db) == 1  # only the enrolment's


def test_five_wrong_codes_end_the_challenge_and_count_like_wrong_passwords(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    step = _step(db, mfa)
    wrong = "000000" if _code(secret) != "000000" else "999999"
    said = []
    for _ in range(second_factor.MAX_WRONG_CODES):
        with pytest.raises(ValidationFailed) as refused:
            second_factor.complete(db, mfa, step.token, wrong)
        said.append(refused.value.errors["code"])
    assert said[-1] == second_factor.CHALLENGE_ENDED and set(said[:-1]) == {second_factor.CODE_FAILED}
    with pytest.raises(ValidationFailed) as ended:
        second_factor.complete(db, mfa, step.token, _code(secret, steps=1))
    assert ended.value.errors["code"] == second_factor.CHALLENGE_ENDED
    assert len(events(db, "second_factor_failed")) == 5
    # The wrong codes were counted under the sign-in throttle: the next attempt from here waits.
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, mfa, "sam", PASSWORD)


def test_an_expired_or_forged_challenge_opens_nothing(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    step = _step(db, mfa)
    with db.writing() as s:
        s.scalars(select(SignInChallenge).where(SignInChallenge.used_at.is_(None))).one().expires_at = (
            utcnow() - timedelta(seconds=1))
    for token in (step.token, "forged", "", None, "x" * 1000):
        with pytest.raises(ValidationFailed) as refused:
            second_factor.complete(db, mfa, token, _code(secret, steps=1))
        assert refused.value.errors["code"] == second_factor.CHALLENGE_ENDED
    assert _sessions(db) == 1


def test_a_recovery_code_signs_in_once(db, mfa, sam):
    _, codes = _enrol(db, mfa)
    step = _step(db, mfa)
    done = second_factor.complete(db, mfa, step.token, codes[3].upper().replace("-", " "))
    assert done.recovery_codes_left == 9
    step = _step(db, mfa)
    with pytest.raises(ValidationFailed):
        second_factor.complete(db, mfa, step.token, codes[3])
    assert [e.detail for e in events(db, "recovery_code_used")] == ["9 left"]


def test_recovery_codes_do_not_replace_enrolment(db, mfa, sam):
    step = _step(db, mfa)
    second_factor.enrolment_for(db, step.token)
    with pytest.raises(ValidationFailed):
        second_factor.complete(db, mfa, step.token, "abcde-fghjk")


def _time_passes(db, user_id: int) -> None:
    """As if a minute had passed since the last accepted code (the step it used is in the past)."""
    with db.writing() as s:
        factor = s.get(SecondFactor, user_id)
        factor.last_step -= 3


def test_renewing_recovery_codes_needs_a_fresh_code_and_retires_the_old_ones(db, mfa, sam):
    secret, old = _enrol(db, mfa)
    signed = second_factor.complete(db, mfa, _step(db, mfa).token, old[0]).signed_in
    with pytest.raises(ValidationFailed) as reused:
        second_factor.renew_recovery_codes(db, signed.actor, _used_code(db, sam.user_id, secret))
    assert reused.value.errors["code"] == second_factor.RENEW_FAILED
    _time_passes(db, sam.user_id)
    new = second_factor.renew_recovery_codes(db, signed.actor, _code(secret))
    assert len(new) == 10 and not set(new) & set(old)
    assert second_factor.status(db, signed.actor).recovery_codes_left == 10
    step = _step(db, mfa)
    with pytest.raises(ValidationFailed):
        second_factor.complete(db, mfa, step.token, old[1])
    assert second_factor.complete(db, mfa, step.token, new[1]).recovery_codes_left == 9


def test_an_admin_reset_removes_it_ends_sessions_and_asks_for_enrolment_again(db, mfa, sam):
    alex = make_account(db, "alex", password=PASSWORD)
    _enrol(db, mfa)
    assert _sessions(db) == 1
    second_factor.reset(db, alex, sam.user_id)
    assert _sessions(db) == 0
    with db.reading() as s:
        assert s.get(SecondFactor, sam.user_id) is None
        assert s.scalars(select(RecoveryCode)).all() == []
    assert _step(db, mfa).purpose == "enrol"
    assert [e.detail for e in events(db, "second_factor_reset")] == ["removed"]
    with pytest.raises(PermissionDenied):
        second_factor.reset(db, sam, alex.user_id)
    with pytest.raises(ValidationFailed):
        second_factor.reset(db, alex, alex.user_id)
    with pytest.raises(ValidationFailed):
        second_factor.reset(db, alex, 9999)


def test_a_deactivated_account_cannot_finish_a_second_step(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    step = _step(db, mfa)
    with db.writing() as s:
        s.get(User, sam.user_id).active = False
    with pytest.raises(ValidationFailed) as refused:
        second_factor.complete(db, mfa, step.token, _code(secret, steps=1))
    assert refused.value.errors["code"] == second_factor.CHALLENGE_ENDED


def test_own_setup_needs_a_live_session(db, mfa):
    make_account(db, "ada", password=PASSWORD)
    signed = auth.sign_in(db, mfa, "ada", PASSWORD)
    auth.sign_out(db, signed.token)
    with pytest.raises(SessionEnded):
        second_factor.begin_own(db, signed.actor, PASSWORD)


def test_rotating_the_note_key_rewrites_the_secrets(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    both = NoteCipher((new_key(), *db.notes.keys))
    with db.writing() as s:
        rotate_all(s, both)
    only_new = NoteCipher(both.keys[:1])
    with db.reading() as s:
        assert only_new.decrypt(s.get(SecondFactor, sam.user_id).secret) == secret


def test_the_command_line_resets_anyone_even_the_last_admin(db, mfa, sam, monkeypatch, capsys):
    from dashboard import cli

    _enrol(db, mfa)
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", str(db.url))
    assert cli.main(["reset-two-step", " SAM "]) == 0
    assert "removed for 'sam'" in capsys.readouterr().out
    with db.reading() as s:
        assert s.get(SecondFactor, sam.user_id) is None
    assert _sessions(db) == 0
    assert [e.detail for e in events(db, "second_factor_reset")] == ["at the command line"]
    assert cli.main(["reset-two-step", "nobody"]) == 1
    assert "No such account." in capsys.readouterr().err


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.one_of(st.text(max_size=40), st.none(), st.integers(), st.binary(max_size=10)))
def test_whatever_is_typed_as_a_code_opens_nothing_unless_it_is_the_code(db, mfa, sam, typed):
    with db.writing() as s:  # each example starts with no factor, so the enrolment below is the first
        s.execute(delete(SecondFactor))
        s.execute(delete(RecoveryCode))
        s.execute(delete(SignInThrottle))  # and no delays from earlier examples' wrong codes
    step = _step(db, mfa)
    secret = second_factor.enrolment_for(db, step.token).secret.replace(" ", "")
    before = _sessions(db)
    try:
        second_factor.complete(db, mfa, step.token, typed)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) == {"code"}
        assert _sessions(db) == before
    else:
        assert isinstance(typed, str) and "".join(typed.split()).replace("-", "") in {
            _code(secret, n) for n in (-1, 0, 1)}


def test_wrong_codes_after_a_right_password_add_up_to_a_wait(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    wrong = "000000" if _code(secret) != "000000" else "999999"
    with pytest.raises(auth.SignInPaused):  # the password does not wipe the count of wrong codes
        for _ in range(4):
            step = _step(db, mfa)
            for _ in range(second_factor.MAX_WRONG_CODES):
                with pytest.raises(ValidationFailed):
                    second_factor.complete(db, mfa, step.token, wrong)


def test_five_wrong_codes_while_signed_in_end_the_sessions(db, mfa, sam):
    secret, _ = _enrol(db, mfa)
    signed = second_factor.complete(db, mfa, _step(db, mfa).token, _code(secret, steps=1)).signed_in
    wrong = "000000" if _code(secret) != "000000" else "999999"
    for _ in range(second_factor.MAX_WRONG_CODES - 1):
        with pytest.raises(ValidationFailed):
            second_factor.renew_recovery_codes(db, signed.actor, wrong)
    with pytest.raises(SessionEnded):
        second_factor.renew_recovery_codes(db, signed.actor, wrong)
    assert _sessions(db) == 0
    assert len(events(db, "second_factor_failed")) == second_factor.MAX_WRONG_CODES


def test_every_sign_in_action_has_words_on_the_sign_ins_page():
    """The Sign-ins page shows each action in words, never a raw event name like identity_linked."""
    from models.services.account_admin import SIGN_IN_ACTIONS
    from models.services.audit_log import ACTION_WORDS

    assert set(SIGN_IN_ACTIONS) <= set(ACTION_WORDS), set(SIGN_IN_ACTIONS) - set(ACTION_WORDS)
