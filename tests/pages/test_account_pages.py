"""Change password, forced change after a reset, admin session and password actions, sign-ins, timeout notice."""

from __future__ import annotations

import pytest

from models.rules import passwords
from models.services import account_admin
from models.services.accounts import bootstrap_user
from tests.pages.helpers import PASSWORD, actor, open_page, sign_in, texts

pytestmark = pytest.mark.pages

NEW = "seven green kites over the bay"


def _change(at, current: str, new: str, confirm: str | None = None):  # type: ignore[no-untyped-def]
    at.text_input(key="pw_current").input(current)
    at.text_input(key="pw_new").input(new)
    at.text_input(key="pw_confirm").input(new if confirm is None else confirm)
    at.button(key="FormSubmitter:change_password-Change password").click().run()
    return at


def test_everyone_can_change_their_own_password_with_the_current_one(app, people):
    at = open_page(app, "ada", "password")
    assert at.title[0].value == "Your account"
    _change(at, "not my password", NEW)
    assert account_admin.WRONG_CURRENT in texts(at)
    assert at.text_input(key="pw_new").value == NEW  # typing kept on failure
    _change(at, PASSWORD, "password1234")
    assert passwords.TOO_COMMON in texts(at)
    _change(at, PASSWORD, NEW)
    assert not at.exception
    assert "Your password is changed" in texts(at)
    assert at.text_input(key="pw_current").value == ""  # cleared after success
    again = sign_in(app(), "ada", NEW)
    assert again.title[0].value == "Welcome, Ada Advocate"


def test_after_a_reset_the_person_can_only_change_their_password(app, people, db):
    # An admin account: an advocate's or supervisor's reset waits for a supervisor (test_security_roles_pages.py).
    ops = bootstrap_user(db, username="ops", display_name="Ops Admin", role="admin", password=PASSWORD)
    account_admin.reset_password(db, actor(people, "admin"), ops, NEW)
    at = sign_in(app(), "ops", NEW)
    assert not at.exception
    assert at.title[0].value == "Change password"
    assert "An administrator reset your password" in texts(at)
    with pytest.raises(ValueError):
        at.switch_page("views/accounts.py")
    _change(at, NEW, "a brand new lantern road")
    assert not at.exception
    at.switch_page("views/accounts.py").run()  # everything is back
    assert not at.exception


def test_admin_ends_sessions_and_resets_a_password_from_the_accounts_page(app, people, db):
    ada_tab = sign_in(app(), "ada")
    assert ada_tab.title[0].value == "Welcome, Ada Advocate"
    at = open_page(app, "alex", "accounts")
    at.selectbox(key="admin_target").set_value(people["advocate"]).run()
    at.button(key="admin_end_sessions").click().run()
    assert not at.exception
    assert "Ended 1 open session of ada." in texts(at)
    ada_tab.run()
    assert ada_tab.title[0].value == "Sign in to Waypoint"
    assert "session ended" in texts(ada_tab)

    # An advocate's reset sets no password: it waits for a supervisor, and nobody can sign in as ada meanwhile.
    at.button(key="admin_reset_reader").click().run()
    assert "Password of ada reset" in texts(at)
    assert sign_in(app(), "ada").title[0].value == "Sign in to Waypoint"

    ops = bootstrap_user(db, username="ops", display_name="Ops Admin", role="admin", password=PASSWORD)
    at.run()
    at.selectbox(key="admin_target").set_value(ops).run()
    at.text_input(key="admin_new_password").input("qwerty123456")
    at.button(key="FormSubmitter:reset_password-Reset password").click().run()
    assert passwords.TOO_COMMON in texts(at)
    assert at.text_input(key="admin_new_password").value == "qwerty123456"
    at.text_input(key="admin_new_password").input(NEW)
    at.button(key="FormSubmitter:reset_password-Reset password").click().run()
    assert "Password of ops reset" in texts(at)
    forced = sign_in(app(), "ops", NEW)
    assert forced.title[0].value == "Change password"


def test_sign_ins_page_is_for_supervisors_and_admins(app, people):
    sign_in(app(), "ada", "not the password")
    for name in ("sam", "alex"):
        at = open_page(app, name, "sign_ins")
        assert not at.exception
        assert at.title[0].value == "Sign-ins"
        frame = at.dataframe[0].value
        assert "Sign-in failed" in set(frame["What"]) and "ada" in set(frame["Person"])
    advocate = sign_in(app(), "ada")
    with pytest.raises(ValueError):
        advocate.switch_page("views/sign_ins.py")


def test_the_sidebar_warns_before_the_idle_limit_signs_someone_out(app, people, monkeypatch):
    at = sign_in(app(), "sam")
    assert not at.sidebar.warning  # fifteen minutes away: nothing to say
    monkeypatch.setenv("WAYPOINT_IDLE_MINUTES", "2")
    short = sign_in(app(), "sam")
    warning = short.sidebar.warning[0].value
    assert warning.startswith("You will be signed out in about") and warning.endswith("unless you continue.")
    assert short.sidebar.button(key="stay_signed_in")
