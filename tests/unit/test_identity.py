"""Sign-in through the agency's identity provider: links made by admins, verified e-mail, fresh tokens only."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.settings import ConfigError, Settings
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services import auth, identity
from models.store.entities import AuthSession, IdentityLink, User
from tests.unit.helpers import events, make_account

ISSUER = "https://login.example.org"
PASSWORD = "a long enough passphrase"


def claims(sub: str = "abc-123", email: str | None = "ana@example.org", verified: object = True,
           age: timedelta = timedelta(seconds=5), iss: str = ISSUER) -> dict[str, object]:
    issued = int((utcnow().replace(tzinfo=UTC) - age).timestamp())
    out: dict[str, object] = {"iss": iss, "sub": sub, "email_verified": verified, "iat": issued,
                              "is_logged_in": True}
    if email is not None:
        out["email"] = email
    return out


@pytest.fixture
def people(db):
    return {"ada": make_account(db, "ada", password=PASSWORD), "alex": make_account(db, "alex", password=PASSWORD),
            "sam": make_account(db, "sam", password=PASSWORD)}


def _link(db, people, who: str, **how) -> None:
    """An admin links the account; for an advocate or supervisor, a supervisor other than them confirms."""
    if identity.link(db, people["alex"], people[who].user_id, **how):
        confirmer = people["sam"] if who != "sam" else make_account(db, "bo", "supervisor", password=PASSWORD)
        identity.decide_link(db, confirmer, people[who].user_id, confirm=True)


def _sessions(db) -> int:
    with db.reading() as s:
        return len(s.scalars(select(AuthSession).where(AuthSession.ended_at.is_(None))).all())


def test_an_identity_with_no_link_gets_one_sentence_and_nothing_else(db, settings, people):
    with pytest.raises(identity.IdentityRefused) as refused:
        identity.sign_in(db, settings, identity.from_claims(claims(email="ada@example.org")))
    assert str(refused.value) == identity.NOT_LINKED
    assert _sessions(db) == 0
    with db.reading() as s:
        assert len(s.scalars(select(User)).all()) == 3  # no account was made
    [event] = events(db, "identity_sign_in_failed")
    assert event.actor_username is None and event.target is None and "example.org" not in (event.detail or "")


def test_a_link_by_verified_email_signs_in_and_pins_the_subject(db, settings, people):
    _link(db, people, "ada", email=" Ana@Example.org ")
    signed = identity.sign_in(db, settings, identity.from_claims(claims()))
    assert signed.actor.username == "ada" and signed.actor.role == "advocate"
    assert [e.detail for e in events(db, "sign_in")] == ["identity provider"]
    with db.reading() as s:
        assert s.get(IdentityLink, people["ada"].user_id).subject == f"{ISSUER} abc-123"
    # Pinned: another subject with the same address no longer opens the account.
    with pytest.raises(identity.IdentityRefused) as refused:
        identity.sign_in(db, settings, identity.from_claims(claims(sub="someone-else", age=timedelta(seconds=1))))
    assert str(refused.value) == identity.NOT_LINKED


def test_an_unverified_email_is_refused(db, settings, people):
    _link(db, people, "ada", email="ana@example.org")
    for verified in (False, None, "no", 1):
        with pytest.raises(identity.IdentityRefused) as refused:
            identity.sign_in(db, settings, identity.from_claims(claims(verified=verified)))
        assert str(refused.value) == identity.UNVERIFIED
    assert identity.sign_in(db, settings, identity.from_claims(claims(verified="true"))).actor.username == "ada"


def test_a_link_by_subject_needs_no_email(db, settings, people):
    _link(db, people, "ada", subject="abc-123", issuer=ISSUER)
    assert identity.sign_in(db, settings, identity.from_claims(claims(email=None))).actor.username == "ada"
    with pytest.raises(identity.IdentityRefused):  # the same sub from another issuer is someone else
        identity.sign_in(db, settings, identity.from_claims(claims(email=None, iss="https://other.example")))


def test_each_token_opens_one_session_and_only_while_fresh(db, settings, people):
    _link(db, people, "ada", email="ana@example.org")
    token = identity.from_claims(claims())
    identity.sign_in(db, settings, token)
    with pytest.raises(identity.IdentityRefused) as again:
        identity.sign_in(db, settings, token)  # the cookie Streamlit keeps, after the session ended
    assert str(again.value) == identity.SIGN_IN_AGAIN
    with pytest.raises(identity.IdentityRefused) as old:
        identity.sign_in(db, settings, identity.from_claims(claims(age=timedelta(minutes=6))))
    assert str(old.value) == identity.SIGN_IN_AGAIN
    with pytest.raises(identity.IdentityRefused):
        identity.sign_in(db, settings, identity.from_claims(claims(age=-timedelta(minutes=10))))  # from the future
    assert _sessions(db) == 1


def test_an_inactive_or_waiting_account_cannot_sign_in_this_way_either(db, settings, people):
    _link(db, people, "ada", email="ana@example.org")
    with db.writing() as s:
        s.get(User, people["ada"].user_id).active = False
    with pytest.raises(identity.IdentityRefused) as refused:
        identity.sign_in(db, settings, identity.from_claims(claims()))
    assert str(refused.value) == identity.CANNOT_SIGN_IN


def test_the_second_factor_applies_by_role(db, settings, people):
    _link(db, people, "sam", email="sam@example.org")
    mfa = replace(settings, mfa_required=frozenset({"supervisor"}))
    with pytest.raises(auth.SecondStepNeeded) as needed:
        identity.sign_in(db, mfa, identity.from_claims(claims(email="sam@example.org")))
    assert needed.value.step.purpose == "enrol" and _sessions(db) == 0
    assert [e.detail for e in events(db, "second_factor_asked")] == ["must set up after organisation sign-in"]


def test_password_sign_in_can_be_turned_off(db, settings, people):
    off = replace(settings, password_sign_in=False)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, off, "ada", PASSWORD)
    assert [e.detail for e in events(db, "sign_in_failed")] == ["password sign-in is off"]
    assert auth.sign_in(db, settings, "ada", PASSWORD).actor.username == "ada"
    assert Settings.from_env({"WAYPOINT_PASSWORD_SIGN_IN": "off"}).password_sign_in is False
    with pytest.raises(ConfigError, match="WAYPOINT_PASSWORD_SIGN_IN"):
        Settings.from_env({"WAYPOINT_PASSWORD_SIGN_IN": "sometimes"})


def test_only_admins_link_and_one_identity_opens_one_account(db, people):
    with pytest.raises(PermissionDenied):
        identity.link(db, people["sam"], people["ada"].user_id, email="ana@example.org")
    _link(db, people, "ada", email="ana@example.org")
    with pytest.raises(ValidationFailed) as taken:
        identity.link(db, people["alex"], people["sam"].user_id, email="ANA@example.org")
    assert "already linked" in taken.value.errors["email"]
    for bad in ({"email": "not an address"}, {"email": "x" * 300 + "@a.org"}, {}, {"subject": "abc"}):
        with pytest.raises(ValidationFailed):
            identity.link(db, people["alex"], people["sam"].user_id, **bad)
    assert identity.links(db, people["alex"])[people["ada"].user_id].email == "ana@example.org"
    identity.unlink(db, people["alex"], people["ada"].user_id)
    assert identity.links(db, people["alex"]) == {}
    assert [e.action for e in events(db) if e.action.startswith("identity_")] == [
        "identity_linked", "identity_link_confirmed", "identity_unlinked"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["iss", "sub", "email", "email_verified", "iat", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=300))))
def test_any_claims_either_parse_or_are_none_and_never_crash(db, settings, people, raw):
    parsed = identity.from_claims(raw)
    if parsed is None:
        return
    with contextlib.suppress(identity.IdentityRefused):
        identity.sign_in(db, settings, parsed)


def test_a_link_to_an_account_that_reads_records_waits_for_another_supervisor(db, settings, people):
    assert identity.link(db, people["alex"], people["ada"].user_id, email="ana@example.org") is True
    with pytest.raises(identity.IdentityRefused) as waiting:
        identity.sign_in(db, settings, identity.from_claims(claims()))
    assert str(waiting.value) == identity.LINK_WAITING and _sessions(db) == 0
    assert [p.username for p in identity.pending_links(db, people["sam"])] == ["ada"]
    with pytest.raises(PermissionDenied):
        identity.decide_link(db, people["alex"], people["ada"].user_id, confirm=True)  # an admin cannot
    identity.link(db, people["alex"], people["sam"].user_id, email="sam@example.org")
    with pytest.raises(ValidationFailed):
        identity.decide_link(db, people["sam"], people["sam"].user_id, confirm=True)  # nor the person
    identity.decide_link(db, people["sam"], people["ada"].user_id, confirm=True)
    assert identity.sign_in(db, settings, identity.from_claims(claims(age=timedelta(seconds=1)))).actor.username \
        == "ada"
    # An admin account's link works at once; a role change needs a new confirmation.
    assert identity.link(db, people["alex"], people["alex"].user_id, email="alex@example.org") is False
    with db.writing() as s:
        s.get(User, people["ada"].user_id).role = "supervisor"
    assert identity.links(db, people["alex"])[people["ada"].user_id].waiting
