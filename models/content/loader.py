"""Content packs: the checklist and the resource packs an agency edits as YAML, validated before the app starts.

A broken file must stop the app with a message a non-programmer can act on (the file, the entry, the problem),
never show half a checklist. Codes are stable: wording may change, a stored code keeps its meaning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import phonenumbers
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from models.base import i18n
from models.base.i18n import _

CHECKLIST_FILE = Path("checklists") / "trauma-bonding.yaml"
RESOURCES_DIR = Path("resources")
SCRIPTS_FILE = Path("scripts") / "referral-scripts.yaml"
GUIDANCE_FILE = Path("guidance") / "leaving.yaml"

IMMEDIATE_KINDS = ("suicide", "self-harm", "danger")
CHECKIN_SECTIONS = ("signs", "emotional", "physical", "behavioural")
INTAKE_SECTIONS = ("vulnerability", "contexts")
NEEDS = (
    "domestic-violence", "dating-abuse", "sexual-assault", "trafficking", "suicidal-crisis", "emergency",
    "children", "elders", "native-communities", "peer-support", "lgbtq", "legal", "shelter", "counselling",
    "housing", "veterans", "young-people", "deaf-hard-of-hearing",
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHORT_CODE = re.compile(r"^\d{3,6}$")


class ContentError(Exception):
    """A content file cannot be used. The message names the file, the entry and what is wrong."""


# --- field checks ------------------------------------------------------------------------------------------

# Longest texts the app will take from a file: several times the longest shipped, far below what would slow a page.
# Codes are stored in the database, whose columns hold 64 (resource) and 80 (checklist item, plan step) characters.
MAX_TEXT = 2000
MAX_PROSE = 10_000
MAX_SLUG = 64
MAX_CODE = 80
MAX_VERSION = 1_000_000  # stored as a 32-bit integer with every check-in and plan change


def _plain(value: str, limit: int, *, newlines: bool = False) -> None:
    """Refuse text no editor means to write: far too long, or with control characters from a bad paste."""
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; keep it to {limit:,}")
    bad = next((ch for ch in value if unicodedata.category(ch) == "Cc" and not (newlines and ch in "\n\t")), None)
    if bad is not None:
        raise ValueError(f"contains the control character U+{ord(bad):04X}; retype the text without it")


def _slug(value: str) -> str:
    if len(value) > MAX_SLUG:
        raise ValueError(f"is {len(value):,} characters long; a code has at most {MAX_SLUG}")
    if not _SLUG.match(value):
        raise ValueError("use lower-case letters, digits and single hyphens only (for example 'self-blame')")
    return value


def _text(value: str) -> str:
    _plain(value, MAX_TEXT, newlines=True)  # a line break inside a short text is folded into a space below
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be empty")
    return value


def _phone(value: str) -> str:
    """A dialable US number as people write it (1-800-799-7233), or a short code such as 988 or 88788."""
    value = str(value).strip()
    if len(value) > 40:
        raise ValueError(f"is {len(value):,} characters long; a phone number has at most 40")
    if _SHORT_CODE.match(value):
        return value
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{value}' is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"'{value}' is not a valid phone number")
    return value


def _https(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(f"is {len(value):,} characters long; keep a web address to {MAX_TEXT:,}")
    if not re.match(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$", value, re.IGNORECASE):
        raise ValueError(f"'{value}' must be a full web address starting with https://")
    return value


# Words that tell someone who finds the handout what it is for, or what the client is about to do. Every line
# that can be printed on it (title, headings, step lines, plain names of numbers) must avoid them; the printed
# page is checked against them again. Three groups:
# - what the page is about: abuse, violence, danger, harm, and the words around them;
# - who helps with it: hotlines, shelters, police, advocates, courts and protective orders;
# - what a plan to get away is made of: leaving and escaping, a packed bag, papers and documents, keys,
#   location and tracking, hiding, secrets, evidence, a "plan" itself. A line such as "pack a small bag" or
#   "take the bag, papers, keys" gives the plan away as surely as the word "leaving" does.
# Whole words only (so "package" and "keyboard" pass, "bag" and "keys" do not).
_REVEALING = re.compile(
    r"\b(abus\w*|violen\w*|domestic|safe\w*|unsafe\w*|escap\w*|leav\w*|hotline\w*|helpline\w*|crisis|"
    r"shelter\w*|victim\w*|surviv\w*|trauma\w*|assault\w*|rape\w*|traffick\w*|police|danger\w*|harm\w*|"
    r"suicid\w*|refuge\w*|stalk\w*|threat\w*|weapon\w*|injur\w*|bruis\w*|hurt\w*|coerc\w*|"
    r"batter(?:ed|er|ers|ing)|advocat\w*|protect\w*|restrain\w*|courts?|"
    r"flee\w*|fled|get(?:ting)?\s+away|get(?:ting)?\s+out|run(?:ning)?\s+away|mov(?:e|es|ing)\s+out|"
    r"go(?:ing)?\s+back|pull(?:ed|s)?\s+back|"
    r"bags?|pack(?:s|ed|ing)?|papers|documents?|passports?|keys?|locations?|track\w*|gps|spy\w*|monitor\w*|"
    r"plan(?:s|ned|ning)?|secret\w*|hid(?:e|es|den|ing)|evidence|incidents?)\b",
    re.IGNORECASE,
)


# Phrases that give a plan away by meaning, with no single flagged word in them: staying somewhere else, spare
# keys and a change of clothes kept ready, timing around someone's absence, and keeping things where only the
# client can reach them. "A change of clothes and a spare charger at a friend's place" or "a time when you are
# least likely to be interrupted" read, to the person causing harm, exactly like "a bag packed" and "when they are
# out". The list cannot catch every wording, which is why steps that no wording can disguise are never printed
# (`printable: false` in the guidance); it catches the usual ways of saying them.
_GIVEAWAY_PHRASES = re.compile(
    r"\b(put\s+(?:you|me|us|them)\s+up|stay(?:s|ed|ing)?\s+(?:with|at|over)|somewhere\s+(?:else|to\s+stay|to\s+go)|"
    r"(?:place|places|room)\s+to\s+(?:stay|go|sleep)|(?:friend|relative|neighbour|neighbor)'?s\s+(?:place|house|home|flat)|"
    r"short\s+notice|spare\s+(?:set|sets|key\w*|charger\w*|phone\w*|clothes|cash|room)|second\s+set|"
    r"(?:extra|duplicate)\s+(?:set|copy|copies)|change\s+of\s+clothes|overnight\s+things|suitcase\w*|holdall\w*|"
    r"ready\s+to\s+go|least\s+likely|interrupt\w*|(?:while|when|once)\s+(?:he|she|they|your\s+partner)(?:'s|'re|\s+is|"
    r"\s+are)?\s+(?:out|away|asleep|at\s+work|not\s+(?:home|in|around))|not\s+(?:be\s+)?expected|coast\s+is\s+clear|"
    r"only\s+you\s+(?:can|use|know|have)|rather\s+keep\s+to\s+yourself|keep\s+(?:it|this|them)\s+to\s+yourself|"
    r"without\s+(?:anyone|them|him|her)\s+know\w*|no\s+one\s+(?:else\s+)?(?:knows?|can\s+see)|come\s+and\s+get\s+me|"
    r"at\s+a\s+set\s+time|expect\w*\s+(?:a\s+)?call\s+from\s+you|code\s+word\w*|way\s+out|door\s+to\s+the\s+outside)\b",
    re.IGNORECASE,
)


# Other languages' words and phrases, from content/<code>/discreet-words.yaml, read with that language's content.
# A handout in another language is checked against its own list and the English one (a borrowed "hotline" or
# "safety" gives a page away in any language).
_DISCREET: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _word_lists() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    lists = [(_REVEALING, _GIVEAWAY_PHRASES)]
    extra = _DISCREET.get(i18n.current())
    return lists + [extra] if extra else lists


def revealing_words(value: str) -> list[str]:
    """The words and phrases in a text that would tell someone who finds the handout what it is for, or what the
    client plans (none: it is discreet). In the current language (i18n.using), and in English."""
    found: list[tuple[int, str]] = []
    for words, phrases in _word_lists():
        found += [(m.start(), m.group(0)) for m in words.finditer(value)]
        found += [(m.start(), m.group(0)) for m in phrases.finditer(value)]
    return [text for _at, text in sorted(found)]


def single_revealing_words(value: str) -> list[str]:
    """Only the single flagged words (not the phrases): the test every handout line passes, printed or not."""
    return [m.group(0) for words, _phrases in _word_lists() for m in words.finditer(value)]


def _discreet(value: str) -> str:
    """Text a stranger may see on a handout: it must not say what the handout is for."""
    found = revealing_words(value)
    if found:
        raise ValueError(f"'{_short(value, 120)}' would tell someone who finds the handout what it is for "
                         f"(the word '{found[0]}'); choose plainer words")
    return value


def _prose(value: str) -> str:
    """Paragraphs kept as written (blank lines separate them), outer whitespace trimmed."""
    value = value.replace("\r\n", "\n").strip()
    if not value:
        raise ValueError("must not be empty")
    _plain(value, MAX_PROSE, newlines=True)
    return value


def _code(value: str) -> str:
    """A checklist item or plan step code: it is stored with every check-in or plan change that uses it."""
    if len(value) > MAX_CODE:
        raise ValueError(f"is {len(value):,} characters long; a code has at most {MAX_CODE}")
    return value


def _not_future(value: date) -> date:
    if value > date.today():
        raise ValueError(f"{value.isoformat()} is in the future; give the date the facts were actually checked")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Code = Annotated[str, AfterValidator(_code)]
Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]
Discreet = Annotated[str, AfterValidator(_text), AfterValidator(_discreet)]
Prose = Annotated[str, AfterValidator(_prose)]
Text = Annotated[str, AfterValidator(_text)]
PhoneNumber = Annotated[str, AfterValidator(_phone)]
Url = Annotated[str, AfterValidator(_https)]
Immediate = Literal["suicide", "self-harm", "danger"]
Need = Literal[
    "domestic-violence", "dating-abuse", "sexual-assault", "trafficking", "suicidal-crisis", "emergency",
    "children", "elders", "native-communities", "peer-support", "lgbtq", "legal", "shelter", "counselling",
    "housing", "veterans", "young-people", "deaf-hard-of-hearing",
]


class _Model(BaseModel):
    # extra="forbid": a misspelt field name in YAML is an error, not a silently missing value.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- the checklist -----------------------------------------------------------------------------------------

class Item(_Model):
    code: Code
    label: Text
    guidance: Text | None = None
    immediate: Immediate | None = None
    # The checklist version that added the item. A check-in recorded on an earlier version never had it on its
    # form, so it is "not asked" there, never "not observed" (trends, timelines and corrections rely on this).
    added_in: Version = 1


class Section(_Model):
    code: Slug
    title: Text
    use: Literal["checkin", "intake"]
    choice: Literal["many", "one"] = "many"
    description: Text | None = None
    items: tuple[Item, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_belong_here(self) -> Section:
        for item in self.items:
            prefix, _dot, slug = item.code.partition(".")
            if prefix != self.code or not _SLUG.match(slug):
                raise ValueError(f"item code '{item.code}' must look like '{self.code}.some-words'")
        if self.use == "intake" and any(i.immediate for i in self.items):
            raise ValueError("intake items cannot be flagged 'immediate'; only check-in items raise a crisis panel")
        return self


class Checklist(_Model):
    id: Slug
    version: Version
    title: Text
    source: Text
    sections: tuple[Section, ...]

    @model_validator(mode="after")
    def _complete_and_unique(self) -> Checklist:
        codes = [s.code for s in self.sections]
        missing = [c for c in (*CHECKIN_SECTIONS, *INTAKE_SECTIONS) if c not in codes]
        if missing:
            raise ValueError(f"the checklist needs the section(s) {', '.join(missing)}")
        seen: set[str] = set()
        for code in [*codes, *(i.code for s in self.sections for i in s.items)]:
            if code in seen:
                raise ValueError(f"the code '{code}' is used twice; every code must be unique")
            seen.add(code)
        for code in CHECKIN_SECTIONS:
            if self.section(code).use != "checkin":
                raise ValueError(f"section '{code}' must have use: checkin")
        for code in INTAKE_SECTIONS:
            if self.section(code).use != "intake":
                raise ValueError(f"section '{code}' must have use: intake")
        if self.section("contexts").choice != "one":
            raise ValueError("section 'contexts' must have choice: one (a client has one relationship context)")
        later = [i.code for s in self.sections for i in s.items if i.added_in > self.version]
        if later:
            raise ValueError(f"item '{later[0]}' says added_in: a version after this checklist's version "
                             f"{self.version}; raise version, or give the version that added it")
        return self

    def section(self, code: str) -> Section:
        for s in self.sections:
            if s.code == code:
                return s
        raise KeyError(code)

    def item(self, code: str) -> Item:
        for s in self.sections:
            for i in s.items:
                if i.code == code:
                    return i
        raise KeyError(code)

    def checkin_sections(self) -> Iterator[Section]:
        return (s for s in self.sections if s.use == "checkin")

    def intake_sections(self) -> Iterator[Section]:
        return (s for s in self.sections if s.use == "intake")

    def immediate_codes(self) -> list[str]:
        return [i.code for s in self.sections for i in s.items if i.immediate]

    def all_codes(self) -> list[str]:
        return [i.code for s in self.sections for i in s.items]

    def added_in(self, code: str) -> int:
        """The checklist version that added an item; 1 for a code no longer on the checklist (it was asked then)."""
        try:
            return self.item(code).added_in
        except KeyError:
            return 1

    def on_version(self, code: str, version: int) -> bool:
        """Whether an item was on the form of a check-in recorded on checklist `version`."""
        return self.added_in(code) <= version

# --- resources ---------------------------------------------------------------------------------------------

class Phone(_Model):
    number: PhoneNumber
    letters: str | None = None  # the same number spelt as a word, e.g. 1-800-799-SAFE

    @model_validator(mode="after")
    def _letters_match(self) -> Phone:
        if self.letters:
            spelt = re.sub(r"\D", "", phonenumbers.convert_alpha_characters_in_number(self.letters))
            if spelt != re.sub(r"\D", "", self.number):
                raise ValueError(f"letters '{_short(self.letters)}' do not spell the number {self.number}")
        return self


class TextLine(_Model):
    number: PhoneNumber
    keyword: str | None = None  # the word to send, e.g. START


class Resource(_Model):
    code: Slug
    name: Text
    purpose: Text
    serves: Text
    needs: tuple[Need, ...] = Field(min_length=1)
    phone: Phone | None = None
    text: TextLine | None = None
    tty: PhoneNumber | None = None
    chat: Url | None = None
    web: Url | None = None
    hours: Text
    languages: Text | None = None
    immediate: tuple[Immediate, ...] = ()
    source: Text
    checked: Annotated[date, AfterValidator(_not_future)]
    note: Text | None = None
    # A neutral name for the discreet handout ("Support line"), so a stranger reading it learns nothing.
    plain_label: Discreet | None = None
    # A number a stranger could recognise as a line for abuse, suicide or crisis (988, the National Domestic
    # Violence Hotline, 741741...): it would give a handout or a card away, so neither prints it unless the
    # advocate chooses to after a warning.
    recognisable: StrictBool = False
    pack: str = ""

    @model_validator(mode="after")
    def _reachable(self) -> Resource:
        if not (self.phone or self.text or self.tty or self.chat or self.web):
            raise ValueError("give at least one way to reach it: phone, text, tty, chat or web")
        return self

    def numbers(self) -> set[str]:
        """The digits of the numbers it is called or texted on, without a leading 1 for the US. Not TTY: 711 is
        the relay service every TTY user dials, whatever line they are trying to reach."""
        raw = [n for n in (self.phone.number if self.phone else None, self.text.number if self.text else None) if n]
        return {_digits(n) for n in raw}

    def channels(self) -> list[tuple[str, str]]:
        """Every way to reach it, in the order an advocate reads them out, labelled in the reader's language."""
        out: list[tuple[str, str]] = []
        if self.phone:
            out.append((_("Call"), self.phone.number + (f" ({self.phone.letters})" if self.phone.letters else "")))
        if self.text:
            out.append((_("Text"), _text_line(self) or ""))
        if self.tty:
            out.append((_("TTY"), self.tty))
        if self.chat:
            out.append((_("Chat"), self.chat))
        if self.web:
            # TRANSLATORS: a resource's web site, as a way to reach it.
            out.append((_("Web"), self.web))
        return out


def _digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


# Numbers every pack must mark `recognisable` when it lists them: they are advertised nationally as crisis and
# abuse lines, so a stranger who sees them on paper knows what they are (988, the National Domestic Violence
# Hotline's number and text code, Crisis Text Line's 741741).
ALWAYS_RECOGNISABLE = frozenset({"988", "8007997233", "88788", "741741"})


def _recognisable_problems(resources: Sequence[Resource]) -> list[str]:
    """A number is recognisable whichever entry lists it: every entry that shares a number with a recognisable one
    (988 for the Veterans Crisis Line as for the Lifeline) is marked too, and the national numbers always are."""
    known = set(ALWAYS_RECOGNISABLE)
    for r in resources:
        if r.recognisable:
            known |= r.numbers()
    problems = []
    for r in resources:
        shared = sorted(r.numbers() & known)
        if shared and not r.recognisable:
            problems.append(f"content/resources/{r.pack}.yaml: entry '{r.code}' ({r.name}), field 'recognisable': "
                            f"the number {shared[0]} is one many people recognise as a help line; add "
                            "recognisable: true so the handout and the card leave it off unless the advocate "
                            "chooses it")
    return problems


class ResourcePack(_Model):
    pack: Slug
    title: Text
    resources: tuple[Resource, ...] = Field(min_length=1)


# --- referral scripts -------------------------------------------------------------------------------------

def _text_line(r: Resource) -> str | None:
    """'START to 88788' (the keyword to send, then the number) in the reader's language, or the number alone."""
    if not r.text:
        return None
    # TRANSLATORS: what to text to a help line: {keyword} is the word to send ("START"), {number} where to.
    return _("{keyword} to {number}").format(keyword=r.text.keyword, number=r.text.number) if r.text.keyword \
        else r.text.number


# What a script may name as {resource-code.field}. Each is read from the pack, so a number is typed once.
RESOURCE_FIELDS: dict[str, Callable[[Resource], str | None]] = {
    "name": lambda r: r.name,
    "phone": lambda r: r.phone.number if r.phone else None,
    "letters": lambda r: r.phone.letters if r.phone else None,
    "text": _text_line,
    "text_number": lambda r: r.text.number if r.text else None,
    "text_keyword": lambda r: r.text.keyword if r.text else None,
    "tty": lambda r: r.tty,
    "chat": lambda r: r.chat,
    "web": lambda r: r.web,
    "hours": lambda r: r.hours,
    "languages": lambda r: r.languages,
    "purpose": lambda r: r.purpose,
    "serves": lambda r: r.serves,
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDER_INSIDE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.([a-z_]+)$")


def resource_field(resource: Resource, field: str) -> str | None:
    """One fact of a resource by its placeholder name; None when the pack does not give it."""
    return RESOURCE_FIELDS[field](resource)


def placeholders(text: str) -> list[tuple[str, str]]:
    """Every {resource-code.field} in a text, in order of appearance (assumes the text passed validation)."""
    return [(m.group(1), m.group(2)) for m in (_PLACEHOLDER_INSIDE.match(x) for x in PLACEHOLDER.findall(text)) if m]


def _check_placeholders(value: str) -> str:
    for inside in PLACEHOLDER.findall(value):
        match = _PLACEHOLDER_INSIDE.match(inside.strip())
        if not match or match.group(0) != inside:
            raise ValueError(f"'{{{inside}}}' is not a placeholder Waypoint understands; write "
                             "{resource-code.field}, for example {ndvh.phone}")
        if match.group(2) not in RESOURCE_FIELDS:
            raise ValueError(f"'{{{inside}}}': '{match.group(2)}' is not a resource field; use one of "
                             f"{', '.join(RESOURCE_FIELDS)}")
    if "{" in PLACEHOLDER.sub("", value) or "}" in PLACEHOLDER.sub("", value):
        raise ValueError("has a '{' or '}' that is not part of a placeholder such as {ndvh.phone}")
    return value


ScriptText = Annotated[str, AfterValidator(_prose), AfterValidator(_check_placeholders)]


class Script(_Model):
    code: Slug
    title: Text
    when: Text  # when an advocate would reach for it
    say: ScriptText  # what the advocate can say, in Markdown, with {resource.field} placeholders
    notes: ScriptText | None = None  # for the advocate, not read aloud
    offer: tuple[Slug, ...] = ()  # resources to offer from this script; default: every resource it names

    def named_resources(self) -> list[str]:
        """Resource codes the script names, in order of first appearance (say, then notes)."""
        codes = [code for code, _field in placeholders(self.say + "\n" + (self.notes or ""))]
        return list(dict.fromkeys(codes))

    def offerable(self) -> list[str]:
        return list(self.offer) if self.offer else self.named_resources()


class ScriptSet(_Model):
    version: Version
    title: Text
    scripts: tuple[Script, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ScriptSet:
        seen: set[str] = set()
        for script in self.scripts:
            if script.code in seen:
                raise ValueError(f"the script code '{script.code}' is used twice; every code must be unique")
            seen.add(script.code)
        return self


# --- leaving guidance ---------------------------------------------------------------------------------------

STAGES = ("while-staying", "preparing", "leaving-day", "after-leaving")
TOPICS = ("take", "people", "contact", "routine", "technology", "plan")
Topic = Literal["take", "people", "contact", "routine", "technology", "plan"]


# The rule for paper. A step is printed only when some wording of it reads as ordinary everyday life to the person
# causing harm if they find the page. Preparing to go and the day itself cannot be disguised (any honest reminder
# of them is the plan), and neither can what to take, devices and accounts, or changed routines: those steps are
# `printable: false` and are gone through together instead, to remember. The loader enforces the stages and topics;
# the judgement for every other step is the editor's, written in the file, and its printed line is then checked
# for giveaway words and phrases.
def _no_revealing_word(value: str) -> str:
    """Every handout line, printed or only memorised, avoids the single words that say what it is for."""
    found = single_revealing_words(value)
    if found:
        raise ValueError(f"'{_short(value, 120)}' would tell someone who finds the handout what it is for "
                         f"(the word '{found[0]}'); choose plainer words")
    return value


HandoutLine = Annotated[str, AfterValidator(_text), AfterValidator(_no_revealing_word)]
NEVER_PRINTED_STAGES = ("preparing", "leaving-day")
NEVER_PRINTED_TOPICS = ("take", "technology", "routine")


class Step(_Model):
    code: Code
    label: Text  # what is in place, as the advocate ticks it
    detail: Text | None = None  # how to go about it, for the advocate
    # The client's own wording, written for them and separate from the advocate's label and detail. Printed on the
    # handout only when `printable`; always shown in the version to memorise. Refused when it uses a word that says
    # what the page is for (see _REVEALING); a printed line is refused for a giveaway phrase too.
    handout: HandoutLine
    # Whether any wording of the step is safe on paper. Required, so every step is a decision someone made.
    printable: StrictBool
    topics: tuple[Topic, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _safe_on_paper(self) -> Step:
        if not self.printable:
            return self
        stage = self.code.partition(".")[0]
        if stage in NEVER_PRINTED_STAGES:
            raise ValueError(f"a step of the stage '{stage}' is about preparing to go or the day itself, which no "
                             "wording disguises on paper; set printable: false (it is gone through to remember)")
        topic = next((t for t in self.topics if t in NEVER_PRINTED_TOPICS), None)
        if topic:
            raise ValueError(f"a step with the topic '{topic}' (what to take, devices and accounts, or routines) "
                             "gives the plan away on paper whatever the wording; set printable: false")
        found = revealing_words(self.handout)
        if found:
            raise ValueError(f"printable: true, but the handout line '{_short(self.handout, 120)}' would tell "
                             f"someone who finds the handout what the client plans (the words '{found[0]}'); reword "
                             "it as everyday life, or set printable: false")
        return self


class Stage(_Model):
    code: Slug
    title: Text
    intro: Text | None = None
    steps: tuple[Step, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _codes_belong_here(self) -> Stage:
        for step in self.steps:
            prefix, _dot, slug = step.code.partition(".")
            if prefix != self.code or not _SLUG.match(slug):
                raise ValueError(f"step code '{step.code}' must look like '{self.code}.some-words'")
        return self


class HandoutWords(_Model):
    title: Discreet
    intro: Discreet | None = None
    numbers_heading: Discreet
    notes_heading: Discreet


class Guidance(_Model):
    id: Slug
    version: Version
    title: Text
    source: Text
    handout: HandoutWords
    stages: tuple[Stage, ...]

    @model_validator(mode="after")
    def _stages_in_order_and_unique(self) -> Guidance:
        codes = tuple(s.code for s in self.stages)
        if codes != STAGES:
            raise ValueError(f"the stages must be {', '.join(STAGES)}, in that order (found {', '.join(codes)})")
        seen: set[str] = set()
        for step in (step for stage in self.stages for step in stage.steps):
            if step.code in seen:
                raise ValueError(f"the step code '{step.code}' is used twice; every code must be unique")
            seen.add(step.code)
        return self

    def stage(self, code: str) -> Stage:
        for s in self.stages:
            if s.code == code:
                return s
        raise KeyError(code)

    def step(self, code: str) -> Step:
        for s in self.stages:
            for step in s.steps:
                if step.code == code:
                    return step
        raise KeyError(code)

    def stage_of(self, step_code: str) -> Stage:
        return self.stage(self.step(step_code).code.partition(".")[0])

    def all_codes(self) -> list[str]:
        return [step.code for s in self.stages for step in s.steps]


# --- the whole -------------------------------------------------------------------------------------------

class Content:
    """Everything the app shows from content/, loaded once and shared (read-only) by every session."""

    def __init__(self, checklist: Checklist, resources: Sequence[Resource], packs: Sequence[str],
                 scripts: ScriptSet | None = None, guidance: Guidance | None = None,
                 pack_titles: dict[str, str] | None = None) -> None:
        self.checklist = checklist
        self.resources: tuple[Resource, ...] = tuple(resources)
        self.packs = tuple(packs)
        self._by_code = {r.code: r for r in self.resources}
        self.script_set = scripts
        self.scripts: tuple[Script, ...] = scripts.scripts if scripts else ()
        self.guidance = guidance
        self.pack_titles = {p: (pack_titles or {}).get(p, p) for p in self.packs}

    def resource(self, code: str) -> Resource:
        return self._by_code[code]

    def script(self, code: str) -> Script:
        for s in self.scripts:
            if s.code == code:
                return s
        raise KeyError(code)

    def resources_for_immediate(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if kind in r.immediate]


MAX_NODES = 200_000  # values in one file once aliases are expanded; the shipped files hold a few thousand


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values a composed YAML document holds once every alias is expanded; a cycle counts as too many."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    sizes[key] = MAX_NODES + 1  # seen again while still being counted: the node contains itself
    if isinstance(node, yaml.MappingNode):
        total = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(v, sizes) for v in node.value)
    else:
        total = 1
    sizes[key] = min(total, MAX_NODES + 1)
    return sizes[key]


def _read_yaml(path: Path, shown: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{shown}: the file is missing.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{shown}: the file cannot be read ({exc}).") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None and _expanded_size(root, {}) > MAX_NODES:
            # A YAML alias (*name) repeats a whole block; aliases of aliases make a small file expand past any
            # memory (a "billion laughs"), or refer to themselves. No content file needs that.
            raise ContentError(f"{shown}: the file expands to more than {MAX_NODES:,} values through YAML aliases "
                               "(*name), or an alias refers to itself; write the values out plainly.")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{shown}: this is not valid YAML{where}: {problem}.") from None
    except RecursionError:
        raise ContentError(f"{shown}: the file nests lists or mappings too deeply to be a content file.") from None


def _short(text: str, limit: int = 60) -> str:
    """A code or label as a message repeats it: enough to find it in the file, never the whole of a huge value."""
    return text if len(text) <= limit else text[:limit] + "…"


def _entry_name(data: Any, loc: tuple[int | str, ...]) -> str:
    """Walk the raw data along the error location and name the innermost entry that has a code."""
    named = ""
    node = data
    path: list[str] = []
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]  # type: ignore[index]
        else:
            path.append(str(part))
            continue
        if isinstance(node, dict) and isinstance(node.get("code"), str):
            label = node.get("name") or node.get("title") or node.get("label")
            named = f"entry '{_short(node['code'])}'" + (f" ({_short(label)})" if isinstance(label, str) else "")
            path = []
        elif isinstance(part, str):
            path.append(part)
        elif isinstance(part, int) and not named:
            path.append(f"#{part + 1}")
    field = ".".join(p for p in path if not p.startswith("#")) or ""
    numbered = [p for p in path if p.startswith("#")]
    pieces = [named] if named else []
    if numbered and not named:
        pieces.append("entry " + numbered[-1])
    if field:
        pieces.append(f"field '{field}'")
    return ", ".join(pieces) or "the top level"


def _explain(exc: ValidationError, data: Any, shown: str) -> ContentError:
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a field Waypoint knows (check the spelling)"
        elif err["type"] == "literal_error":
            got = repr(err.get("input"))
            msg = f"{msg} (got {got[:60] + '…' if len(got) > 60 else got})"
        lines.append(f"{shown}: {_entry_name(data, loc)}: {msg}")
    return ContentError("\n".join(lines[:10]) + (f"\n… and {len(lines) - 10} more problems" if len(lines) > 10 else ""))


def _parse(model: type[_Model], path: Path, content_dir: Path) -> Any:
    shown = _shown(path, content_dir)
    data = _read_yaml(path, shown)
    if not isinstance(data, dict):
        raise ContentError(f"{shown}: expected a mapping of fields at the top of the file.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, data, shown) from None


def _shown(path: Path, content_dir: Path) -> str:
    try:
        return f"content/{path.relative_to(content_dir).as_posix()}"
    except ValueError:
        return str(path)


def load_checklist(content_dir: Path) -> Checklist:
    checklist: Checklist = _parse(Checklist, content_dir / CHECKLIST_FILE, content_dir)
    return checklist


def load_pack(content_dir: Path, pack: str) -> ResourcePack:
    if not isinstance(pack, str) or len(pack) > MAX_SLUG or not _SLUG.match(pack):
        named = repr(pack)[:70] + ("…" if len(repr(pack)) > 70 else "")
        raise ContentError(f"resource pack name {named} is not a valid name (lower-case words and hyphens, "
                           f"at most {MAX_SLUG} characters).")
    path = content_dir / RESOURCES_DIR / f"{pack}.yaml"
    shown = _shown(path, content_dir)
    if not path.exists():
        available = sorted(p.stem for p in (content_dir / RESOURCES_DIR).glob("*.yaml"))
        raise ContentError(f"{shown}: no resource pack called '{pack}'. Available: {', '.join(available) or 'none'}.")
    parsed: ResourcePack = _parse(ResourcePack, path, content_dir)
    if parsed.pack != pack:
        raise ContentError(f"{shown}: the file says pack: {parsed.pack}, but its name says {pack}; make them agree.")
    return parsed


def load_content(content_dir: Path, packs: Iterable[str]) -> Content:
    """Load and cross-check everything; raise ContentError on the first file that cannot be used."""
    content_dir = Path(content_dir)
    packs = tuple(packs)
    if not packs:
        raise ContentError("no resource pack is active; set WAYPOINT_RESOURCE_PACKS, e.g. us-national.")
    checklist = load_checklist(content_dir)
    resources: list[Resource] = []
    seen: dict[str, str] = {}
    titles: dict[str, str] = {}
    for pack in packs:
        loaded = load_pack(content_dir, pack)
        titles[pack] = loaded.title
        for r in loaded.resources:
            if r.code in seen:
                raise ContentError(f"content/resources/{pack}.yaml: entry '{r.code}' ({r.name}): the code is "
                                   f"already used in pack {seen[r.code]}; every resource code must be unique.")
            seen[r.code] = pack
            resources.append(r.model_copy(update={"pack": pack}))
    problems = _recognisable_problems(resources)
    if problems:
        raise ContentError("\n".join(problems))
    # Every crisis the checklist or the concern level can raise must have somewhere to send the person.
    kinds = {i.immediate for s in checklist.checkin_sections() for i in s.items if i.immediate} | {"danger"}
    for kind in sorted(kinds):
        if not any(kind in r.immediate for r in resources):
            raise ContentError(f"resource packs {', '.join(packs)}: no resource is marked immediate: [{kind}], so "
                               f"the crisis panel would have nothing to offer. Mark at least one.")
    scripts = load_scripts(content_dir, resources)
    guidance = load_guidance(content_dir)
    return Content(checklist, resources, packs, scripts, guidance, titles)


def load_scripts(content_dir: Path, resources: Sequence[Resource]) -> ScriptSet:
    """Scripts, with every {resource.field} checked against the active packs: a script never shows a gap."""
    path = content_dir / SCRIPTS_FILE
    shown = _shown(path, content_dir)
    scripts: ScriptSet = _parse(ScriptSet, path, content_dir)
    by_code = {r.code: r for r in resources}
    problems: list[str] = []
    for script in scripts.scripts:
        where = f"{shown}: entry '{script.code}' ({script.title})"
        for field, text in (("say", script.say), ("notes", script.notes or "")):
            for code, name in placeholders(text):
                resource = by_code.get(code)
                if resource is None:
                    problems.append(f"{where}, field '{field}': {{{code}.{name}}} names the resource '{code}', "
                                    "which is not in the active resource packs")
                elif resource_field(resource, name) is None:
                    problems.append(f"{where}, field '{field}': {{{code}.{name}}}: {resource.name} has no "
                                    f"'{name}' in pack {resource.pack}; use another field or add it to the pack")
        for code in script.offer:
            if code not in by_code:
                problems.append(f"{where}, field 'offer': '{code}' is not in the active resource packs")
    if problems:
        raise ContentError("\n".join(dict.fromkeys(problems)))
    return scripts


def load_guidance(content_dir: Path) -> Guidance:
    guidance: Guidance = _parse(Guidance, content_dir / GUIDANCE_FILE, content_dir)
    return guidance


# --- other languages ----------------------------------------------------------------------------------------

DISCREET_FILE = Path("discreet-words.yaml")
# What a translation writes in its own words. Everything else (codes, versions, flags, needs, topics, the numbers
# people dial) must be the English file's, in the same order: a stored code means the same in every language, and
# a number that reaches a crisis line is never retyped. Web and chat addresses, text keywords and spelt-out letters
# may differ: an organisation's Spanish page, AYUDA instead of START.
FREE_FIELDS = frozenset({
    "title", "description", "label", "guidance", "intro", "detail", "handout", "say", "notes", "when", "name",
    "purpose", "serves", "hours", "languages", "source", "checked", "note", "plain_label", "web", "chat", "keyword",
    "letters", "numbers_heading", "notes_heading",
})


def _read_discreet(path: Path, shown: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    if not path.exists():
        raise ContentError(f"{shown}: missing. Each language lists the words that would give a handout away "
                           "('words:') and the phrases that give a plan away ('phrases:'); see docs/languages.md.")
    data = _read_yaml(path, shown)
    compiled: list[re.Pattern[str]] = []
    for key in ("words", "phrases"):
        rows = data.get(key) if isinstance(data, dict) else None
        if not isinstance(rows, list) or not rows or not all(isinstance(r, str) and r.strip() for r in rows):
            raise ContentError(f"{shown}: '{key}:' must be a list of words or patterns, at least one")
        for row in rows:
            try:
                re.compile(row)
            except re.error as exc:
                raise ContentError(f"{shown}: '{key}:' entry {row!r} is not a valid pattern ({exc})") from None
        compiled.append(re.compile(r"\b(" + "|".join(f"(?:{r.strip()})" for r in rows) + r")\b", re.IGNORECASE))
    return compiled[0], compiled[1]


def _skeleton(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _skeleton(v) for k, v in value.items() if k not in FREE_FIELDS}
    if isinstance(value, list | tuple):
        return [_skeleton(v) for v in value]
    return value


def _difference(mine: Any, english: Any, where: tuple[str, ...] = ()) -> str | None:
    """The first place two skeletons differ, said as the entry and field a translator can find."""
    said = ", ".join(where)
    if isinstance(english, dict) and isinstance(mine, dict):
        here = (*where, f"entry '{english['code']}'") if "code" in english else where
        for key in english:
            found = _difference(mine.get(key), english[key], here if key == "code" else (*here, f"field '{key}'"))
            if found:
                return found
        return None
    if isinstance(english, list) and isinstance(mine, list):
        for i, (m, e) in enumerate(zip(mine, english, strict=False)):
            found = _difference(m, e, where if isinstance(e, dict) else (*where, f"item {i + 1}"))
            if found:
                return found
        if len(mine) != len(english):
            return f"{said or 'the file'}: {len(mine)} entries here, {len(english)} in English"
        return None
    if mine != english:
        return f"{said or 'the file'}: {mine!r} here, {english!r} in English"
    return None


def _same_shape(shown: str, english_shown: str, mine: _Model, english: _Model) -> None:
    found = _difference(_skeleton(mine.model_dump()), _skeleton(english.model_dump()))
    if found:
        raise ContentError(f"{shown}: {found}. A translation keeps every code, version and setting of "
                           f"{english_shown}, in the same order, and translates only the words.")


def load_translation(content_dir: Path, code: str, english: Content) -> Content:
    """A language's copy of the content, checked entry by entry against the English: same codes, same order,
    same settings, every entry present. A missing file or entry stops start-up, naming it."""
    folder = Path(content_dir) / code
    if not folder.is_dir():
        raise ContentError(f"content/{code}/: missing. Every language listed in content/locale/languages.yaml needs "
                           "its own copy of the checklist, resource packs, scripts and guidance there, with the same "
                           "codes (docs/languages.md).")
    _DISCREET[code] = _read_discreet(folder / DISCREET_FILE, f"content/{code}/{DISCREET_FILE.as_posix()}")
    with i18n.using(code):  # handout lines are checked against this language's words
        try:
            mine = load_content(folder, english.packs)
        except ContentError as exc:
            raise ContentError(str(exc).replace("content/", f"content/{code}/")) from None
    pairs: list[tuple[Path, _Model, _Model]] = [(CHECKLIST_FILE, mine.checklist, english.checklist)]
    if english.script_set and mine.script_set:
        pairs.append((SCRIPTS_FILE, mine.script_set, english.script_set))
    if english.guidance and mine.guidance:
        pairs.append((GUIDANCE_FILE, mine.guidance, english.guidance))
    for path, translated, original in pairs:
        _same_shape(f"content/{code}/{path.as_posix()}", f"content/{path.as_posix()}", translated, original)
    for pack in english.packs:
        theirs = [r for r in english.resources if r.pack == pack]
        ours = [r for r in mine.resources if r.pack == pack]
        shown = f"content/{code}/{(RESOURCES_DIR / pack).as_posix()}.yaml"
        found = _difference([_skeleton(r.model_dump()) for r in ours], [_skeleton(r.model_dump()) for r in theirs])
        if found:
            raise ContentError(f"{shown}: {found}. A translation keeps every code, number and setting of "
                               f"content/{(RESOURCES_DIR / pack).as_posix()}.yaml and translates only the words.")
    for script in english.scripts:  # the same resources named, so a referral offered is the same in each language
        other = mine.script(script.code)
        if other.offerable() != script.offerable() or set(other.named_resources()) != set(script.named_resources()):
            raise ContentError(f"content/{code}/{SCRIPTS_FILE.as_posix()}: entry '{script.code}': names the resources "
                               f"{', '.join(other.named_resources()) or 'none'}; the English names "
                               f"{', '.join(script.named_resources()) or 'none'}. Name the same ones.")
    return mine
