"""Bad input to the services that need no database: password policy, note screening, codes, resource search,
scripts, guidance, the handout page and settings. Each must answer plainly or refuse in words, never crash, and
anything rendered as HTML must come out as text, never as markup.
"""

from __future__ import annotations

import html
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from models.base.inputs import has_control, row_id, storable
from models.base.settings import ConfigError, Settings
from models.content.loader import Content
from models.rules import passwords
from models.rules.permissions import Actor, PermissionDenied
from models.rules.screening import highlight, screen_note
from models.services.clients import CODE_RE, normalize_code
from models.services.guidance import guidance_by_stage
from models.services.handout import render_html
from models.services.resources import needs_in_packs, search_resources
from models.services.scripts import list_scripts, render_script, scripts_naming
from tests.unit.bad_inputs import NASTY, PURE_SETTINGS, any_code, any_text, not_text

ADVOCATE = Actor(1, "ada", "Ada", "advocate")
NOBODY = Actor(2, "x", "X", "unknown-role")
MUST_CHANGE = Actor(3, "m", "M", "advocate", must_change_password=True)
POLICY_MESSAGES = {passwords.TOO_SHORT, passwords.TOO_LONG, passwords.TOO_COMMON, passwords.TOO_SIMPLE,
                   passwords.HAS_NAME}
# The tags render_html itself writes. Anything else in the page came from content text and was not escaped.
HANDOUT_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "p", "section", "h2", "ul", "li",
                "table", "tr", "th", "td", "span", "div"}


# --------------------------------------------------------------------------- password policy


@PURE_SETTINGS
@given(password=any_text, username=any_text, display_name=any_text)
@example(password="\x00" * 12, username="", display_name="")
@example(password="a" * 100_000, username="ada", display_name="Ada")
@example(password="<script>alert(1)</script>", username="", display_name="")
@example(password="'; DROP TABLE users; --", username="", display_name="")
def test_password_policy_answers_every_text_with_none_or_a_known_sentence(password: str, username: str,
                                                                            display_name: str) -> None:
    """Whatever is typed, the policy gives one of its own sentences or None; it never raises."""
    found = passwords.problem(password, username=username, display_name=display_name)
    assert found is None or found in POLICY_MESSAGES
    if len(password) < passwords.MIN_LENGTH:
        assert found == passwords.TOO_SHORT
    if len(password) > passwords.MAX_LENGTH:
        assert found == passwords.TOO_LONG


# --------------------------------------------------------------------------- note screening


@PURE_SETTINGS
@given(text=any_text, region=st.one_of(any_text, st.none()), allowed=st.lists(any_text, max_size=3))
@example(text="call 555-201-7788\x00 now", region="US", allowed=[])
@example(text="\u202e8877-102-555", region="\x00", allowed=["\x00"])
@example(text="1" * 100_000, region="US", allowed=[])
def test_screen_note_never_crashes_and_findings_point_into_the_text(text: str, region: str | None,
                                                                    allowed: list[str]) -> None:
    """screen_note runs before every save: a crash here would stop an advocate saving anything."""
    findings = screen_note(text, region or "US", allowed_numbers=allowed)
    previous_end = 0
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert f.start >= previous_end  # sorted, never overlapping
        assert f.text == text[f.start:f.end]
        previous_end = f.end
    marked = highlight(text, findings)
    assert isinstance(marked, str)


# --------------------------------------------------------------------------- client codes


@PURE_SETTINGS
@given(raw=st.one_of(any_code, not_text))
@example(raw="K7F\x003QX")
@example(raw="k7f 3qx")
@example(raw="%%%-%%%")
def test_normalize_code_gives_a_canonical_code_or_none(raw: object) -> None:
    """Whatever reaches a query as a client code has passed this: only the canonical form or nothing."""
    code = normalize_code(raw)  # type: ignore[arg-type]
    assert code is None or CODE_RE.match(code)
    if code is not None:
        assert normalize_code(code) == code


@PURE_SETTINGS
@given(value=st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.booleans(), not_text, any_text))
def test_row_id_only_passes_ids_postgresql_can_hold(value: object) -> None:
    got = row_id(value)
    assert got is None or (type(got) is int and 1 <= got <= 2**31 - 1)


@PURE_SETTINGS
@given(text=any_text)
def test_storable_and_has_control_agree_with_what_postgresql_refuses(text: str) -> None:
    assert storable(text) == ("\x00" not in text)
    if "\x00" in text or "\x1b" in text or "\u202e" in text:
        assert has_control(text)


# --------------------------------------------------------------------------- resources, scripts, guidance


@PURE_SETTINGS
@given(query=st.one_of(any_text, not_text), need=st.one_of(any_text, st.none()),
       needs=st.one_of(st.lists(any_text, max_size=3), not_text))
@example(query="%", need="%", needs=["_"])
@example(query="<script>", need=None, needs=())
def test_resource_search_answers_any_query(content: Content, query: object, need: str | None, needs: object) -> None:
    """Typing anything in the search box lists resources (maybe none); it never raises."""
    found = search_resources(content, ADVOCATE, query=query, need=need, needs=needs)  # type: ignore[arg-type]
    assert all(r in content.resources for r in found)
    if isinstance(query, str) and not query.split() and not need and not isinstance(needs, list):
        assert found == list(content.resources)
    if isinstance(query, str) and any(w in ("%", "_", "<script>") for w in query.lower().split()):
        assert found == []  # wildcards are text here, and no resource mentions them


def test_resource_services_refuse_people_without_the_permission(content: Content) -> None:
    for actor in (NOBODY, MUST_CHANGE, None):
        with pytest.raises(PermissionDenied):
            search_resources(content, actor, query="a")  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            needs_in_packs(content, actor)  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            list_scripts(content, actor)  # type: ignore[arg-type]


@PURE_SETTINGS
@given(code=st.one_of(any_text, not_text))
def test_an_unknown_script_code_is_a_key_error_and_nothing_else(content: Content, code: object) -> None:
    """render_script documents KeyError for an unknown code; the page turns it into 'no such script'."""
    known = {s.code for s in content.scripts}
    if isinstance(code, str) and code in known:
        assert render_script(content, ADVOCATE, code).code == code
        return
    with pytest.raises((KeyError, TypeError)) as raised:
        render_script(content, ADVOCATE, code)  # type: ignore[arg-type]
    assert raised.type is KeyError or not isinstance(code, str)
    assert scripts_naming(content, ADVOCATE, code) == [] if isinstance(code, str) else True  # type: ignore[arg-type]


@PURE_SETTINGS
@given(topics=st.one_of(st.lists(any_text, max_size=4), not_text, any_text))
def test_guidance_topics_filter_never_crashes(content: Content, topics: object) -> None:
    stages = guidance_by_stage(content, ADVOCATE, topics=topics)  # type: ignore[arg-type]
    assert content.guidance is not None
    assert [g.stage.code for g in stages] == [s.code for s in content.guidance.stages]


# --------------------------------------------------------------------------- the handout page


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def tainted(content: Content, text: str) -> Content:
    """The shipped content with `text` in every field the handout shows (as an agency's file could have it)."""
    g = content.guidance
    assert g is not None
    stage = g.stages[0]
    step = stage.steps[0].model_copy(update={"handout": text, "printable": True})
    stages = (stage.model_copy(update={"steps": (step, *stage.steps[1:])}), *g.stages[1:])
    words = g.handout.model_copy(update={"title": text, "intro": text, "numbers_heading": text})
    guidance = g.model_copy(update={"stages": stages, "handout": words})
    first = content.resources[0]
    resource = first.model_copy(update={"name": text, "hours": text, "plain_label": text})
    return Content(content.checklist, (resource, *content.resources[1:]), content.packs, content.script_set,
                   guidance, content.pack_titles)


HTML_TEXT = st.one_of(
    st.sampled_from(["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "</title><script>x</script>",
                     "</style><b>x</b>", "<!--", "]]>", "&lt;script&gt;", '"><svg onload=alert(1)>',
                     "<a href='javascript:alert(1)'>x</a>"]),
    st.builds(lambda a, b: f"{a}<{b}>", any_text, st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)),
    any_text.filter(lambda t: bool(t.strip())),
)


@PURE_SETTINGS
@given(text=HTML_TEXT, full_names=st.booleans())
def test_handout_shows_markup_from_content_as_text(content: Content, text: str, full_names: bool) -> None:
    """A tag in a handout line, title, heading or label is shown as its characters and never becomes a tag."""
    c = tainted(content, text)
    assert c.guidance is not None
    page = render_html(c, [c.guidance.stages[0].steps[0].code], [c.resources[0]], full_names=full_names)
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= HANDOUT_TAGS, set(parser.tags) - HANDOUT_TAGS
    assert not any(a.startswith("on") for a in parser.attrs)
    assert "<script" not in page.lower()
    if text.strip():
        assert html.escape(text) in page
        shown = "".join(parser.text)
        assert text.replace("\r", "") in shown.replace("\r", "") or "\x00" in text or "\r" in text


# --------------------------------------------------------------------------- settings

ENV_NAMES = ("WAYPOINT_IDLE_MINUTES", "WAYPOINT_SESSION_HOURS", "WAYPOINT_LOCKOUT_ATTEMPTS",
             "WAYPOINT_LOCKOUT_MINUTES", "WAYPOINT_SUPPRESSION_MIN", "WAYPOINT_RETENTION_YEARS",
             "WAYPOINT_RESOURCE_PACKS", "WAYPOINT_DATABASE_URL", "WAYPOINT_CONTENT_DIR")


@PURE_SETTINGS
@given(name=st.sampled_from(ENV_NAMES), value=st.one_of(
    any_text, st.integers().map(str), st.sampled_from(["0", "-1", "1e3", "0x10", "٣", " 7 ", "7.5", "1_000",
                                                       "9" * 5000, "NaN", "inf", ",", " , ,"])))
def test_settings_from_env_gives_settings_or_a_config_error_naming_the_variable(name: str, value: str) -> None:
    """Whatever an operator puts in a variable, startup either works or stops with a ConfigError naming it."""
    try:
        settings = Settings.from_env({name: value, "WAYPOINT_NOTE_KEYS": "x" * 44})
    except ConfigError as exc:
        assert name in str(exc)
        return
    for field in ("idle_minutes", "session_hours", "lockout_attempts", "lockout_minutes", "retention_years"):
        assert getattr(settings, field) >= 1
    assert settings.suppression_min >= 2
    assert settings.resource_packs


@pytest.mark.parametrize("name", ["WAYPOINT_IDLE_MINUTES", "WAYPOINT_SESSION_HOURS", "WAYPOINT_LOCKOUT_MINUTES",
                                  "WAYPOINT_RETENTION_YEARS"])
def test_settings_refuse_durations_no_clock_can_reach(name: str) -> None:
    """WAYPOINT_SESSION_HOURS=99999999999999 passes today and every sign-in then crashes adding it to now."""
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: "9" * 15, "WAYPOINT_NOTE_KEYS": "x" * 44})


def test_nasty_list_holds_what_the_brief_asks_for() -> None:
    """The shared list really carries each kind of input the properties claim to try."""
    joined = "".join(NASTY)
    for piece in ("\x00", "\x1b", "\u202e", "\u200b", "<script>", "onerror", "DROP TABLE", "%", "_", "\\"):
        assert piece in joined
    assert max(len(t) for t in NASTY) >= 100_000
    assert date.min < date(1, 1, 2)
