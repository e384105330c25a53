"""Screening of free-text check-in notes for details that could identify a person.

Clients are known only by a random code, so a note must never carry a name, phone number, e-mail
address, online account, street address, date of birth, ID number or card number of a client
or of anyone around them. `screen_note` finds what looks like one before anything is saved, so
the advocate can reword the note; `highlight` shows the advocate where each finding is.

The checks lean cautious (a false alarm costs a rewording, a miss can put a survivor at risk)
but leave alone the numbers advocates write all the time: doses, times, counts, scores, recent
dates, hotline short codes and resource numbers, money, the app's own client codes.

Kinds (`Finding.kind`, one of `KINDS`):

- `name`: people's names, from a lexicon of first names and surnames (1990 US Census, Faker's
  English and Spanish lists) read with context rules: after a relationship word or a title, first
  name + surname, a capitalised first name mid-sentence, a lower-case first name that is no word.
  Names that are also words, places, months or parts of an organisation's name pass
  (`models/rules/names.py` has the rules). Words in `not_names` (the advocate confirmed them) and
  names inside `allowed_phrases` (resource names) are left alone.
- `phone`: found by the `phonenumbers` library's matcher for the given region, plus national
  formats with a leading 0 for other countries (GB and DE rules around 0-prefixed digit runs)
  and `+`/`00`/`011` international formats, and numbers spelled out in English or Spanish words
  ("five oh three five five five ..."; nine digits spelled out count as an ID number).
  Numbers in `allowed_numbers` are left alone.
- `email`: `name@domain.tld`, and spelled-out forms such as `name at domain dot com`.
- `online_account`: social media / payment app profile links (`facebook.com/jane.doe`),
  `@handles` with a digit, `_` or `.`, handles after a platform word (`IG: jane.doe`,
  `username is janedoe`), cashtags (`$JaneD88`).
- `address`: house number + street name + street type (`12 Oak St`, `221B Baker Street`),
  street type first (`Calle Loíza 1501`, `14 rue de la Paix`), German `Hauptstraße 12`, units
  (`Apt 4B`, `Unit 12`, `Suite 200`), `PO Box 123`, a US ZIP next to a state
  (`Springfield, IL 62704`) or after the word zip, UK and Canadian postcodes (with their space).
  Neighbouring parts of one address become one finding.
- `date_of_birth`: a full date whose year is 1900 to ten years ago, in numeric, ISO or
  month-name form; or any date (day and month alone, month and year) next to born / DOB /
  date of birth / birthday.
- `id_number`: US SSN shapes (`123-45-6789`, `123 45 6789`), numbers after words such as SSN,
  passport, licence, ID, A-number, Medicaid, case number, docket, account, plate; any unbroken
  run of nine or more digits.
- `card_number`: 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check.

Known gaps: a house number and street name without a street type ("123 Main"), a year of
birth alone ("born 1988"), a surname alone that is also an everyday word ("Brown", "King") with
no title or first name, a name-word opening a sentence ("Will said ..."), nicknames, and
identifiers described in words rather than written out.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from phonenumbers import (
    SUPPORTED_REGIONS,
    Leniency,
    NumberParseException,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    format_number,
    parse,
)

from models.base.i18n import N_, _
from models.rules.names import find_names

PHONE = "phone"
EMAIL = "email"
ADDRESS = "address"
DATE_OF_BIRTH = "date_of_birth"
ID_NUMBER = "id_number"
CARD_NUMBER = "card_number"
ONLINE_ACCOUNT = "online_account"
NAME = "name"
KINDS = (NAME, PHONE, EMAIL, ADDRESS, DATE_OF_BIRTH, ID_NUMBER, CARD_NUMBER, ONLINE_ACCOUNT)

# What each finding tells the advocate (shown with _() when a note is screened). The contact sentence is repeated
# whole in each, so every reason is one message a translator sees entire.
REASONS = {
    NAME: N_("Looks like a person's name. Notes must not name anyone: write 'her partner', 'her sister' "
             "or 'the officer' instead of a name."),
    PHONE: N_("Looks like a phone number. Notes must not hold contact details of a client or of anyone close to "
              "them."),
    EMAIL: N_("Looks like an e-mail address. Notes must not hold contact details of a client or of anyone close "
              "to them."),
    ADDRESS: N_("Looks like a street address or postcode. "
                "Notes must not say where anyone lives or can be found."),
    DATE_OF_BIRTH: N_("Looks like a date of birth. Notes must not hold birth dates; "
                      "if this is another date, give only the month and year."),
    ID_NUMBER: N_("Looks like an ID, case or account number. "
                  "Notes must not hold numbers that could identify someone."),
    CARD_NUMBER: N_("Looks like a payment card number. Notes must never hold card numbers."),
    ONLINE_ACCOUNT: N_("Looks like a social media or payment app account. Notes must not hold contact details of a "
                       "client or of anyone close to them."),
}
# When findings overlap, the longest wins; on a tie, the earlier kind in this order.
_PRIORITY = {kind: rank for rank, kind in
             enumerate((EMAIL, ONLINE_ACCOUNT, PHONE, CARD_NUMBER, DATE_OF_BIRTH, ADDRESS, ID_NUMBER, NAME))}

# The app's own client codes (see models.clients.CODE_ALPHABET; a unit test keeps the two equal).
# Kept here rather than imported so screening stays free of the database layer.
CLIENT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CLIENT_CODE = re.compile(rf"[{CLIENT_CODE_ALPHABET}]{{3}}-?[{CLIENT_CODE_ALPHABET}]{{3}}", re.IGNORECASE)

# Regions whose rules catch other countries' national formats (leading 0 trunk prefix, 00 IDD).
EXTRA_PHONE_REGIONS = ("GB", "DE")
_NANP_REGIONS = frozenset({"US", "CA", "PR", "VI", "GU", "AS", "MP", "AG", "AI", "BB", "BM", "BS", "DM", "DO",
                           "GD", "JM", "KN", "KY", "LC", "MS", "SX", "TC", "TT", "VC", "VG"})
# Digit groups of a national number as people write them; seven unbroken digits are more often an amount.
_NANP_SHAPES = frozenset({(10,), (3, 7), (3, 3, 4), (3, 4)})


@dataclass(frozen=True)
class Finding:
    """One stretch of a note that looks like an identifier: `text == note[start:end]`."""

    start: int
    end: int
    kind: str
    reason: str
    text: str


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    kind: str
    named: bool = False  # the note says what it is ("acct 0044..."): that kind wins over a same-length guess


def screen_note(text: str, region: str = "US", allowed_numbers: Iterable[str] = (), *,
                today: date | None = None, allowed_phrases: Iterable[str] = (),
                not_names: Iterable[str] = ()) -> list[Finding]:
    """Everything in `text` that looks like an identifier, sorted by start and never overlapping.

    `region` is where unprefixed phone numbers are read as national numbers (unknown: US).
    `allowed_numbers` are public numbers (hotlines from the resource packs) an advocate may
    write, compared on their digits. `today` fixes the clock for the birth-date rule (tests).
    `allowed_phrases` are names of resources and programmes that hold a name-like word
    ("Pandora's Project"); `not_names` are words the advocate confirmed are no one's name in
    this note (case and accents ignored). Both only ever drop `name` findings.
    """
    if not text:
        return []
    today = today or date.today()
    region = (region or "US").upper()
    if region not in SUPPORTED_REGIONS:
        region = "US"  # a misconfigured region must not switch national-format detection off
    allowed = _allowed_keys(allowed_numbers, region)
    hits: list[_Hit] = []
    hits += _phones(text, region, allowed)
    hits += _emails(text)
    hits += _online_accounts(text)
    hits += _addresses(text)
    hits += _birth_dates(text, today)
    hits += _id_numbers(text, allowed)
    hits += _cards(text)
    hits += _spelled_numbers(text, allowed)
    hits += [_Hit(start, end, NAME) for start, end in
             find_names(text, allowed_phrases=allowed_phrases, not_names=not_names)]
    return _resolve(text, hits)


def highlight(text: str, findings: Iterable[Finding]) -> str:
    """The note as HTML with each finding wrapped in `<mark title="reason">`, everything else inert.

    Render it with Markdown and raw HTML allowed (`unsafe_allow_html=True`): that is safe because
    every character of the note is escaped. `< > & " '` become entities; so does all other ASCII
    punctuation, which a Markdown renderer then shows literally instead of reading `*`, `_`, `#`,
    `[`, `` ` ``, `$`... as syntax; line breaks become `<br>` so the result is a single line and no
    line can start a heading, list or code block; runs of spaces become `&nbsp;`; control
    characters become U+FFFD. Findings that do not fit `text` (out of range, overlapping an earlier
    one, or `text[start:end] != finding.text` because the note changed since screening) are skipped.
    """
    marks: dict[int, Finding] = {}
    last_end = 0
    for f in sorted(findings, key=lambda f: (f.start, f.end)):
        if 0 <= f.start < f.end <= len(text) and f.start >= last_end and text[f.start:f.end] == f.text:
            marks[f.start] = f
            last_end = f.end
    out: list[str] = []
    space_before = True
    close_at = -1
    for i, ch in enumerate(text):
        if i == close_at:
            out.append("</mark>")
        finding = marks.get(i)
        if finding is not None:
            title = "".join(_escape_char(" " if c in _BREAKS else c, False) for c in finding.reason)
            kind = _escape_kind(finding.kind)
            out.append(f'<mark class="screening-finding" data-kind="{kind}" title="{title}">')
            close_at = finding.end
        if ch == "\r" and text[i + 1:i + 2] == "\n":
            out.append("")  # the "\n" that follows makes the line break
        else:
            out.append(_escape_char(ch, space_before))
        space_before = ch == " " or ch == "\t" or ch in _BREAKS
    if close_at == len(text):
        out.append("</mark>")
    return "".join(out)


# --------------------------------------------------------------------------- phone numbers


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


def _digit_key(s: str) -> str:
    digits = _digits(s)
    # A leading 1 (NANP country code or long-distance prefix) does not make another number.
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _allowed_keys(numbers: Iterable[str], region: str) -> frozenset[str]:
    """Digit forms and E.164 forms of the public numbers a note may contain."""
    keys: set[str] = set()
    for raw in numbers or ():
        raw = str(raw)
        if _digits(raw):
            keys.add(_digit_key(raw))
        with contextlib.suppress(NumberParseException):
            keys.add(format_number(parse(raw, region), PhoneNumberFormat.E164))
    return frozenset(keys)


@dataclass(frozen=True)
class _PhoneMatch:
    start: int
    end: int
    raw_string: str
    number: PhoneNumber


_CURRENCY = frozenset("$£€¥")
_EXTENSION = re.compile(r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$")
_DATE_LIKE = re.compile(r"^\d{1,4}[./ -]\d{1,2}[./ -]\d{2,4}$")
_ZERO_RUN = re.compile(r"(?<!\d)0(?:[\s().\-/]{0,2}\d){8}")


def _phones(text: str, region: str, allowed: frozenset[str]) -> Iterator[_Hit]:
    """Phone numbers by `phonenumbers`, with the grouping checks that keep counts and dates out.

    POSSIBLE leniency because fictional and new numbers (555-0100) are not "valid" but are still
    someone's number; the grouping rules then reject digit sequences that are not laid out
    like a phone number ("1 2 3 4 5 6 7 8 9 10", "2024-001234").
    """
    # Other countries' national formats start with a 0 trunk prefix (or 00 to dial abroad), so
    # their rules only need to run on the stretches around such digit runs.
    windows: list[tuple[int, int]] = []
    for m in _ZERO_RUN.finditer(text):
        start, end = max(0, m.start() - 20), min(len(text), m.end() + 30)
        while start > 0 and not text[start - 1].isspace() and m.start() - start < 60:
            start -= 1  # never cut a number in two
        while end < len(text) and not text[end].isspace() and end - m.end() < 60:
            end += 1
        if windows and start <= windows[-1][1]:
            start = windows.pop()[0]
        windows.append((start, end))
    passes = [(region, 0, len(text))]
    passes += [(r, start, end) for r in EXTRA_PHONE_REGIONS if r != region for start, end in windows]
    for r, offset, stop in passes:
        nanp = r in _NANP_REGIONS
        for m in _matches(text[offset:stop], r, offset):
            raw = m.raw_string
            if text[max(0, m.start - 1):m.start] in _CURRENCY:
                continue
            digits = _digits(raw)
            international = (raw.lstrip("( ").startswith(("+", "\uff0b"))
                             or digits.startswith("011" if nanp else "00"))
            if not international:
                main = _EXTENSION.sub("", raw)
                groups = tuple(len(g) for g in re.findall(r"\d+", main))
                if _DATE_LIKE.match(main.strip("() ")):
                    continue
                if r == region:
                    if nanp:
                        if groups and groups[0] == 1 and main.lstrip("( ")[:1] == "1":
                            groups = groups[1:]
                        if groups not in _NANP_SHAPES:
                            continue
                    elif not _generic_grouping(groups):
                        continue
                elif not (digits.startswith("0") and len(digits) >= 9 and _generic_grouping(groups)):
                    continue
            if _digit_key(raw) in allowed or _e164(m.number) in allowed:
                continue
            yield _Hit(m.start, m.end, PHONE)


def _matches(text: str, region: str, offset: int) -> Iterator[_PhoneMatch]:
    for m in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        yield _PhoneMatch(m.start + offset, m.end + offset, m.raw_string, m.number)


def _generic_grouping(groups: tuple[int, ...]) -> bool:
    return 0 < len(groups) <= 5 and all(g >= 2 for g in groups[1:])


def _e164(number: PhoneNumber) -> str:
    return format_number(number, PhoneNumberFormat.E164)


# --------------------------------------------------------------------------- spelled-out numbers


_UNITS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
          "six": "6", "seven": "7", "eight": "8", "nine": "9",
          "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
          "siete": "7", "ocho": "8", "nueve": "9"}
_TEENS = {"ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
          "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19"}
_TENS = {"twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
         "ninety": "9"}
_REPEAT = {"double": 2, "triple": 3}
_NUMBER_WORD = re.compile(r"(?i)(?<![\w])(?:[a-z]+|\d{1,4})(?![\w])")
_NUMBER_GAP = re.compile(r"(?i)(?:[ \t]*[,.\-–/][ \t]*|[ \t]+(?:dash[ \t]+)?|[ \t]*-[ \t]*)")


def _spelled_numbers(text: str, allowed: frozenset[str]) -> Iterator[_Hit]:
    """Phone numbers said in words: "five oh three five five five zero one two three", "cinco cinco ...".

    A run of number words (and digit groups) with only spaces, commas, dots or dashes between them
    is read digit by digit ("double five" is 55, "fifty five" is 55, "eight hundred" is 800). Seven,
    ten or eleven digits make a phone number; eight, nine or twelve and more an ID number. At least
    one word must be spelled out: digits alone are the other rules' business.
    """
    words = list(_NUMBER_WORD.finditer(text))
    i = 0
    while i < len(words):
        run_start = i
        digits = ""
        spelled = False
        pending_repeat = 1
        last_end = None
        j = i
        while j < len(words):
            m = words[j]
            if last_end is not None and not _NUMBER_GAP.fullmatch(text, last_end, m.start()):
                break
            w = m.group().lower()
            if w.isdigit():
                if pending_repeat != 1:
                    break
                digits += w
            elif w in _REPEAT:
                pending_repeat = _REPEAT[w]
                spelled = True
            elif w in _UNITS and (w not in ("o", "oh") or digits or pending_repeat != 1):
                digits += _UNITS[w] * pending_repeat
                pending_repeat = 1
                spelled = True
            elif w in _TEENS:
                digits += _TEENS[w]
                spelled = True
            elif w in _TENS:
                nxt = words[j + 1] if j + 1 < len(words) else None
                unit = nxt.group().lower() if nxt is not None else ""
                if nxt is not None and unit in _UNITS and unit not in ("o", "oh", "zero", "cero") and \
                        re.fullmatch(r"[ \t-]", text[m.end():nxt.start()]):
                    digits += _TENS[w] + _UNITS[unit]
                    j += 1
                    m = nxt
                else:
                    digits += _TENS[w] + "0"
                spelled = True
            elif w == "hundred" and digits:
                digits += "00"
            else:
                break
            last_end = m.end()
            j += 1
        if j > run_start and spelled and last_end is not None:
            start, end = words[run_start].start(), last_end
            count = len(digits)
            if count in (7, 10) or (count == 11 and digits.startswith("1")):
                if _digit_key(digits) not in allowed:
                    yield _Hit(start, end, PHONE)
            elif count >= 8:
                yield _Hit(start, end, ID_NUMBER)
        i = max(j, i + 1)


# --------------------------------------------------------------------------- e-mail


_TLDS = r"(?:com|net|org|edu|gov|mil|info|biz|us|uk|ca|au|de|fr|es|mx|in|ph|ie|nz|co|io|me)"
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_EMAIL_SPELLED = re.compile(
    rf"(?<![\w.%+-])[\w.%+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+){{0,2}}?{_DOT}{_TLDS}(?![\w-])", re.IGNORECASE)


def _emails(text: str) -> Iterator[_Hit]:
    for pattern in (_EMAIL, _EMAIL_SPELLED):
        for m in pattern.finditer(text):
            yield _Hit(m.start(), m.end(), EMAIL)


# --------------------------------------------------------------------------- online accounts


_PLATFORM_SITES = (r"(?:facebook\.com|fb\.com|fb\.me|instagram\.com|instagr\.am|twitter\.com|x\.com|tiktok\.com|"
                   r"snapchat\.com|linkedin\.com|youtube\.com|threads\.net|reddit\.com|t\.me|telegram\.me|"
                   r"wa\.me|venmo\.com|cash\.app|paypal\.me|onlyfans\.com|pinterest\.com|tumblr\.com|bsky\.app|"
                   r"discord\.gg|kik\.me|match\.com|tinder\.com)")
_PROFILE_URL = re.compile(rf"(?<![\w.@-])(?:https?://)?(?:www\.|m\.|mobile\.)?{_PLATFORM_SITES}/[^\s<>\"'`)\]]+",
                          re.IGNORECASE)
_PLATFORM_WORD = (r"instagram|insta|ig|snapchat|snap|tiktok|twitter|facebook|fb|venmo|cash[ \t]?app|paypal|"
                  r"telegram|whatsapp|kik|discord|onlyfans|"
                  r"handle|(?P<account>user[ \t]?name|screen[ \t]?name|gamertag)")
_HANDLE = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?"
_AT_HANDLE = re.compile(rf"(?<![\w@.+-])@({_HANDLE})(?![\w@])")
_NAMED_HANDLE = re.compile(
    rf"(?<!\w)(?i:{_PLATFORM_WORD})(?!\w)(?P<sep>(?:[ \t]*(?:[:=-]|(?i:is|name|id|account|handle)(?!\w))){{0,3}})[ \t]*"
    rf"(?P<handle>@?{_HANDLE})(?![\w@])")
_CASHTAG = re.compile(r"(?<![\w$])\$[A-Za-z][A-Za-z0-9_-]{2,19}(?![\w-])")
_TIME_OR_COUNT = re.compile(r"(?i)\d+(?::\d{2})?(?:am|pm|h|hrs?|x)?")


def _online_accounts(text: str) -> Iterator[_Hit]:
    """Profile links, @handles and cashtags: each reaches a person as surely as a phone number.

    A bare "@home" or "@court" is shorthand for "at", so an @word counts only when it has a digit,
    `_` or `.` in it, or follows a platform word ("insta @janedoe").
    """
    for m in _PROFILE_URL.finditer(text):
        yield _Hit(m.start(), m.end(), ONLINE_ACCOUNT)
    named: dict[int, int] = {}
    for m in _NAMED_HANDLE.finditer(text):
        handle = m.group("handle")
        sep = m.group("sep")
        marked = handle.startswith("@") or ":" in sep or (m.group("account") is not None and sep.strip() != "")
        if (marked or re.search(r"[\d_.]", handle)) and not _TIME_OR_COUNT.fullmatch(handle.lstrip("@")):
            named[m.start("handle")] = m.end("handle")
    for start, end in named.items():
        yield _Hit(start, end, ONLINE_ACCOUNT)
    for m in _AT_HANDLE.finditer(text):
        handle = m.group(1)
        if m.start() not in named and re.search(r"[\d_.]", handle) and not _TIME_OR_COUNT.fullmatch(handle):
            yield _Hit(m.start(), m.end(), ONLINE_ACCOUNT)
    for m in _CASHTAG.finditer(text):
        if not (len(m.group()) == 4 and m.group()[1:].isupper()):  # $USD, $CAD: currency codes
            yield _Hit(m.start(), m.end(), ONLINE_ACCOUNT)


# --------------------------------------------------------------------------- addresses


# Street types that are rarely anything else, in any case.
_SUFFIX_ANY = ("street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|ct|pl|highway|hwy|parkway|pkwy|cir|trl|"
               "expressway|expy|freeway|fwy|turnpike|tpke|pike|alley|aly|crescent|cres|ter|terr|sq|broadway")
# Street types that are also ordinary words ("a 20 minute drive", "2 Family Court hearings"):
# only with a capital letter, and not when a lowercase noun follows.
_SUFFIX_CAPITAL = ("drive|dr|court|way|place|circle|square|close|plaza|loop|gardens|grove|trail|terrace|"
                   "row|walk|mews")
_CAPITAL_SUFFIXES = frozenset(_SUFFIX_CAPITAL.split("|"))
_STREET = re.compile(
    r"(?<![\w.,/$£€-])(\d{1,6}[A-Za-z]?(?:-\d{1,6}[A-Za-z]?)?)\s+"
    r"((?:(?:\d{1,3}(?:st|nd|rd|th)|[^\W\d_][\w'’.-]*)\s+){0,4}?)"
    rf"({_SUFFIX_ANY}|{_SUFFIX_CAPITAL})(?![\w-])",
    re.IGNORECASE,
)
_NOT_STREET_NAME = frozenset({
    "a", "an", "the", "at", "to", "in", "on", "of", "for", "with", "and", "or", "but", "by", "from",
    "her", "his", "their", "my", "our", "your", "its", "she", "he", "they", "we", "i", "you", "it",
    "is", "was", "were", "are", "be", "been", "has", "had", "have", "times", "time", "hours", "hour",
    "hrs", "minutes", "minute", "mins", "days", "day", "weeks", "week", "months", "month", "years",
    "year", "nights", "night", "kids", "children", "miles", "mile", "blocks", "block", "mg", "more",
    "less", "than", "about", "around", "over", "under", "per", "each", "every", "other", "different"
})
# Words that may follow a capitalised street type in an address ("12 Oak Court in ...").
_AFTER_ADDRESS = frozenset({
    "in", "near", "and", "at", "on", "to", "by", "with", "where", "which", "but", "or", "is", "was",
    "apt", "apartment", "unit", "suite", "ste", "flat", "off", "behind", "opposite",
    "last", "this", "next", "yesterday", "today", "tonight", "tomorrow", "since", "until", "before", "after"
})
_NEXT_WORD = re.compile(r"\s+([a-z][\w'’-]*)")
_UNIT = re.compile(
    r"(?<![\w-])(?:apt|apartment|unit|suite|ste|flat)(?:\.?\s*#\s*|\.?\s+|\.)(?:no\.?\s*)?"
    r"(\d{1,5}[A-Za-z]?|\d{1,4}-(?-i:[A-Z])|(?-i:[A-Z])-?\d{0,4})(?![\w-])",
    re.IGNORECASE,
)
_QUANTITY_AFTER = re.compile(r"\s+(?:times?|days?|weeks?|months?|years?|nights?|hours?|hrs?|minutes?|mins?|"
                             r"kids?|children|people|miles?|blocks?|percent|mg|ml)\b", re.IGNORECASE)
_PO_BOX = re.compile(r"(?<!\w)(?:p\.?\s?o\.?\s*|post\s+office\s+)box\s*#?\s*\d{1,7}(?!\w)", re.IGNORECASE)
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|"
           "NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|AS|MP|"
           "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
           "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
           "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
           "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
           "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
           "Wisconsin|Wyoming|Puerto Rico")
_STATE_ZIP = re.compile(rf"(?<!\w)(?P<state>{_STATES})\.?,?[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])")
_CITY_BEFORE = re.compile(r"(?:[A-Z][\w'’.-]*[ \t]+){0,2}[A-Z][\w'’.-]*,?[ \t]+$")
_ZIP_WORD = re.compile(r"(?<!\w)(?i:zip(?:[ \t]*code)?|post(?:al)?[ \t]*code)[ \t]*:?[ \t]*"
                       r"(?:\d{5}(?:-\d{4})?|(?-i:[A-Z][A-Z0-9]{1,3}[ \t]?\d[A-Z0-9]{2}))(?![\w-])")
_UK_POSTCODE = re.compile(r"(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) \d[ABD-HJLNP-UW-Z]{2}(?![\w-])")
_CA_POSTCODE = re.compile(r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])")
# Street type first, as in Spanish, French and Portuguese: "Calle Loíza 1501", "14 rue de la Paix".
_PREFIX_TYPE = r"(?:calle|avenida|av\.|avda\.?|carrera|cra\.|paseo|camino|carretera|rue|chemin|rua|travessa)"
_PREFIX_STREET = re.compile(
    rf"(?<!\w){_PREFIX_TYPE}[ \t]+(?:(?:[^\W\d_][\w'’.-]*|\d{{1,3}}[A-Za-z]?)[ \t]+){{1,4}}?(?:No\.?[ \t]*|\#[ \t]*)?"
    r"\d{1,5}[A-Za-z]?(?:-\d{1,4})?(?![\w-])"
    rf"|(?<![\w.,/$£€-])\d{{1,5}}[A-Za-z]?,?[ \t]+{_PREFIX_TYPE}[ \t]+[^\W\d_][\w'’.-]*"
    r"(?:[ \t]+[^\W\d_][\w'’.-]*){0,3}",
    re.IGNORECASE,
)
# Street type last and number after, as in German: "Hauptstraße 12", "Lindenweg 3a".
_GERMAN_STREET = re.compile(r"(?<!\w)[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse)"
                            r"[ \t]+\d{1,4}[a-z]?(?![\w-])")


def _addresses(text: str) -> Iterator[_Hit]:
    """Street lines, units, PO boxes, state + ZIP, postcodes: each alone locates a household."""
    for m in _STREET.finditer(text):
        suffix = m.group(3)
        words = m.group(2).split()
        if not words and suffix.lower() != "broadway":
            continue
        if any(w.lower().strip(".") in _NOT_STREET_NAME for w in words):
            continue
        if suffix.lower() in _CAPITAL_SUFFIXES:
            if not suffix[0].isupper():
                continue
            after = _NEXT_WORD.match(text, m.end())
            if after and after.group(1) not in _AFTER_ADDRESS:
                continue
        yield _Hit(m.start(), m.end(), ADDRESS)
    for m in _UNIT.finditer(text):
        if not _QUANTITY_AFTER.match(text, m.end()):
            yield _Hit(m.start(), m.end(), ADDRESS)
    for m in _STATE_ZIP.finditer(text):
        head = text[max(0, m.start() - 60):m.start()]
        city = _CITY_BEFORE.search(head)
        if city is None and m.group("state") == "ID":
            continue  # "ID 12345" is an ID number (found as one), not Idaho
        yield _Hit(m.start() - (len(head) - city.start() if city else 0), m.end(), ADDRESS)
    for pattern in (_PO_BOX, _ZIP_WORD, _UK_POSTCODE, _CA_POSTCODE, _PREFIX_STREET, _GERMAN_STREET):
        for m in pattern.finditer(text):
            yield _Hit(m.start(), m.end(), ADDRESS)


# --------------------------------------------------------------------------- dates of birth


_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONTH_NUMBER = {name: n for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_YEAR_AFTER = r"(?:,?[ \t]*(\d{4}|'\d{2}))?(?![\w'])"
# Full dates: numeric day and month in either order, ISO, and month names either side of the day.
_NUMERIC = re.compile(r"(?<![\w/.:,-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|[.:,]\d)")
_ISO = re.compile(r"(?<![\w/.:,-])(\d{4})([/.-])(\d{1,2})\2(\d{1,2})(?![\w/-]|[.:,]\d)")
_MONTH_DAY = re.compile(rf"(?<!\w)({_MONTH})\.?[ \t]+(\d{{1,2}})(?:st|nd|rd|th)?\b{_YEAR_AFTER}",
                        re.IGNORECASE)
_DAY_MONTH = re.compile(
    rf"(?<![\w/.:-])(\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?({_MONTH})\b\.?{_YEAR_AFTER}",
    re.IGNORECASE)
# Only next to a birth word: day and month without a year, month and year, compact digits.
_SHORT_NUMERIC = re.compile(r"(?<![\w/.:,-])(\d{1,2})([/.-])(\d{1,2})(?![\w/.-]|[:,]\d)")
_MONTH_YEAR = re.compile(rf"(?<!\w)({_MONTH})\.?,?[ \t]+(\d{{4}})(?!\w)", re.IGNORECASE)
_NUMERIC_MONTH_YEAR = re.compile(r"(?<![\w/.:,-])(\d{1,2})[/.-](\d{4})(?![\w/-]|[.:,]\d)")
_COMPACT = re.compile(r"(?<!\w)(\d{8})(?!\w)")
_BIRTH_WORD = re.compile(r"(?<!\w)(?:d\.?[ \t]?o\.?[ \t]?b|date[ \t]+of[ \t]+birth|birth[ \t]*-?[ \t]*date|"
                         r"birth[ \t]*day|b-?day|born)(?!\w)\.?", re.IGNORECASE)
_GAP_BREAK = re.compile(r"[!?;\n]|\.\s")


@dataclass(frozen=True)
class _Date:
    start: int
    end: int
    year: int | None  # None: no year written
    plausible_day: bool  # some reading of day and month is a real calendar date


def _birth_dates(text: str, today: date) -> Iterator[_Hit]:
    """Full dates that could be a birth date, and any date written next to a birth word.

    A year from 1900 up to ten years ago could be a client's birth year; a recent date
    ("on 11/02/2026 she said") is a contact date and passes. Next to born / DOB / birthday
    every date counts, including a child's recent one and day-and-month alone.
    """
    words = [(m.start(), m.end()) for m in _BIRTH_WORD.finditer(text)]
    latest_birth_year = today.year - 10
    for d in _dates(text, today, with_short=bool(words)):
        if not d.plausible_day:
            continue
        if _near_birth_word(text, d, words) or (d.year is not None and 1900 <= d.year <= latest_birth_year):
            yield _Hit(d.start, d.end, DATE_OF_BIRTH)


def _near_birth_word(text: str, d: _Date, words: list[tuple[int, int]]) -> bool:
    for start, end in words:
        if end <= d.start and d.start - end <= 40 and not _GAP_BREAK.search(text, end, d.start):
            return True
        if d.end <= start and start - d.end <= 3 and not text[d.end:start].strip(" \t(,:-"):
            return True
    return False


def _year(raw: str | None, today: date) -> int | None:
    if raw is None:
        return None
    digits = raw.lstrip("'")
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _real(year: int | None, month: int, day: int) -> bool:
    try:
        date(year or 2000, month, day)  # 2000 is a leap year: 29 February stays possible
    except ValueError:
        return False
    return True


def _dates(text: str, today: date, *, with_short: bool) -> Iterator[_Date]:
    for m in _NUMERIC.finditer(text):
        a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4), today)
        if m.group(2) == "." and len(m.group(4)) == 2 and not with_short:
            continue  # "2.1.10" is far more often a version or a list than a date
        yield _Date(m.start(), m.end(), y, _real(y, a, b) or _real(y, b, a))
    for m in _ISO.finditer(text):
        y = int(m.group(1))
        yield _Date(m.start(), m.end(), y, _real(y, int(m.group(3)), int(m.group(4))))
    for m in _MONTH_DAY.finditer(text):
        y = _year(m.group(3), today)
        yield _Date(m.start(), m.end(), y, _real(y, _MONTH_NUMBER[m.group(1)[:3].lower()], int(m.group(2))))
    for m in _DAY_MONTH.finditer(text):
        y = _year(m.group(3), today)
        yield _Date(m.start(), m.end(), y, _real(y, _MONTH_NUMBER[m.group(2)[:3].lower()], int(m.group(1))))
    if not with_short:
        return
    # Partial dates: reported only when a birth word is near, which the caller checks.
    for m in _SHORT_NUMERIC.finditer(text):
        a, b = int(m.group(1)), int(m.group(3))
        yield _Date(m.start(), m.end(), None, _real(None, a, b) or _real(None, b, a))
    for m in _MONTH_YEAR.finditer(text):
        yield _Date(m.start(), m.end(), None, True)
    for m in _NUMERIC_MONTH_YEAR.finditer(text):
        yield _Date(m.start(), m.end(), None, 1 <= int(m.group(1)) <= 12)
    for m in _COMPACT.finditer(text):
        s = m.group(1)
        y1, y2 = int(s[:4]), int(s[4:])
        real = _real(y1, int(s[4:6]), int(s[6:])) or any(
            _real(y2, int(s[i:i + 2]), int(s[j:j + 2])) for i, j in ((0, 2), (2, 0)))
        yield _Date(m.start(), m.end(), None, real)


# --------------------------------------------------------------------------- ID and card numbers


_SSN_SHAPE = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
# Words after which a number identifies someone. Strong ones also catch a last-four ("SSN last 4: 6789").
_STRONG_ID_WORD = (r"ssn|ss\#|soc(?:ial)?\.?[ \t]+sec(?:urity)?\.?|itin|a-?number|a\#|alien[ \t]+"
                   r"(?:registration[ \t]+)?(?:number|no\.?|\#)|uscis(?:[ \t]+number)?")
_ID_WORD = (r"driv(?:er'?s?|ing)[ \t]+licen[cs]e|licen[cs]e|passport|visa|green[ \t]+card|medicaid|medicare|"
            r"insurance|policy|member|account|acct|routing|docket|mrn|medical[ \t]+record|inmate|booking|"
            r"student|employee|badge|plate|vin|ein|tax[ \t]+id|"
            r"(?:case|file|record|reference|ref|claim|order|protective[ \t]+order|report|petition)[ \t]*"
            r"(?:number|num|no\.?|\#)")
_ID_KEYWORD = re.compile(
    rf"(?<!\w)(?:(?P<strong>(?i:{_STRONG_ID_WORD}))|(?i:{_ID_WORD})|(?-i:ID|Id|I\.D\.|DL)"
    r"|(?i:id[ \t]*(?:number|no\.?|\#)))"
    r"(?:[ \t]*(?:[:#=\-–,]|(?i:(?:number|num|no\.?|id|plate|card|is|was|ending[ \t]+in|ends[ \t]+in|ending|"
    r"last[ \t]+(?:4|four)(?:[ \t]+digits)?|digits|of|reads)(?!\w)))){0,4}[ \t]*"
    r"(?P<value>(?:[A-Z]{1,4}[ ]|[A-Za-z]{1,4}[-.]?)?\d[A-Za-z0-9]*"
    r"(?:[-./][A-Za-z0-9]+|[ ]\d[A-Za-z0-9]*){0,6})(?![\w])"
)
_LONG_DIGITS = re.compile(r"(?<![\w$£€¥.,/-])(?:[A-Za-z]{1,3}-?)?\d{9,}(?!\w|[.,]\d)")
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![ -]?\d)(?!\w)")


def _id_numbers(text: str, allowed: frozenset[str]) -> Iterator[_Hit]:
    """SSN shapes, numbers after identity words, and long unbroken digit runs."""
    for m in _SSN_SHAPE.finditer(text):
        yield _Hit(m.start(), m.end(), ID_NUMBER)
    for m in _ID_KEYWORD.finditer(text):
        value = m.group("value")
        count = len(_digits(value))
        if _CLIENT_CODE.fullmatch(value):
            continue
        mixed = not value.isdigit() and len(value) >= 7 and count >= 2  # "WDL0ALD8R9XB", a state's licence
        if count >= 5 or mixed or (count >= 4 and (m.group("strong") is not None or not value.isdigit())):
            yield _Hit(m.start("value"), m.end("value"), ID_NUMBER, named=True)
    for m in _LONG_DIGITS.finditer(text):
        if _digit_key(m.group()) not in allowed:
            yield _Hit(m.start(), m.end(), ID_NUMBER)


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        n = int(c)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _cards(text: str) -> Iterator[_Hit]:
    for m in _CARD.finditer(text):
        if _luhn(_digits(m.group())):
            yield _Hit(m.start(), m.end(), CARD_NUMBER, named=True)  # Luhn-valid: a card even after "visa"


# --------------------------------------------------------------------------- combining


_ADDRESS_GAP = re.compile(r"[\s,]*")


def _resolve(text: str, hits: list[_Hit]) -> list[Finding]:
    """Overlapping hits become one finding spanning them all, named after the longest.

    Then neighbouring address parts ("12 Oak St, Apt 4B, Springfield, IL 62704") join up,
    so the advocate sees one address, not four.
    """
    # A client code may be written like a word ("kmdxrp"), but a name written like a name ("Marcus") is no code.
    hits = [h for h in hits if not (_CLIENT_CODE.fullmatch(text[h.start:h.end])
                                    and (h.kind != NAME or text[h.start:h.end].isupper()))]
    hits.sort(key=lambda h: (h.start, -h.end))
    merged: list[tuple[int, int, _Hit]] = []  # (start, end, representative)
    for h in hits:
        if merged and h.start < merged[-1][1]:
            start, end, rep = merged[-1]
            if (h.end - h.start, h.named, -_PRIORITY[h.kind]) > (rep.end - rep.start, rep.named,
                                                                 -_PRIORITY[rep.kind]):
                rep = h
            merged[-1] = (start, max(end, h.end), rep)
        else:
            merged.append((h.start, h.end, h))
    joined: list[tuple[int, int, str]] = []
    for start, end, rep in merged:
        if (joined and rep.kind == ADDRESS and joined[-1][2] == ADDRESS
                and _ADDRESS_GAP.fullmatch(text, joined[-1][1], start)):
            joined[-1] = (joined[-1][0], end, ADDRESS)
        else:
            joined.append((start, end, rep.kind))
    return [Finding(start, end, kind, _(REASONS[kind]), text[start:end]) for start, end, kind in joined]


# --------------------------------------------------------------------------- escaping


_BREAKS = "\n\r\u2028\u2029"


def _escape_kind(kind: str) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in kind)


def _escape_char(ch: str, space_before: bool) -> str:
    if ch in _BREAKS:
        return "<br>"
    if ch == " ":
        return "&nbsp;" if space_before else " "
    code = ord(ch)
    if code < 32 or 0x7F <= code <= 0x9F:
        return "&#9;" if ch == "\t" else "\ufffd"
    if code < 128 and not ch.isalnum():
        return f"&#{code};"
    return ch
