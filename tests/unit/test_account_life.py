"""Issue 16, item 3: the life of a staff account. Deactivating and reactivating, a new role under the supervisor
rule, a new display name, the same at the command line, and a supervisor handing a leaver's clients over."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard import cli
from models.base.errors import ValidationFailed
from models.base.settings import Settings
from models.rules.permissions import PermissionDenied
from models.services import account_admin, account_life, account_review, accounts, auth, handover
from models.services.checkins import client_timeline
from models.services.clients import open_client
from models.services.liveness import SessionEnded
from models.store.entities import AuditEvent, AuthSession, Client, User
from tests.unit.helpers import client_with_check_in, context_code, make_account, new_client

PASSWORD = "correct horse battery staple 7"
CHOSEN = "lantern meadow copper finch"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, lockout_attempts=1000, mfa_required=frozenset())  # password only


@pytest.fixture
def team(db, settings):  # type: ignore[no-untyped-def]
    """ada, bo and cy (advocates), sam and sue (supervisors), alex (admin): each signed in once."""
    for name, role in (("ada", "advocate"), ("bo", "advocate"), ("cy", "advocate"), ("alex", "admin"),
                       ("sam", "supervisor"), ("sue", "supervisor")):
        make_account(db, name, role, password=PASSWORD)
    return {name: auth.sign_in(db, settings, name, PASSWORD).actor
            for name in ("ada", "bo", "cy", "alex", "sam", "sue")}


def _actions(db, action: str, outcome: str = "ok") -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.outcome == outcome)
                              .order_by(AuditEvent.id)))


def _user(db, user_id: int) -> User:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user


def _owners(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        return dict(s.execute(select(Client.code, Client.advocate_id)).all())


def _open_sessions(db, user_id: int) -> int:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        return len(s.scalars(select(AuthSession).where(AuthSession.user_id == user_id,
                                                       AuthSession.ended_at.is_(None))).all())


# --------------------------------------------------------------------------- deactivate and reactivate


def test_deactivating_ends_sessions_at_once_refuses_sign_in_and_keeps_the_records(db, settings, content, team):
    ada, alex, sam = team["ada"], team["alex"], team["sam"]
    code, saved = client_with_check_in(db, ada, content, days_ago=5)
    tab = auth.sign_in(db, settings, "ada", PASSWORD)  # a second tab
    assert _open_sessions(db, ada.user_id) == 2
    accounts.set_active(db, alex, ada.user_id, False)
    assert _open_sessions(db, ada.user_id) == 0  # ended at once, not at her next click
    with pytest.raises(SessionEnded):  # her next action in the first tab is refused, nothing saved
        open_client(db, ada, content, relationship_context=context_code(content), factors=[])
    assert auth.resume(db, settings, tab.token) is None
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD)
    # Her client and check-in stay, still under her name.
    timeline = client_timeline(db, sam, content, code)
    assert [c.recorded_by for c in timeline.check_ins] == ["Ada"] and _owners(db)[code] == ada.user_id
    (row,) = _actions(db, "user_deactivated")
    assert row.actor_id == alex.user_id and row.target == str(ada.user_id) and row.detail == "2 sessions ended"
    with db.reading() as s:
        reasons = set(s.scalars(select(AuthSession.end_reason).where(AuthSession.user_id == ada.user_id)))
    assert reasons == {"account_inactive"}
    (shown,) = [e for e in account_admin.sign_in_history(db, sam) if e.action == "user_deactivated"]
    assert (shown.person, shown.about) == ("alex", "ada")  # on the Sign-ins page too
    # Reactivated, she signs in with her own password again.
    accounts.set_active(db, alex, ada.user_id, True)
    assert auth.sign_in(db, settings, "ada", PASSWORD).actor.user_id == ada.user_id
    assert len(_actions(db, "user_activated")) == 1


def test_only_admins_deactivate_and_never_themselves(db, team):
    for who in ("ada", "sam"):
        with pytest.raises(PermissionDenied):
            accounts.set_active(db, team[who], team["bo"].user_id, False)
    with pytest.raises(ValidationFailed) as refused:
        accounts.set_active(db, team["alex"], team["alex"].user_id, False)
    assert set(refused.value.errors) == {"user"}
    assert _user(db, team["bo"].user_id).active and _user(db, team["alex"].user_id).active


# --------------------------------------------------------------------------- roles


def test_a_new_record_reading_role_waits_for_a_supervisor_like_a_reset(db, settings, content, team):
    """The attack the rule stops: an admin makes an admin account with a password they know, turns it into a
    supervisor and reads notes with it. Now the account loses its password and waits for a supervisor."""
    alex = team["alex"]
    made = accounts.create_user(db, alex, username="spare", display_name="Spare", role="admin", password=CHOSEN)
    session = auth.sign_in(db, settings, "spare", CHOSEN)
    changed = account_life.change_role(db, alex, made, "supervisor")
    assert (changed.old_role, changed.new_role, changed.waits, changed.has_password) == \
        ("admin", "supervisor", True, False)
    assert auth.resume(db, settings, session.token) is None
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "spare", CHOSEN)
    (waiting,) = account_review.pending_accounts(db, team["sam"])
    assert (waiting.username, waiting.role, waiting.reason, waiting.requested_by) == \
        ("spare", "supervisor", "role change", "alex")
    (row,) = _actions(db, "role_changed")
    assert row.detail == "admin to supervisor; waiting for a supervisor; 1 sessions ended"
    setup = account_review.confirm_account(db, team["sam"], made)
    signed = auth.set_up_password(db, settings, "spare", setup.code, "brass otter lagoon quill", address=None)
    assert signed.actor.role == "supervisor"


def test_a_role_change_ends_the_session_under_the_old_role(db, settings, content, team):
    """Advocate to supervisor: the tab she had ends, and she waits for a supervisor like a new account."""
    bo = team["bo"]
    account_life.change_role(db, team["alex"], bo.user_id, "supervisor")
    with pytest.raises(SessionEnded):  # her next action as an advocate is refused, nothing saved
        open_client(db, bo, content, relationship_context=context_code(content), factors=[])
    assert _user(db, bo.user_id).pending_reason == "role change"


def test_a_change_to_admin_works_at_once_with_the_persons_own_password(db, settings, team):
    sue = team["sue"]
    changed = account_life.change_role(db, team["alex"], sue.user_id, "admin")
    assert (changed.waits, changed.has_password, changed.sessions_ended) == (False, True, 1)
    assert auth.sign_in(db, settings, "sue", PASSWORD).actor.role == "admin"


def test_role_changes_refused_in_words_and_nothing_changes(db, content, team):
    alex, ada = team["alex"], team["ada"]
    new_client(db, ada, content)
    cases = [
        (alex.user_id, "supervisor", "role", account_life.OWN_ROLE),
        (team["bo"].user_id, "advocate", "role", account_life.SAME_ROLE),
        (team["bo"].user_id, "root", "role", account_life.CHOOSE_ROLE),
        (team["bo"].user_id, None, "role", account_life.CHOOSE_ROLE),
        (ada.user_id, "supervisor", "role", account_life.still_has_clients(1)),
        (999_999, "admin", "user", account_life.NO_SUCH_ACCOUNT),
        (True, "admin", "user", account_life.NO_SUCH_ACCOUNT),
    ]
    for user_id, role, field, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            account_life.change_role(db, alex, user_id, role)  # type: ignore[arg-type]
        assert refused.value.errors == {field: message}
    accounts.set_active(db, alex, team["cy"].user_id, False)
    with pytest.raises(ValidationFailed) as refused:
        account_life.change_role(db, alex, team["cy"].user_id, "supervisor")
    assert refused.value.errors == {"role": account_life.INACTIVE}
    for who in ("ada", "sam"):
        with pytest.raises(PermissionDenied):
            account_life.change_role(db, team[who], team["bo"].user_id, "admin")
    assert [u.role for u in accounts.list_users(db, alex) if u.username in ("ada", "bo", "cy")] == ["advocate"] * 3
    assert _actions(db, "role_changed") == []


# --------------------------------------------------------------------------- display names


def test_rename_is_plain_text_validated_and_audited_without_the_name(db, team):
    alex, bo = team["alex"], team["bo"]
    account_life.rename(db, alex, bo.user_id, "  Bo <b>Ng</b> ")
    assert _user(db, bo.user_id).display_name == "Bo <b>Ng</b>"
    (row,) = _actions(db, "display_name_changed")
    assert row.target == str(bo.user_id) and row.detail is None
    account_life.rename(db, alex, alex.user_id, "Alex R")  # an admin may rename themselves
    for bad in ("", "   ", "x" * 121, "Bo\x00", "Bo\u202eevil", 7, None):
        with pytest.raises(ValidationFailed) as refused:
            account_life.rename(db, alex, bo.user_id, bad)  # type: ignore[arg-type]
        assert set(refused.value.errors) == {"display_name"}
    with pytest.raises(ValidationFailed) as refused:
        account_life.rename(db, alex, bo.user_id, "Bo <b>Ng</b>")
    assert refused.value.errors == {"display_name": account_life.SAME_NAME}
    with pytest.raises(PermissionDenied):
        account_life.rename(db, team["sam"], bo.user_id, "Someone")
    assert _user(db, bo.user_id).display_name == "Bo <b>Ng</b>"


# --------------------------------------------------------------------------- hand-over


def _caseload(db, content, advocate, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [new_client(db, advocate, content, days_ago=30 - i).code for i in range(n)]


def test_a_supervisor_hands_a_leavers_clients_over_evenly_each_audited(db, content, team):
    ada, bo, cy, sam, alex = team["ada"], team["bo"], team["cy"], team["sam"], team["alex"]
    codes = _caseload(db, content, ada, 5)
    accounts.set_active(db, alex, ada.user_id, False)
    (first, *_) = handover.holders(db, sam)
    assert (first.username, first.active, first.open_clients) == ("ada", False, 5)
    listed = [c.code for c in handover.open_clients(db, sam, ada.user_id)]
    assert sorted(listed) == sorted(codes)
    plan = handover.spread_evenly(listed, [bo.user_id, cy.user_id])
    taken = handover.hand_over(db, sam, ada.user_id, plan)
    assert taken == {bo.user_id: 3, cy.user_id: 2}
    owners = _owners(db)
    assert {owners[c] for c in codes} == {bo.user_id, cy.user_id}
    moved = _actions(db, "client_reassigned")
    assert sorted(r.target for r in moved) == sorted(codes)  # one row per client
    assert all(r.actor_id == sam.user_id and r.detail.startswith(f"from user {ada.user_id} to user ") for r in moved)
    (summary,) = _actions(db, "clients_handed_over")
    assert summary.target == str(ada.user_id) and summary.detail == "5 clients to 2 advocates"
    assert handover.holders(db, sam)[0].username != "ada"


def test_a_hand_over_chosen_client_by_client(db, content, team):
    ada, bo, cy, sam = team["ada"], team["bo"], team["cy"], team["sam"]
    first, second = _caseload(db, content, ada, 2)
    assert handover.hand_over(db, sam, ada.user_id, {first: cy.user_id, second: cy.user_id}) == {cy.user_id: 2}
    assert _owners(db) == {first: cy.user_id, second: cy.user_id}
    assert bo.user_id not in _owners(db).values()


def test_hand_overs_refused_whole_with_nothing_moved(db, content, team):
    ada, bo, cy, sam, sue, alex = (team[n] for n in ("ada", "bo", "cy", "sam", "sue", "alex"))
    codes = _caseload(db, content, ada, 3)
    accounts.set_active(db, alex, cy.user_id, False)
    before = _owners(db)
    cases = [
        ({c: cy.user_id for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),  # deactivated advocate
        ({c: sue.user_id for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),  # a supervisor
        ({c: alex.user_id for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),  # an admin
        ({c: ada.user_id for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),  # back to herself
        ({**{c: bo.user_id for c in codes[:2]}, codes[2]: cy.user_id}, "targets", handover.ONLY_ACTIVE_ADVOCATES),
        ({c: 999_999 for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),
        ({c: True for c in codes}, "targets", handover.ONLY_ACTIVE_ADVOCATES),
        ({c: bo.user_id for c in codes[:2]}, "clients", handover.LIST_CHANGED),  # one left out
        ({**{c: bo.user_id for c in codes}, "ZZZ-ZZZ": bo.user_id}, "clients", handover.LIST_CHANGED),
        ({}, "targets", handover.CHOOSE_TARGETS),
        ([], "targets", handover.CHOOSE_TARGETS),
    ]
    for assignments, field, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            handover.hand_over(db, sam, ada.user_id, assignments)  # type: ignore[arg-type]
        assert refused.value.errors == {field: message}, assignments
    with pytest.raises(ValidationFailed) as refused:
        handover.hand_over(db, sam, bo.user_id, {codes[0]: ada.user_id})
    assert refused.value.errors == {"from": handover.NOTHING_OPEN}
    with pytest.raises(ValidationFailed) as refused:
        handover.hand_over(db, sam, 999_999, {codes[0]: bo.user_id})
    assert refused.value.errors == {"from": handover.NO_SUCH_ACCOUNT}
    with pytest.raises(ValidationFailed):
        handover.spread_evenly(codes, [])
    assert _owners(db) == before
    assert _actions(db, "client_reassigned") == [] and _actions(db, "clients_handed_over") == []


def test_only_supervisors_hand_over_and_refusals_are_audited(db, content, team):
    ada, bo = team["ada"], team["bo"]
    codes = _caseload(db, content, ada, 2)
    before = _owners(db)
    for who in ("ada", "bo", "alex"):
        for action in (lambda a: handover.holders(db, a), lambda a: handover.open_clients(db, a, ada.user_id),
                       lambda a: handover.hand_over(db, a, ada.user_id, {c: bo.user_id for c in codes})):
            with pytest.raises(PermissionDenied):
                action(team[who])
    assert _owners(db) == before
    assert len(_actions(db, "clients_handed_over", "denied")) == 9


def test_a_role_change_from_advocate_is_allowed_once_the_clients_are_handed_over(db, content, team):
    ada, bo, sam, alex = team["ada"], team["bo"], team["sam"], team["alex"]
    codes = _caseload(db, content, ada, 2)
    with pytest.raises(ValidationFailed):
        account_life.change_role(db, alex, ada.user_id, "supervisor")
    handover.hand_over(db, sam, ada.user_id, {c: bo.user_id for c in codes})
    assert account_life.change_role(db, alex, ada.user_id, "supervisor").waits


# --------------------------------------------------------------------------- the command line


def test_the_command_line_is_immediate_and_audited(db, settings, team, monkeypatch, capsys):
    monkeypatch.setenv("WAYPOINT_DATABASE_URL", settings.database_url)
    monkeypatch.setattr(cli, "get_database", lambda url, **options: db)
    tab = auth.sign_in(db, settings, "bo", PASSWORD)
    assert cli.main(["deactivate", "BO"]) == 0
    assert auth.resume(db, settings, tab.token) is None and not _user(db, team["bo"].user_id).active
    assert cli.main(["reactivate", "bo"]) == 0
    assert cli.main(["set-role", "bo", "supervisor"]) == 0  # immediate: keeps her password, no wait
    assert auth.sign_in(db, settings, "bo", PASSWORD).actor.role == "supervisor"
    assert cli.main(["rename", "bo", "Bo Ng"]) == 0
    assert _user(db, team["bo"].user_id).display_name == "Bo Ng"
    assert cli.main(["accounts"]) == 0
    out = capsys.readouterr().out
    assert "bo" in out and "Bo Ng" in out and "supervisor" in out
    # Refusals: one plain line each, nothing changed.
    assert cli.main(["set-role", "nobody", "admin"]) == 1
    with pytest.raises(SystemExit):
        cli.main(["set-role", "bo", "root"])  # argparse refuses the choice itself
    assert cli.main(["rename", "bo", "x\x00"]) == 1
    err = capsys.readouterr().err
    assert "No account has that username." in err and "control characters" in err
    rows = _actions(db, "role_changed")
    assert rows[-1].actor_id is None and rows[-1].detail.endswith("at the command line")


def test_a_waiting_account_made_admin_says_it_has_no_password_until_an_admin_reset(db, settings, team):
    """An advocate account made by mistake, still waiting, becomes an admin: no wait, no code, no password yet."""
    alex = team["alex"]
    made = accounts.create_user(db, alex, username="newbie", display_name="New Person", role="advocate")
    changed = account_life.change_role(db, alex, made, "admin")
    assert (changed.waits, changed.has_password) == (False, False)
    assert account_review.pending_accounts(db, team["sam"]) == []
    (row,) = [u for u in accounts.list_users(db, alex) if u.username == "newbie"]
    assert row.status == accounts.NO_PASSWORD_YET
    account_admin.reset_password(db, alex, made, CHOSEN)
    assert auth.sign_in(db, settings, "newbie", CHOSEN).actor.must_change_password
    (row,) = [u for u in accounts.list_users(db, alex) if u.username == "newbie"]
    assert row.status == ""
