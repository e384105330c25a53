"""Issue 16, item 3 on the pages: the Accounts page's "Change an account" (display name, role, deactivate and
reactivate), its forms starting empty, and the supervisors' Hand over clients page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.services import account_life, accounts
from models.store.entities import Client
from tests.pages.helpers import PASSWORD, actor, make_account, new_client, open_page, sign_in, texts

pytestmark = pytest.mark.pages


def _errors(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in at.error)


def test_the_accounts_page_chooses_no_account_for_the_admin(app, people):
    at = open_page(app, "alex", "accounts")
    assert at.selectbox(key="admin_target").value is None  # not the admin's own account
    assert at.selectbox(key="life_target").value is None
    assert not [b for b in at.button if b.key == "admin_end_sessions"]
    assert "Last sign-in" in at.dataframe[0].value.columns


def test_after_creating_an_account_the_form_is_empty_again(app, people):
    at = open_page(app, "alex", "accounts")
    at.selectbox(key="new_role").set_value("admin").run()
    at.text_input(key="new_username").input("ops")
    at.text_input(key="new_display_name").input("Ops Admin")
    at.text_input(key="new_password").input("x")  # refused: the typing stays
    at.button(key="FormSubmitter:new_account-Create account").click().run()
    assert at.text_input(key="new_username").value == "ops"
    at.text_input(key="new_password").input("seven green kites over the bay")
    at.button(key="FormSubmitter:new_account-Create account").click().run()
    assert not at.exception and "Account ops created as admin." in texts(at)
    assert at.text_input(key="new_username").value == ""
    assert at.text_input(key="new_display_name").value == ""
    assert at.selectbox(key="new_role").value == "advocate"
    at.run()
    assert at.text_input(key="new_username").value == ""


def test_an_admin_deactivates_someone_mid_session_and_reactivates_them(app, people):
    ada_tab = sign_in(app(), "ada")
    assert ada_tab.title[0].value == "Welcome, Ada Advocate"
    at = open_page(app, "alex", "accounts")
    at.selectbox(key="life_target").set_value(people["advocate"]).run()
    at.button(key="life_deactivate").click().run()
    at.button(key="life_deactivate_no").click().run()  # asked once more; cancelled, nothing happens
    assert ada_tab.run().title[0].value == "Welcome, Ada Advocate"
    at.button(key="life_deactivate").click().run()
    assert "Deactivate ada now?" in texts(at)
    at.button(key="life_deactivate_yes").click().run()
    assert not at.exception and "ada is deactivated; their sessions ended." in texts(at)
    table = at.dataframe[0].value
    assert table.loc[table["Username"] == "ada", "Active"].tolist() == [False]
    ada_tab.run()
    assert ada_tab.title[0].value == "Sign in to Waypoint"
    assert sign_in(app(), "ada").title[0].value == "Sign in to Waypoint"
    at.button(key="life_reactivate").click().run()
    assert "ada can sign in again." in texts(at)
    assert sign_in(app(), "ada").title[0].value == "Welcome, Ada Advocate"


def test_a_display_name_is_checked_next_to_the_field_and_typing_kept(app, people):
    at = open_page(app, "alex", "accounts")
    ada = people["advocate"]
    at.selectbox(key="life_target").set_value(ada).run()
    at.text_input(key=f"life_name_{ada}").input("Ada\u202eevil")
    at.button(key=f"FormSubmitter:life_rename_{ada}-Save display name").click().run()
    assert "control characters" in _errors(at)
    assert at.text_input(key=f"life_name_{ada}").value == "Ada\u202eevil"
    at.text_input(key=f"life_name_{ada}").input("Ada ![x](http://evil.example/x.png)")
    at.button(key=f"FormSubmitter:life_rename_{ada}-Save display name").click().run()
    assert not at.exception and "Display name of ada changed." in texts(at)
    table = at.dataframe[0].value
    assert table.loc[table["Username"] == "ada", "Name"].tolist() == ["Ada ![x](http://evil.example/x.png)"]


def test_a_role_change_waits_for_a_supervisor_and_an_advocates_clients_go_first(app, people, db, content):
    ops = make_account(db, "ops", "admin", password=PASSWORD, display_name="Ops Admin")
    new_client(db, actor(people, "advocate"), content)
    at = open_page(app, "alex", "accounts")
    ada = people["advocate"]
    at.selectbox(key="life_target").set_value(ada).run()
    at.selectbox(key=f"life_role_{ada}").set_value("supervisor")
    at.button(key=f"FormSubmitter:life_role_{ada}-Change role").click().run()
    assert account_life.still_has_clients(1) in _errors(at)
    at.selectbox(key="life_target").set_value(ops.user_id).run()
    assert not _errors(at)  # another account: the earlier refusal is not shown next to it
    at.selectbox(key=f"life_role_{ops.user_id}").set_value("supervisor")
    at.button(key=f"FormSubmitter:life_role_{ops.user_id}-Change role").click().run()
    assert not at.exception and "waiting for a supervisor to confirm it" in texts(at)
    table = at.dataframe[0].value
    assert table.loc[table["Username"] == "ops", "Status"].tolist() == ["waiting for a supervisor"]
    assert sign_in(app(), "ops").title[0].value == "Sign in to Waypoint"
    sam = sign_in(app(), "sam")
    assert "role change asked by alex" in texts(sam)


def test_an_admin_cannot_change_their_own_role_on_the_page(app, people):
    at = open_page(app, "alex", "accounts")
    at.selectbox(key="life_target").set_value(people["admin"]).run()
    assert not [s for s in at.selectbox if s.key == f"life_role_{people['admin']}"]
    assert not [b for b in at.button if b.key == "life_deactivate"]


def test_a_supervisor_hands_a_leavers_clients_over(app, people, db, content):
    bo = make_account(db, "bo", "advocate", password=PASSWORD, display_name="Bo Advocate")
    cy = make_account(db, "cy", "advocate", password=PASSWORD, display_name="Cy Advocate")
    ada = people["advocate"]
    codes = [new_client(db, actor(people, "advocate"), content, days_ago=20 - i).code for i in range(3)]
    accounts.set_active(db, actor(people, "admin"), ada, False)
    caseloads = open_page(app, "sam", "caseload")
    assert "3 open clients still belong to a deactivated account" in texts(caseloads)
    at = open_page(app, "sam", "handover")
    assert not at.exception and at.title[0].value == "Hand over clients"
    at.selectbox(key="ho_from").set_value(ada).run()
    at.multiselect(key=f"ho_to_{ada}").set_value([bo.user_id, cy.user_id]).run()
    assert "Spread evenly" in texts(at)
    per_client = [s for s in at.selectbox if s.key and s.key.startswith(f"ho_{ada}_")]
    assert len(per_client) == 3
    assert [p.value for p in per_client] == [bo.user_id, cy.user_id, bo.user_id]  # dealt in turn
    per_client[1].set_value(bo.user_id)  # the supervisor keeps that one with bo instead
    at.button(key=f"FormSubmitter:ho_form_{ada}-Hand over 3 clients").click().run()
    assert not at.exception
    assert "Handed over 3 clients of Ada Advocate" in texts(at)
    with db.reading() as s:
        owners = dict(s.execute(select(Client.code, Client.advocate_id)).all())
    assert {owners[c] for c in codes} == {bo.user_id}
    assert at.selectbox(key="ho_from").value is None  # ada is no longer in the list: bo is, with three
    caseloads.run()
    assert "deactivated account" not in texts(caseloads)


def test_only_supervisors_have_the_hand_over_page(app, people):
    for who in ("ada", "alex"):
        at = sign_in(app(), who)
        with pytest.raises(ValueError):
            at.switch_page("views/handover.py")
