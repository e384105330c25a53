"""People's names in a note: a lexicon of first names and surnames read with context rules.

The lexicon (`wordlists/names.txt`, built by tools/make_name_lexicon.py) says, for each word, whether it is a
first name, a surname, an ordinary English or Spanish word, or a proper noun that is no one's name. Many names
are also words ("Hope", "Will", "Grace", "Mark"), places ("Austin", "Georgia") or parts of an organisation's
name ("Hope House", "Rose Brooks Center"), so a word found in the lexicon counts as a name only in context:

- after a relationship word: "her ex, Darnell", "sister maria", "su esposo Ramón", "son's dad's name is Terrell";
- after a title: "Officer Ruiz", "Ms. Abernathy", "Dr. Nguyen", "Doña Carmen";
- as a first name followed by a surname: "Mike Torres", "maria lopez";
- alone, written with a capital in the middle of a sentence ("told Keisha", "Darnell's car"), or opening a
  sentence when it is not also an everyday word ("Darnell keeps texting" but not "Will call back");
- alone in lower case when it is a first name and no English or Spanish word ("talked to darnell").

A candidate is dropped when it is part of a place ("San Antonio", "St. Mary's"), an organisation or building
("Grace Church", "Laura's House", "Jackson Hewitt"), a month ("in May"), a holiday ("St Patrick's day"), a
nationality, a phrase the caller allows (the resource packs' names) or a word the advocate confirmed is not a
person's name for this note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

NAMES_FILE = Path(__file__).resolve().parent / "wordlists" / "names.txt"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words for the people around a client, in English and Spanish, with the usual abbreviations.
RELATIONS = _words("""
husband wife ex exes ex-husband ex-wife exhusband exwife ex-partner expartner ex-boyfriend exboyfriend ex-girlfriend
exgirlfriend ex-bf ex-gf ex-fiance boyfriend girlfriend bf gf bd bm bf's partner fiance fiancee spouse hubby
baby-daddy babydaddy father mother dad mom mum mama mamma papa daddy mommy mommie stepdad stepmom stepfather
stepmother son daughter kid child stepson stepdaughter brother sister bro sis sibling twin cousin aunt auntie aunty
uncle niece nephew grandma grandpa grandmother grandfather granny grandson granddaughter grandchild nana gramma
godmother godfather in-law mother-in-law father-in-law sister-in-law brother-in-law daughter-in-law son-in-law
mil fil sil bil friend bestie bff neighbor neighbour coworker co-worker roommate housemate landlord landlady boss
manager supervisor caseworker worker sponsor abuser perpetrator perp respondent aggressor stalker
kids children sons daughters girls boys twins grandkids grandchildren parents cousins friends sisters brothers
esposo esposa marido pareja novio novia exnovio exnovia exesposo exesposa exmarido hijo hija hijos hijas hermano
hermana hermanos hermanas primo prima tio tia tios abuelo abuela abuelos mama papa madre padre suegra suegro
cunada cunado sobrina sobrino nieto nieta padrastro madrastra padrino madrina amigo amiga vecino vecina jefe jefa
companero companera agresor abusador
""")
# Words that may stand between a relationship word and the name: "her ex, named Darnell", "se llama Ramón".
FILLERS = _words("named called is was name aka a.k.a se llama llamado llamada que de nombre es goes by")
DESCRIBING = _words("is was es goes by")  # fillers that may introduce a description rather than a name
# Titles and forms of address after which a capitalised word is a name.
TITLES = _words("""
mr mrs ms miss mx dr doctor officer ofc ofcr det detective sgt sergeant deputy dep trooper judge hon honorable
atty attorney pastor rev reverend fr nurse coach mister sr sra srta senor senora senorita don dona lic prof
professor principal capt captain lt lieutenant agent commissioner magistrate advocate counselor therapist
""")
NICKNAME_PREFIXES = _words("big lil little")
# Words before a name that make it a place or a saint: "San Antonio", "St. Mary's", "Lake Charles".
PLACE_PREFIXES = _words("""
san santa santo sao st ste saint fort ft port lake mount mt los las el new north south east west upper lower
puerto costa rio baton des palm
""")
# Places that are also names: alone, after "in", "from", "to"... they are the place ("moved to Austin").
PLACES = _words("""
georgia virginia carolina dakota montana indiana florida nevada washington tennessee austin dallas houston
charlotte jackson madison florence eugene tyler savannah orlando phoenix aurora denver chester lincoln marion
raleigh shelby camden beverly kent clinton warren lawrence troy irving sherman douglas franklin vernon lafayette
columbus elizabeth victoria alexandria augusta helena sydney regina paris israel jordan chad india china kenya
asia america africa london berlin dublin memphis nashville boston portland richmond salem trenton dover milton
newark oakland hayward fremont stockton pomona ontario lancaster bradford burlington cleveland dayton toledo
akron flint lansing buffalo rochester syracuse springfield hartford providence worcester quincy lowell norman
abilene odessa laredo mcallen tucson mesa glendale chandler henderson reno boise spokane tacoma everett olympia
medford bend fresno modesto merced visalia riverside fontana irvine anaheim carson compton inglewood pasadena
burbank palmdale barstow brooklyn bronx queens manhattan harlem broadway cuba mexico guatemala honduras
salvador nicaragua panama colombia venezuela peru chile bolivia ecuador brazil argentina haiti jamaica
""")
# Words before a place: "moved to Austin", "is from Jordan".
LOCATIVES = _words("in from near outside around into across through toward towards to at of via en desde visit")
# Words after a name that make it an organisation, a building or a place: "Hope House", "Lincoln Elementary".
INSTITUTIONS = _words("""
house home homes center centre church chapel cathedral temple mosque synagogue ministries ministry parish baptist
methodist lutheran catholic hospital clinic medical health healthcare school elementary middle high academy
college university institute park street st avenue ave road rd blvd boulevard lane ln drive way place pl court ct
county city town village township manor apartments apts apt heights gardens garden plaza mall inn hotel motel
suites lodge shelter project program programme foundation fund services service network alliance coalition
society library bank tree day law act memorial station hall market store foods pharmacy museum zoo stadium
arena theater theatre club cafe restaurant grill diner bar pub farm farms ranch estates towers tower terrace
square circle hills hill valley creek river lake beach island airport bridge highway hwy route expressway
parkway pkwy community collective helpline hotline line project's fellowship mission ministries outreach haven
corps army navy
""")
MONTHS = _words("january february march april may june july august september october november december")
DAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
# Capitalised words that are names in the lexicon but almost never a person in a note.
NOT_NAMES = _words("""
god jesus christ lord allah christmas easter thanksgiving halloween hanukkah kwanzaa ramadan eid juneteenth
valentine valentines mlk broadway english french german irish scottish welsh dutch polish spanish italian russian
mexican
cuban haitian african american asian indian chinese korean japanese vietnamese filipino latino latina hispanic
native christian catholic baptist methodist muslim jewish hindu buddhist mormon black white brown rican
dominican salvadoran guatemalan honduran colombian venezuelan peruvian ecuadorian nigerian ghanaian somali
ethiopian eritrean congolese jamaican trinidadian filipina hmong navajo cherokee lakota ojibwe
ok okay jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
su la el los las mi tu del al esta ella ellas ellos este eso esa le lo con para por sin mas muy pero como
cl pt po pd da sa bm bd dv er ed ot tx hx dx rx fam gal mins mo re info
amazon walmart target kroger safeway costco walgreens aldi publix meijer marriott hilton hyatt ramada
greyhound amtrak uber lyft verizon sprint cricket boost metro venmo zelle paypal google apple facebook instagram
snapchat tiktok signal whatsapp telegram zoom teams honda toyota nissan ford chevy chevrolet dodge jeep
hyundai kia subaru tesla goodwill medicaid medicare chase wells fargo dunkin nordstrom kohls belk disney chrysler
audi porsche sams
""")
# Possessive business names: "met at Wendy's", "works at McDonald's".
BUSINESSES = _words("""
wendy denny macy kohl dillard mcdonald arby hardee carl church friendly lowe sam applebee chili culver zaxby
cane dunkin domino papa popeye chuck kroger trader joe rudy
""")
# Phrases that hold a name but are no one's name.
PHRASES = (
    "jackson hewitt", "ronald mcdonald", "trader joe", "jack in the box", "dress for success", "amazing grace",
    "martin luther king", "virgin mary", "hail mary", "jesus christ", "dollar general", "family dollar",
    "rite aid", "taco bell", "home depot", "best buy", "kaiser permanente", "planned parenthood",
    "salvation army", "catholic charities", "metro pcs", "boost mobile", "red roof", "megan's law",
    "big brothers big sisters", "wells fargo", "capital one", "bank of america", "tj maxx", "marshalls",
    "love is respect", "angel tree", "meals on wheels", "alcoholics anonymous", "narcotics anonymous",
    "john doe", "jane doe", "baby doe", "chuck e. cheese", "chuck e cheese", "washington post", "new york times",
)
# Lower-case words that follow a relationship word as a verb, not a name: "her son will", "his mom may".
VERBISH = _words("will may can rose drew sue chase don pat rob grant wade lance earnest ray bill mark")
# Verbs that make a capitalised word at the start of a sentence someone's name: "Torres showed up".
NAME_VERBS = _words("""
said says told texted texts called calls came comes showed shows keeps kept threatened threatens took takes hit
hits pushed punched choked followed follows left wants wanted sent sends posted posts has had is was got gets
tried tries refused refuses drove drives broke breaks yelled screamed grabbed dijo llamo vino pego amenazo
""")
_SENTENCE_END = ".!?:\n\u2022"
_OPENERS = "\"'“‘([{*-–—•"
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+)*")
_ABBREVIATIONS = TITLES | PLACE_PREFIXES | _words("vs approx etc eg ie no apt dept ave jr sr")


@cache
def lexicon() -> dict[str, str]:
    """word -> flags (see the file's header): f first name, s surname, w English word, x everyday Spanish word,
    y in the Spanish word list, e everyday word that opens sentences, p proper noun that is no one's name."""
    entries: dict[str, str] = {}
    for line in NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, flags = line.partition(" ")
            entries[word] = flags
    return entries


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """Lower case, accents and apostrophes removed: the form the lexicon is keyed by."""
    if word.isascii():
        return word.lower().replace("'", "")
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in "'’")


@lru_cache(maxsize=1024)
def _fold_char(ch: str) -> str:
    """One character in lower case without its accent, still one character (apostrophes kept, made straight)."""
    if ch == "’":
        return "'"
    base = [c for c in unicodedata.normalize("NFKD", ch.lower()) if not unicodedata.combining(c)]
    return base[0] if len(base) == 1 else ch


@dataclass(slots=True)
class _Token:
    start: int
    end: int  # without a possessive 's
    key: str
    flags: str
    shape: str  # "cap" (Darnell, DeShawn, McDonald), "lower", "upper" (ALL CAPS), "other"
    opens: bool  # the first word of a sentence
    possessive: bool
    gap: str  # the text between the previous token and this one

    def has(self, flag: str) -> bool:
        return flag in self.flags


@lru_cache(maxsize=8192)
def _shape(word: str) -> str:
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return "other"
    if all(c.islower() for c in letters):
        return "lower"
    if all(c.isupper() for c in letters):
        return "upper" if len(letters) > 1 else "cap"
    if letters[0].isupper():
        return "cap"
    return "other"  # iPhone, eBay


def _flags(key: str, entries: dict[str, str]) -> str:
    flags = entries.get(key)
    if flags is not None:
        return flags
    if "-" in key:
        parts = [entries.get(p, "") for p in key.split("-") if p]
        if parts and all(("f" in p or "s" in p) for p in parts):  # Lopez-Garcia, Jean-Pierre
            return ("f" if "f" in parts[0] else "") + "s"
        return ""
    return ""


def _tokens(text: str) -> list[_Token]:
    entries = lexicon()
    tokens: list[_Token] = []
    previous_end = 0
    previous_key = ""
    for m in _TOKEN.finditer(text):
        start, end = m.start(), m.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        word = m.group()
        glued = (before.isalnum() or before in "@_/\\" or (before == "." and start >= 2 and text[start - 2].isalnum())
                 or after.isalnum() or after in "@_/\\"
                 or (after == "." and end + 1 < len(text) and text[end + 1].isalnum()))
        possessive = False
        if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":
            word, end, possessive = word[:-2], end - 2, True
        key = fold(word)
        gap = text[previous_end:start]
        if gap == " ":
            opens = not tokens
        else:
            bare_gap = gap.strip().rstrip(_OPENERS).strip()
            opens = not tokens or (bool(bare_gap) and bare_gap[-1] in _SENTENCE_END
                                   and not (bare_gap == "." and previous_key in _ABBREVIATIONS))
        tokens.append(_Token(start, end, key, "" if glued else _flags(key, entries),
                             "other" if glued else _shape(word), opens, possessive, gap))
        previous_end, previous_key = m.end(), key
    return tokens


def _breaks(gap: str) -> bool:
    """Whether the text between two tokens ends one phrase: anything but spaces, a comma or an opening bracket."""
    return bool(gap.strip(" \t,(\"'“‘:-–—"))


def _name_like_capital(t: _Token) -> bool:
    """A capitalised word that could be a name after a relationship word or a title."""
    if t.shape != "cap" or t.key in NOT_NAMES or t.key in DAYS or t.key in RELATIONS or t.key in TITLES:
        return False
    if t.key in INSTITUTIONS and not t.has("f"):
        return False
    if t.key in MONTHS:
        return True  # "her daughter April"
    if t.has("p") and not (t.has("f") or t.has("s")):
        return False
    if t.has("w") and not t.has("f"):
        return False  # "her ex, Police ...", "her husband Army": a word, or a surname that is one ("Brown")
    return t.has("f") or t.has("s") or not t.has("w")  # an unknown capitalised word after "her ex" is a name


def _name_like_lower(t: _Token, *, after_title: bool = False) -> bool:
    if t.shape != "lower" or t.key in NOT_NAMES or len(t.key) < 3:
        return False
    if t.has("f"):
        return not t.has("w") or t.key not in VERBISH
    return after_title and t.has("s") and not t.has("w")


def _extends(t: _Token, lower: bool) -> bool:
    """Whether a token continues a name already found: a surname, a second first name, a middle initial."""
    if t.key in INSTITUTIONS or t.key in NOT_NAMES or t.key in RELATIONS or t.key in DAYS or t.key in MONTHS:
        return False
    if t.shape == "cap":
        return t.has("f") or t.has("s") or (len(t.key) == 1) or (not t.flags and len(t.key) > 2)
    if t.shape == "lower" and lower:
        return (t.has("s") or t.has("f")) and (not t.has("w") or (t.has("f") and t.key not in VERBISH))
    return False


def find_names(text: str, *, allowed_phrases: Iterable[str] = (), not_names: Iterable[str] = ()) -> list[
        tuple[int, int]]:
    """(start, end) of every stretch of `text` that looks like a person's name, sorted, not overlapping.

    `allowed_phrases` are names of resources and programmes ("Pandora's Project"): a name inside one passes.
    `not_names` are words the advocate confirmed are no one's name in this note, compared folded.
    """
    tokens = _tokens(text)
    if not tokens:
        return []
    spans: list[tuple[int, int]] = []
    used = [False] * len(tokens)

    def extend(i: int, lower: bool) -> int:
        """Index of the last token of the name starting at i: surnames, second names, initials."""
        j = i
        while j + 1 < len(tokens) and not tokens[j].possessive:
            nxt = tokens[j + 1]
            initial = len(tokens[j].key) == 1 and tokens[j].shape == "cap"
            if not (nxt.gap == " " or (initial and nxt.gap == ". ")) or not _extends(nxt, lower):
                break
            j += 1
        return j

    def take(i: int, j: int) -> None:
        for k in range(i, j + 1):
            used[k] = True
        spans.append((tokens[i].start, tokens[j].end))

    n = len(tokens)
    shouting = not any(c.islower() for c in text)
    spanish = _spanish(tokens)
    for i, t in enumerate(tokens):
        if used[i]:
            continue
        # 1. After a relationship word or a title.
        context = _context_at(tokens, i)
        if context == "described":
            plain = t.has("f") and not (t.has("w") or t.has("p")) and t.key not in NOT_NAMES
            if plain and t.shape in ("cap", "lower") and not (t.shape == "lower" and t.has("x")):
                j = extend(i, t.shape == "lower")
                take(i, j)
                continue
        elif context is not None:
            after_title = context == "title"
            if _name_like_capital(t) or _name_like_lower(t, after_title=after_title):
                j = extend(i, t.shape == "lower")
                if not _organisation_after(tokens, j):
                    take(i, j)
                    continue
        if t.shape not in ("cap", "lower", "upper"):
            continue
        # 2. A first name and a surname.
        if (i + 1 < n and t.has("f") and t.key not in NOT_NAMES and t.key not in PLACE_PREFIXES
                and not t.possessive and tokens[i + 1].gap == " "):
            nxt = tokens[i + 1]
            same_case = (t.shape == nxt.shape == "cap") or (
                t.shape == nxt.shape == "lower" and not t.has("w") and not t.has("x") and not nxt.has("w")
                and not nxt.has("x"))
            if (same_case and nxt.has("s") and nxt.key not in INSTITUTIONS and nxt.key not in NOT_NAMES
                    and nxt.key not in MONTHS and nxt.key not in DAYS and not (t.has("p") or nxt.has("p"))):
                j = extend(i + 1, t.shape == "lower")
                if not (_organisation_after(tokens, j) or _place_before(tokens, i) or _organisation_before(tokens, i)):
                    take(i, j)
                    continue
        # 3. A name explained by what follows: "Amber, her daughter, is 12", "Marcus (his brother)".
        if (t.shape == "cap" and t.has("f") and t.key not in NOT_NAMES and _relation_after(tokens, i)
                and not (t.key in PLACES and i and tokens[i - 1].key in LOCATIVES)):
            take(i, i)
            continue
        # 4. One name alone.
        if _lone_name(tokens, i, shouting=shouting, spanish=spanish):
            j = extend(i, t.shape == "lower") if t.shape == "cap" else i
            if not (_organisation_after(tokens, j) or _organisation_before(tokens, i)):
                take(i, j)
    return _filter(text, spans, allowed_phrases, not_names)


def _context_at(tokens: list[_Token], i: int) -> str | None:
    """'relation' or 'title' when the token at i follows a relationship word or a title (fillers between);
    'described' when only "is"/"was" stands between ("her ex is Army", "her mom is Carol"): then the word must be
    a first name and no ordinary word."""
    j = i - 1
    skipped = 0
    naming = False  # "named", "name is", "se llama": what follows is a name whatever it looks like
    while j >= 0 and skipped <= 3:
        prev = tokens[j]
        gap = tokens[j + 1].gap
        if _breaks(gap) and not (gap.strip() == "." and prev.key in TITLES):
            return None
        if prev.key in TITLES and prev.shape in ("cap", "lower", "upper") and not prev.possessive:
            return "title" if skipped == 0 else None
        if prev.key in NICKNAME_PREFIXES and prev.shape == "cap" and skipped == 0:
            return "title"
        if prev.key in RELATIONS or prev.key.rstrip("s") in RELATIONS:
            # "her mother's Day", "sister's Honda": a possessive relationship word names someone only
            # through "name": "her son's dad's name is Terrell".
            if prev.possessive and skipped == 0:
                return None
            return "described" if skipped and not naming else "relation"
        if prev.key in FILLERS or (prev.key in ("name", "names") and skipped == 0):
            naming = naming or prev.key not in DESCRIBING
            skipped += 1
            j -= 1
            continue
        return None
    return None


DETERMINERS = _words("the a an this that these those every each any some")
POSSESSIVES = _words("her his my their our your cl cls client clients the")


PLURALS = _words("""
kids children sons daughters girls boys twins grandkids grandchildren parents cousins friends sisters brothers
hijos hijas hermanos hermanas tios abuelos exes
""")


def _relation_after(tokens: list[_Token], i: int) -> bool:
    """The word is followed by ", her daughter" or "(brother)": an apposition naming one person."""
    if i + 2 >= len(tokens):
        return False
    opener = tokens[i + 1].gap.strip()
    if opener not in (",", "(", "-", "–"):
        return False
    j = i + 1
    owned = tokens[j].key in POSSESSIVES
    if owned:
        j += 1
    if j >= len(tokens) or tokens[j].key not in RELATIONS or tokens[j].key in PLURALS:
        return False
    return owned or opener == "("


# Institution words that make the name before them a place even in lower case: "Thornbury school".
PLACES_IN_LOWER_CASE = _words("school elementary middle high academy church hospital clinic library park")


def _organisation_after(tokens: list[_Token], j: int) -> bool:
    """The name ends in a word that makes it a building or an organisation: "Hope House", "Laura's House",
    "Thornbury school" (but "Mike's house" is Mike's)."""
    if j + 1 >= len(tokens):
        return False
    nxt = tokens[j + 1]
    if nxt.gap not in (" ", "-"):
        return False
    if nxt.shape == "lower":
        return nxt.key in PLACES_IN_LOWER_CASE and not tokens[j].possessive
    return nxt.key in INSTITUTIONS and nxt.shape in ("cap", "upper")


SPANISH_WORDS = _words("que la el de su con los las por para una es se del y mi muy pero como dice dijo esta")
ENGLISH_WORDS = _words("the and to her his she he with for at is was of in on it they them that this has had")
# Spanish words that open an organisation's name: "Casa de Esperanza", "Centro de la Familia".
ORGANISATION_HEADS = INSTITUTIONS | _words("casa centro hogar iglesia clinica escuela refugio fundacion programa")


def _spanish(tokens: list[_Token]) -> bool:
    """Whether the note is written in Spanish: then a name that is also a Spanish word needs context."""
    spanish = sum(t.key in SPANISH_WORDS for t in tokens)
    english = sum(t.key in ENGLISH_WORDS for t in tokens)
    return spanish > english


def _organisation_before(tokens: list[_Token], i: int) -> bool:
    """The name follows an organisation's head word: "House of Ruth", "Casa de Esperanza", "Center for Hope"."""
    j = i - 1
    while j >= 0 and tokens[j].key in ("of", "for", "de", "del", "la", "el", "los", "las", "the"):
        j -= 1
    return j < i - 1 and j >= 0 and tokens[j].key in ORGANISATION_HEADS and tokens[j].shape == "cap"


def _place_before(tokens: list[_Token], i: int) -> bool:
    if i == 0:
        return False
    prev = tokens[i - 1]
    return prev.key in PLACE_PREFIXES and prev.shape == "cap" and tokens[i].gap.strip() in ("", ".")


def _lone_name(tokens: list[_Token], i: int, *, shouting: bool, spanish: bool) -> bool:
    t = tokens[i]
    if t.key in NOT_NAMES or t.key in RELATIONS or t.key in TITLES or t.key in DAYS or t.key in PLACE_PREFIXES:
        return False
    spanish_word = t.has("x") and spanish
    if t.shape == "lower":
        return (t.has("f") and not t.has("w") and not t.has("x") and not t.has("e") and not t.has("p")
                and len(t.key) >= 3 and not (spanish and t.has("y")))
    if t.shape == "upper":  # acronyms ("VITA") unless the whole note is in capitals
        return shouting and t.has("f") and not t.has("w") and not spanish_word and len(t.key) >= 3
    if t.shape != "cap" or t.has("p") and not t.has("f"):
        return False
    if t.key in MONTHS or _place_before(tokens, i):
        return False
    if t.key in PLACES and (i == 0 or tokens[i - 1].key in LOCATIVES or t.opens):
        return False
    if i and tokens[i - 1].key in DETERMINERS and tokens[i - 1].shape in ("lower", "cap"):
        return False  # "the Alexa", "a Mercedes": a thing, not a person
    if t.possessive and t.key in BUSINESSES:
        return False
    prev = tokens[i - 1] if i else None
    if prev is not None and not t.opens and prev.shape == "cap" and not prev.opens and prev.gap and (
            prev.key in INSTITUTIONS or (prev.has("w") and not (prev.has("f") or prev.has("s")))) and t.gap == " ":
        return False  # inside a capitalised phrase: "Amazing Grace", "Family Justice Center"
    if t.opens:
        if t.has("f"):
            return not (t.has("w") or t.has("e") or spanish_word)
        if t.has("s") and not (t.has("w") or spanish_word) and len(t.key) >= 3 and i + 1 < len(tokens):
            return tokens[i + 1].key in NAME_VERBS and tokens[i + 1].shape == "lower"
        return False
    if t.has("f"):
        return True
    return t.has("s") and not t.has("w") and len(t.key) >= 3


def _same_length_fold(text: str) -> str:
    """`text` in lower case without accents, one character for one, so offsets stay those of `text`."""
    if text.isascii():
        return text.lower()
    table = {ord(ch): (ch.lower() if ch.isascii() else _fold_char(ch)) for ch in set(text)}
    return text.translate(table)


def _filter(text: str, spans: list[tuple[int, int]], allowed_phrases: Iterable[str],
            not_names: Iterable[str]) -> list[tuple[int, int]]:
    if not spans:
        return []
    folded = _same_length_fold(text)
    covered: list[tuple[int, int]] = []
    for phrase in {*PHRASES, *(p for p in allowed_phrases if isinstance(p, str))}:
        phrase = " ".join(_same_length_fold(phrase).split())
        if len(phrase) < 3 or phrase not in folded:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded):
            covered.append((m.start(), m.end()))
    dismissed = {" ".join(fold(w).split()) for w in not_names if isinstance(w, str) and w.strip()}
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if any(a <= start and end <= b for a, b in covered):
            continue
        if " ".join(fold(text[start:end]).split()) in dismissed:
            continue
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
