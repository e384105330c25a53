"""Issue 15, item 9 leftovers: a try during a sign-in wait says it is paused and for how long (the same for an
unknown username), and an admin's Unlock on the Accounts page clears an account's waits, audited."""

from __future__ import annotations

import pytest

from models.services.auth import SIGN_IN_FAILED
from models.store.entities import AuditEvent
from tests.pages.helpers import PASSWORD, count_rows, open_page, sign_in, texts

pytestmark = pytest.mark.pages

PAUSED = "Sign-ins from here are paused for "


def _fail(app, username: str, times: int = 5) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        at = sign_in(app(), username, "not the password at all")
        assert at.error[0].value == SIGN_IN_FAILED


def _lengthen(db) -> None:  # type: ignore[no-untyped-def]
    """More failures than the test has time for on the keys that are waiting: a wait of minutes, not 2 seconds
    that a slow run could outlast."""
    from sqlalchemy import update

    from models.store.entities import SignInThrottle

    with db.writing() as s:
        s.execute(update(SignInThrottle).where(SignInThrottle.failures == 5)
                  .values(failures=SignInThrottle.failures + 6))


def test_the_right_password_during_a_wait_says_sign_ins_are_paused(app, db, people):
    _fail(app, "ada")
    _lengthen(db)
    at = sign_in(app(), "ada", PASSWORD)
    assert at.title[0].value == "Sign in to Waypoint"
    assert at.error[0].value.startswith(PAUSED + "about ") and "minutes after several" in at.error[0].value
    assert SIGN_IN_FAILED not in texts(at)
    # An unknown username with the same tries gets the very same answers: the pause tells no one who exists.
    _fail(app, "nobody-here")
    _lengthen(db)
    unknown = sign_in(app(), "nobody-here", PASSWORD)
    assert unknown.error[0].value.startswith(PAUSED)


def test_unlock_on_the_accounts_page_clears_the_wait_and_is_audited(app, db, people):
    _fail(app, "ada")
    _lengthen(db)
    admin = open_page(app, "alex", "accounts")
    captions = " ".join(c.value for c in admin.caption).replace("\\", "")
    assert "ada: sign-ins paused for about" in captions
    admin.button(key=f"unlock_{people['advocate']}").click().run()
    assert not admin.exception
    assert "Unlocked ada" in texts(admin)
    assert not [b for b in admin.button if b.key == f"unlock_{people['advocate']}"]
    assert count_rows(db, AuditEvent, AuditEvent.action == "user_unlocked",
                      AuditEvent.target == str(people["advocate"]),
                      AuditEvent.detail.like("sign-in counts cleared: %")) == 1
    at = sign_in(app(), "ada", PASSWORD)
    assert at.title[0].value == "Welcome, Ada Advocate"
