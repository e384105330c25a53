"""Issue 15, item 4 on the pages: an admin's new supervisor waits for another supervisor, who sees it on Home,
confirms it and gets a one-time setup code; the person uses it on the sign-in page to choose their password."""

from __future__ import annotations

import pytest

from models.services.auth import SIGN_IN_FAILED
from tests.pages.helpers import PASSWORD, open_page, sign_in, texts

pytestmark = pytest.mark.pages

CHOSEN = "lantern meadow copper finch"


def _shown(at) -> str:  # type: ignore[no-untyped-def]
    return texts(at) + "\n" + "\n".join(str(h.value) for h in at.header)


def _set_up(at, username: str, code: str, new: str = CHOSEN):  # type: ignore[no-untyped-def]
    at.run()
    at.text_input(key="setup_username").input(username)
    at.text_input(key="setup_code").input(code)
    at.text_input(key="setup_new").input(new)
    at.text_input(key="setup_confirm").input(new)
    at.button(key="FormSubmitter:set_up-Set my password and sign in").click().run()
    return at


def test_an_admin_made_supervisor_waits_for_a_supervisor_and_the_person_sets_their_password(app, people):
    admin = open_page(app, "alex", "accounts")
    admin.selectbox(key="new_role").set_value("supervisor").run()
    assert not [t for t in admin.text_input if t.key == "new_password"]  # the admin sets no password
    admin.text_input(key="new_username").input("mallory")
    admin.text_input(key="new_display_name").input("Mallory Supervisor")
    admin.button(key="FormSubmitter:new_account-Create account").click().run()
    assert not admin.exception
    assert "waits for a supervisor to confirm it" in texts(admin)
    assert "waiting for a supervisor" in admin.dataframe[0].value["Status"].tolist()

    refused = sign_in(app(), "mallory", PASSWORD)  # the attack: no password works
    assert refused.title[0].value == "Sign in to Waypoint" and SIGN_IN_FAILED in texts(refused)

    sam = sign_in(app(), "sam")
    assert "Accounts waiting for a supervisor" in _shown(sam)
    assert "Mallory Supervisor" in texts(sam) and "new account asked by alex" in texts(sam)
    confirm = [b for b in sam.button if b.key and b.key.startswith("review_confirm_")]
    confirm[0].click().run()
    assert not sam.exception
    code = sam.code[0].value
    assert "one-time setup code" in texts(sam)
    sam.run()  # shown once: gone at the next run
    assert not sam.code

    wrong = _set_up(app(), "mallory", "AAAA-BBBB-CCCC")
    assert SIGN_IN_FAILED in texts(wrong) and wrong.title[0].value == "Sign in to Waypoint"
    weak = _set_up(app(), "mallory", code, "password1234")
    assert "common" in texts(weak).lower()
    person = _set_up(app(), "mallory", code)
    assert not person.exception
    assert person.title[0].value == "Welcome, Mallory Supervisor"
    again = sign_in(app(), "mallory", CHOSEN)
    assert again.title[0].value == "Welcome, Mallory Supervisor"


def test_a_supervisor_declines_and_advocates_see_no_confirmations(app, people):
    admin = open_page(app, "alex", "accounts")
    admin.selectbox(key="new_role").set_value("advocate").run()
    admin.text_input(key="new_username").input("newbie")
    admin.text_input(key="new_display_name").input("New Advocate")
    admin.button(key="FormSubmitter:new_account-Create account").click().run()
    ada = sign_in(app(), "ada")
    assert "Accounts waiting" not in _shown(ada)
    sam = sign_in(app(), "sam")
    assert [m.value for m in sam.metric if m.label == "Active advocates"] == ["1"]  # newbie waits: not counted
    decline = [b.key for b in sam.button if b.key and b.key.startswith("review_decline_")][0]
    sam.button(key=decline).click().run()  # Decline asks once more ...
    assert "Decline newbie?" in texts(sam) and "Declined" not in texts(sam)
    [b for b in sam.button if b.key and b.key.startswith("review_decline_no_")][0].click().run()
    assert "Decline newbie?" not in texts(sam) and "Accounts waiting for a supervisor" in _shown(sam)
    sam.button(key=decline).click().run()
    [b for b in sam.button if b.key and b.key.startswith("review_decline_yes_")][0].click().run()
    assert not sam.exception
    assert "Declined" in texts(sam)
    sam.run()
    assert "Accounts waiting for a supervisor" not in _shown(sam)
    admin.run()  # the Accounts page says so, not "ready"
    statuses = dict(zip(admin.dataframe[0].value["Username"], admin.dataframe[0].value["Status"], strict=True))
    assert statuses["newbie"] == "declined: deactivated, no password" and statuses["ada"] == "ready"
