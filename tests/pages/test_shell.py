"""The entry script: sign-in, role-built navigation, sign-out, and a refused start on broken content."""

from __future__ import annotations

import pytest

from models.services.auth import SIGN_IN_FAILED
from tests.pages.helpers import PEOPLE, open_page, sign_in, texts

pytestmark = pytest.mark.pages


def test_empty_database_says_how_to_create_the_first_account_and_offers_no_sign_up(app, db):
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Sign in to Waypoint"
    assert "No accounts exist yet" in at.warning[0].value
    assert "./waypoint demo" in at.warning[0].value
    labels = [b.label for b in at.button]
    assert labels == ["Sign in"]  # nothing that creates an account


def test_wrong_password_shows_one_message_and_keeps_the_username(app, people):
    at = sign_in(app(), "ada", "not the password")
    assert at.error[0].value == SIGN_IN_FAILED
    assert at.text_input(key="signin_username").value == "ada"
    at2 = sign_in(app(), "nobody-here", "not the password")
    assert at2.error[0].value == SIGN_IN_FAILED


@pytest.mark.parametrize("role", ["advocate", "supervisor", "admin"])
def test_each_role_reaches_its_home(app, people, role):
    username, display = PEOPLE[role]
    at = sign_in(app(), username)
    assert not at.exception
    assert at.title[0].value == f"Welcome, {display}"
    assert f"**{display}**" in at.sidebar.markdown[0].value


def test_advocate_with_no_clients_is_told_what_to_do_next(app, people):
    at = sign_in(app(), "ada")
    assert "no open clients yet" in texts(at)


def test_supervisor_home_shows_team_counts(app, people):
    at = sign_in(app(), "sam")
    labels = [m.label for m in at.metric]
    assert "Open clients" in labels and "Overdue follow-ups" in labels


def test_accounts_page_exists_only_for_admins(app, people):
    at = open_page(app, "alex", "accounts")
    assert at.title[0].value == "Accounts"
    advocate = sign_in(app(), "ada")
    with pytest.raises(ValueError):
        advocate.switch_page("views/accounts.py")


def test_sign_out_returns_to_sign_in(app, people):
    at = sign_in(app(), "sam")
    at.sidebar.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in to Waypoint"
    assert "You are signed out." in texts(at)


def test_broken_content_stops_the_app_with_a_message_naming_the_file(app, tmp_path, monkeypatch):
    import shutil

    from models.base.settings import REPO_ROOT

    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    pack = content / "resources" / "us-national.yaml"
    pack.write_text(pack.read_text().replace("1-800-799-7233", "1-800-79", 1))
    monkeypatch.setenv("WAYPOINT_CONTENT_DIR", str(content))
    at = app().run()
    assert "cannot start" in at.error[0].value
    assert "us-national.yaml" in at.code[0].value
    assert not at.text_input
