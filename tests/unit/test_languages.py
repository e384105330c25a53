"""Languages: catalogs complete and in step with the code, content translations checked against the English,
the language a person reads, and numbers and dates written the language's way."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po, write_po

from dashboard import catalogs
from models.base import i18n, timeutil
from models.base.errors import ValidationFailed
from models.base.settings import REPO_ROOT, ConfigError, Settings
from models.content.loader import ContentError, load_content, load_translation
from models.rules.permissions import PermissionDenied
from models.services import account_admin, auth, client_language
from models.store.entities import User
from tests.unit.helpers import events, make_account

CONTENT = REPO_ROOT / "content"
PACKS = ("us-national",)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A content folder of our own to break."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _po(path: Path) -> tuple:  # type: ignore[type-arg]
    with path.open("rb") as f:
        return read_po(f, locale="es")


def _write(path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    write_po(buf, catalog)
    path.write_bytes(buf.getvalue())


# --- catalogs --------------------------------------------------------------------------------------------------

def test_every_language_has_every_text_of_the_code_translated():
    i18n.load(CONTENT)
    assert catalogs.problems(CONTENT) == []


def test_the_template_holds_exactly_the_texts_in_the_code():
    """A text added to the code and not to the catalogs would show in English to everyone: run ./waypoint catalog."""
    committed = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in _po(CONTENT / catalogs.TEMPLATE)
                 if m.id}
    extracted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalogs.extract() if m.id}
    assert extracted - committed == set(), "new texts: run ./waypoint catalog and translate them"
    assert committed - extracted == set(), "texts the code no longer has: run ./waypoint catalog"


def test_a_translation_that_changes_a_placeholder_or_is_unchecked_or_empty_is_reported(copy: Path):
    i18n.load(copy)
    path = copy / "locale" / "es.po"
    catalog = _po(path)
    catalog["Save {file}"].string = "Guardar {archivo}"
    catalog["Sign out"].flags.add("fuzzy")
    catalog["Username"].string = ""
    _write(path, catalog)
    found = "\n".join(catalogs.problems(copy))
    assert "placeholders differ in 'Save {file}'" in found
    assert "marked fuzzy (unchecked): 'Sign out'" in found
    assert "not translated: 'Username'" in found
    # A fuzzy entry is never shown: the English is, until someone checks the guess.
    i18n.load(copy)
    with i18n.using("es"):
        assert i18n._("Sign out") == "Sign out"
        assert i18n._("Password") == "Contraseña"


def test_a_missing_catalog_or_a_language_not_listed_stops_start_up(copy: Path):
    (copy / "locale" / "es.po").unlink()
    with pytest.raises(i18n.LanguageError, match=r"content/locale/es.po: missing"):
        i18n.load(copy)
    with pytest.raises(i18n.LanguageError, match=r"WAYPOINT_LANGUAGE is 'fr'.*listed: en, es"):
        i18n.load(CONTENT, "fr")


@pytest.mark.parametrize(("entry", "problem"), [
    ({"code": "es", "name": "Otra", "format_locale": "es_US", "chart_locale": "es-MX"}, "listed twice"),
    ({"code": "xx", "name": "X", "format_locale": "not_a_locale", "chart_locale": "en-US"}, "not a locale Babel"),
    ({"code": "Fr", "name": "Français", "format_locale": "fr_FR", "chart_locale": "fr-FR"}, "lower-case"),
    ({"code": "fr", "name": "Français", "format_locale": "fr_FR"}, "missing chart_locale"),
])
def test_a_wrong_entry_in_the_languages_file_is_named(copy: Path, entry: dict, problem: str):  # type: ignore[type-arg]
    path = copy / i18n.LANGUAGES_FILE
    data = yaml.safe_load(path.read_text())
    data["languages"].append(entry)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(i18n.LanguageError, match=problem):
        i18n.load(copy)


def test_english_cannot_be_left_out_of_the_languages(copy: Path):
    path = copy / i18n.LANGUAGES_FILE
    data = yaml.safe_load(path.read_text())
    data["languages"] = [row for row in data["languages"] if row["code"] != "en"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(i18n.LanguageError, match="English"):
        i18n.load(copy)


def test_the_language_setting_must_look_like_a_code():
    assert Settings.from_env({"WAYPOINT_LANGUAGE": "ES"}).language == "es"
    assert Settings.from_env({}).language == "en"
    with pytest.raises(ConfigError, match="WAYPOINT_LANGUAGE"):
        Settings.from_env({"WAYPOINT_LANGUAGE": "español; drop"})


# --- the language being written -----------------------------------------------------------------------------------

def test_each_person_reads_their_own_language_and_a_block_can_write_in_another():
    i18n.load(CONTENT)
    chosen = {"lang": "es"}
    i18n.set_source(lambda: chosen["lang"])
    assert i18n._("Sign out") == "Cerrar sesión"
    chosen["lang"] = "en"
    assert i18n._("Sign out") == "Sign out"
    with i18n.using("es"):  # the client's language, whatever the reader's
        assert i18n._("Sign out") == "Cerrar sesión"
        assert i18n.ngettext("{n} hour", "{n} hours", 1).format(n=1) == "1 hora"
        assert i18n.ngettext("{n} hour", "{n} hours", 3).format(n=3) == "3 horas"
    assert i18n._("Sign out") == "Sign out"
    chosen["lang"] = "xx"  # a code no longer installed reads the agency's default
    assert i18n.current() == "en"


def test_numbers_and_dates_are_written_the_language_s_way():
    i18n.load(CONTENT)
    day = date(2026, 12, 2)
    assert timeutil.show(day, timeutil.UTC) == "2 Dec 2026"
    assert i18n.number(12345) == "12,345"
    with i18n.using("es"):
        assert timeutil.show(day, timeutil.UTC) == "2 dic 2026"
        assert timeutil.show(date(2026, 9, 2), timeutil.UTC) == "2 sept 2026"
        assert i18n.number(12345.5, digits=1) == "12,345.5"  # US Spanish keeps the US separators
        assert i18n.and_list(["a", "b", "c"]) == "a, b y c"


# --- content in each language ------------------------------------------------------------------------------------

def _english(content_dir: Path):  # type: ignore[no-untyped-def]
    i18n.load(content_dir)
    return load_content(content_dir, PACKS)


def test_the_shipped_spanish_content_matches_the_english_entry_for_entry():
    english = _english(CONTENT)
    spanish = load_translation(CONTENT, "es", english)
    assert spanish.checklist.all_codes() == english.checklist.all_codes()
    assert [r.code for r in spanish.resources] == [r.code for r in english.resources]
    assert [s.code for s in spanish.scripts] == [s.code for s in english.scripts]
    assert spanish.guidance is not None and english.guidance is not None
    assert spanish.guidance.all_codes() == english.guidance.all_codes()
    assert spanish.checklist.title != english.checklist.title  # translated, not a copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_spanish_checklist_item_with_another_code_is_refused_naming_file_and_entry(copy: Path):
    _edit(copy / "es" / "checklists" / "trauma-bonding.yaml", "code: signs.self-blame", "code: signs.self-blames")
    english = _english(copy)
    with pytest.raises(ContentError, match=r"content/es/checklists/trauma-bonding.yaml: .*entry 'signs.self-blame'"
                                           r".*'signs.self-blames' here, 'signs.self-blame' in English"):
        load_translation(copy, "es", english)


def test_a_resource_number_cannot_differ_between_languages(copy: Path):
    """A number that reaches a crisis line is never retyped in a translation."""
    _edit(copy / "es" / "resources" / "us-national.yaml", '{number: "988"}', '{number: "989"}')
    english = _english(copy)
    with pytest.raises(ContentError, match=r"content/es/resources/us-national.yaml: entry 'lifeline-988'"):
        load_translation(copy, "es", english)


def test_a_missing_language_folder_or_word_list_stops_start_up(copy: Path):
    english = _english(copy)
    (copy / "es" / "discreet-words.yaml").unlink()
    with pytest.raises(ContentError, match=r"content/es/discreet-words.yaml: missing"):
        load_translation(copy, "es", english)
    shutil.rmtree(copy / "es")
    with pytest.raises(ContentError, match=r"content/es/: missing"):
        load_translation(copy, "es", english)


def test_a_spanish_handout_line_that_gives_the_page_away_is_refused(copy: Path):
    path = copy / "es" / "guidance" / "leaving.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["handout"]["title"] = "Contra la violencia"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    english = _english(copy)
    with pytest.raises(ContentError, match=r"content/es/guidance/leaving.yaml.*violencia"):
        load_translation(copy, "es", english)


# --- a person's choice --------------------------------------------------------------------------------------------

def test_a_person_chooses_their_own_language_and_can_go_back_to_the_default(db, settings):
    i18n.load(CONTENT)
    ada = make_account(db, "ada", password="quiet harbour lamp")
    signed = auth.sign_in(db, settings, "ada", "quiet harbour lamp")
    assert signed.actor.language is None
    account_admin.set_own_language(db, signed.actor, "es")
    again = auth.resume(db, settings, signed.token)
    assert again is not None and again.actor.language == "es"
    with pytest.raises(ValidationFailed):
        account_admin.set_own_language(db, signed.actor, "klingon")
    account_admin.set_own_language(db, signed.actor, None)
    with db.reading() as s:
        user = s.get(User, ada.user_id)
        assert user is not None and user.language is None


# --- a client's preferred language ---------------------------------------------------------------------------------

def test_a_client_s_preferred_language_is_kept_by_their_advocate_and_audited_without_the_language(db, people, client):
    i18n.load(CONTENT)
    assert client_language.preferred_language(db, people.ada, client) is None
    client_language.set_preferred_language(db, people.ada, client, "es")
    assert client_language.preferred_language(db, people.sam, client) == "es"  # a supervisor reads it too
    row = events(db, "client_language_set")[-1]
    assert row.target == client and "es" not in (row.detail or "")
    with pytest.raises(ValidationFailed):
        client_language.set_preferred_language(db, people.ada, client, "tlh")
    with pytest.raises(PermissionDenied):  # another advocate's client
        client_language.set_preferred_language(db, people.bo, client, "en")
    client_language.set_preferred_language(db, people.ada, client, None)
    assert client_language.preferred_language(db, people.ada, client) is None


def test_trends_count_conversation_languages_and_interpreters_with_small_cells_hidden(db, people, content):
    from sqlalchemy import update

    from models.services.periods import Period
    from models.services.trends import TrendFilter, trends
    from models.store.entities import CheckIn
    from tests.unit.helpers import check_in, new_client

    i18n.load(CONTENT)
    spoken = {"es": 5, "vi": 2, "en": 6}  # clients per language
    ids: dict[str, list[int]] = {}
    for language, n in spoken.items():
        for _client in range(n):
            code = new_client(db, people.ada, content).code
            ids.setdefault(language, []).append(check_in(db, people.ada, content, code).id)
    with db.writing() as s:
        for language, rows in ids.items():
            s.execute(update(CheckIn).where(CheckIn.id.in_(rows))
                      .values(conversation_language=language, interpreter=language == "vi" or None))
    today = date.today()
    report = trends(db, people.sam, content, TrendFilter(Period(today.replace(day=1), today)), k=5,
                    summaries=False)
    shown = {r.language: (None if r.hidden else int(r.check_ins)) for r in report.languages.itertuples()}
    assert shown["vi"] is None  # two clients: hidden
    # The rows add up to the check-ins that record a language, so the next smallest goes too: otherwise the two
    # could be worked out by subtraction.
    assert shown["es"] is None and shown["en"] == 6
    # Two clients with an interpreter: hidden; the "no" row is absent (nobody recorded "no" here).
    assert [(bool(r.interpreter), bool(r.hidden)) for r in report.interpreters.itertuples()] == [(True, True)]


def test_a_check_in_records_the_conversation_s_language_and_an_interpreter(db, people, content, client):
    from models.services import checkins
    from tests.unit.helpers import check_in, checkin_form, key

    i18n.load(CONTENT)
    saved = check_in(db, people.ada, content, client, conversation_language="vi", interpreter=True)
    assert (saved.conversation_language, saved.interpreter) == ("vi", True)
    plain = check_in(db, people.ada, content, client)
    assert (plain.conversation_language, plain.interpreter) == (None, None)  # not recorded, never "no"
    with pytest.raises(ValidationFailed) as refused:
        checkins.record_check_in(db, people.ada, content, checkin_form(client, conversation_language="klingon"),
                                 submission_key=key())
    assert set(refused.value.errors) == {"conversation_language"}
    form = checkins.CheckInForm.from_view(saved)
    assert (form.conversation_language, form.interpreter) == ("vi", True)
    corrected = checkins.correct_check_in(db, people.ada, content, saved.id,
                                          replace(form, conversation_language="es", interpreter=False),
                                          expected_version=saved.version)
    assert (corrected.conversation_language, corrected.interpreter) == ("es", False)
