"""The password policy: length and a list of the commonest passwords, never composition rules."""

from __future__ import annotations

import pytest

from models.base.errors import ValidationFailed
from models.rules import passwords
from models.services import accounts


@pytest.mark.parametrize("good", [
    "correct horse battery staple",
    "quiet harbour lamp",
    "all lower case and no digits",  # no composition rules
    "ÿet ånother påssphrase",
    "839201746352",  # long random digits are fine
])
def test_long_uncommon_passwords_pass_whatever_they_are_made_of(good):
    assert passwords.problem(good, username="ada", display_name="Ada Advocate") is None


@pytest.mark.parametrize(("bad", "message"), [
    ("short pass", passwords.TOO_SHORT),
    ("x" * (passwords.MAX_LENGTH + 1), passwords.TOO_LONG),
    ("password1234", passwords.TOO_COMMON),
    ("PASSWORD1234", passwords.TOO_COMMON),  # case does not help
    ("qwerty123456", passwords.TOO_COMMON),
    ("iloveyou2024!!", passwords.TOO_COMMON),  # a common one with digits and symbols stuck on
    ("xxxxxxxxxxxx", passwords.TOO_SIMPLE),
    ("abcabcabcabc", passwords.TOO_SIMPLE),
    ("123456789012", passwords.TOO_SIMPLE),
    ("ponmlkjihgfedc", passwords.TOO_SIMPLE),
    ("ada-was-here-2026", passwords.HAS_NAME),
    ("my name: Ada Advocate", passwords.HAS_NAME),
])
def test_weak_passwords_are_refused_with_a_reason(bad, message):
    assert passwords.problem(bad, username="ada", display_name="Ada Advocate") == message


def test_the_list_is_shipped_and_sizeable():
    common = passwords.common_passwords()
    assert len(common) > 5000
    assert {"123456", "password", "iloveyou", "qwertyuiop"} <= common
    assert not any(entry.startswith("#") for entry in common)


def test_messages_name_the_limits_and_ask_for_no_symbols():
    assert str(passwords.MIN_LENGTH) in passwords.TOO_SHORT
    for message in (passwords.TOO_SHORT, passwords.TOO_COMMON, passwords.TOO_SIMPLE, passwords.HAS_NAME):
        assert "symbol" not in message and "digit" not in message and "upper" not in message


def test_accounts_apply_the_policy_next_to_the_password_field(db):
    with pytest.raises(ValidationFailed) as exc:
        accounts.bootstrap_user(db, username="ada", display_name="Ada", role="advocate", password="password1234")
    assert exc.value.errors == {"password": passwords.TOO_COMMON}
    with pytest.raises(ValidationFailed) as named:
        accounts.bootstrap_user(db, username="ada", display_name="Ada", role="advocate", password="ada ada ada ada")
    assert set(named.value.errors) == {"password"}
    assert accounts.bootstrap_user(db, username="ada", display_name="Ada", role="advocate",
                                   password="quiet harbour lamp") > 0
