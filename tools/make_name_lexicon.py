"""Rebuild models/rules/wordlists/names.txt, the lexicon the note screening uses to recognise people's names.

Inputs (none is needed at run time; the derived file is committed):

    pip download --no-deps names==0.3.0 faker==40.63.0 -d /tmp/lexicon   # then unpack both
    apt-get install wamerican wspanish                                    # /usr/share/dict/...
    .venv/bin/python tools/make_name_lexicon.py --names /tmp/lexicon/names-0.3.0/names \\
        --faker /tmp/lexicon/faker-unpacked

- US Census Bureau, 1990 name frequency files (public domain; shipped in the PyPI package `names` 0.3.0 as
  dist.male.first, dist.female.first, dist.all.last): 1,219 male and 4,275 female first names, 88,799 surnames.
- Faker 40.63.0 (MIT licence, Copyright (c) 2012 Daniele Faraglia) person providers: the first names and last
  names of en_US (for names common since 1990) and of es_MX, es_ES, es_CO, es_AR (Spanish and Latin American).
- SCOWL word lists as packaged by Debian's wamerican (Copyright 2000-2011 Kevin Atkinson; permission to use,
  copy, modify, distribute and sell, with the notice kept: reproduced in the file's header): which names are
  also ordinary English words, and which capitalised words are proper nouns but no one's name.
- Debian's wspanish word list (public domain): which names are also ordinary Spanish words.
- A few dozen names added by hand (below), and the hand list of names whose word sense is common enough to
  open a sentence ("Will call back", "Hope she stays").

Output lines are `word flags`, the word folded (lower case, accents removed), flags from:
f first name, s surname, w an ordinary English word (lower-case entry in SCOWL), x an ordinary Spanish word,
e an everyday word that often opens a sentence, p a proper noun that is no one's name (a place, a language).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "models" / "rules" / "wordlists" / "names.txt"
FAKER_LOCALES = ("en_US", "es_MX", "es_ES", "es_CO", "es_AR")


def _words(text: str) -> list[str]:
    return text.split()


# First names missing from both sources that advocates will meet (names common since 1990, nicknames).
EXTRA_FIRST = _words("""
aaliyah aiden alexa amari anaya aniyah araceli arely ayden brayden braylon brianna bryson cadence caden cayden
daija dajuan damarion daquan darnell dashawn davion deandre deja demetrius deshawn desiree destiny devonte
dominique elijah emely esmeralda fatima genesis giselle itzel iyana izayah jabari jada jadiel jahiem jaiden
jakayla jaliyah jamari jamarion jaquan jasiah javion jaxon jaxson jayce jayden jaylen jaylin jaylon jazlyn
jazmin jazmine jeremiah jesenia jimena jocelyn juelz kaden kairo kalani kamari kayden kaylee kayleigh keanu
keisha kendrick keyshawn khalil khloe kiara kimora kyrie laquisha latasha latoya lakisha leilani liam lizbeth
maddox makayla maleah marisol mateo mckenzie mekhi mia milagros nayeli nevaeh nia paola quanisha quentin
raekwon rashad rashida reina santiago shanice shaniqua shanika shaquille shayla tamika tanisha taniyah tavon
trayvon tyreek tyrese tyshawn valentina ximena xiomara yadira yahir yamileth yaretzi yesenia yuliana zaire
zion zuri lupe chuy pancho paco nacho memo beto lalo chela chayo conchita lulu nena
mike mikey tony tommy jimmy bobby billy danny johnny kenny ricky stevie timmy joey benny andy randy
""")
EXTRA_SURNAME = _words("""
ramírez hernández gonzález rodríguez martínez lópez garcía pérez sánchez gómez díaz jiménez álvarez
""")

# Names whose everyday sense commonly starts a sentence: at the start of one, they count only with more evidence.
EVERYDAY = _words("""
will may mark bill hope faith grace joy rose frank guy grant pat sue don ray chase drew dawn summer april june
august max art rich sandy penny crystal amber candy ginger olive pearl ruby holly ivy lily daisy iris jack
earnest bob rob jean jewel destiny precious angel harmony heaven honey misty autumn winter sunny storm sky
river rocky buck hunter carter cash gage major king prince royal miles wade lance dean earl glen gene jay
sterling noble star charity patience trinity liberty journey page paige reed rusty shelby wesley tracy
""")

# Names that SCOWL also lists as ordinary words, where the word sense is too rare to matter in a note ("maria",
# the lunar seas; "mike", a microphone): the w flag is dropped, so "mike" in lower case is read as a name.
RARE_WORD_SENSE = _words("""
mike maria peter harry victor martin lee warren dean derrick glen gene ken nick matt robin carol heather sherry
hazel sally rosemary viola violet misty daisy opal melody flora patty marina laurel fern john roger terry billy
randy bobby jimmy tony dale chad troy tom hector rick brad homer noel bonnie colleen myrtle patsy margarita
jasmine willie johnny charlie ted kelly jean jenny molly pam dora jo ann beth jill ana kay sam jeff gus hank
abe alec barb ben cal cliff dick doug gil jed jerry kit lou mac mel nat ned pete phil rod ron roy stu tad val
wally marshall cleo lola polly sadie tabby tina trudy vera wanda
""")
# First names that are also everyday Spanish words or function words. wspanish also lists many given names in
# lower case (juan, diego), so for first names only these count as Spanish words.
SPANISH_NAME_WORDS = _words("""
luz paz sol mar cruz rosa flor dolores mercedes socorro consuelo amparo pilar rocio angeles esperanza fe gracia
alegria luna perla paloma blanca clara pura victoria gloria trinidad rosario domingo caridad concepcion asuncion
milagros estrella cielo reyes santos nieves amor bella bonita dulce era esta del al la le lo con tu mi su ella
salud justo modesto casimiro ventura bienvenida primavera corazon azucena dalia coral cristal jade reina angel
""")

def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def census(path: Path) -> list[str]:
    return [line.split()[0] for line in path.read_text(encoding="ascii").splitlines() if line.strip()]


def faker_names(faker_root: Path) -> tuple[set[str], set[str]]:
    sys.path.insert(0, str(faker_root))
    first: set[str] = set()
    last: set[str] = set()
    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names_male", "first_names_female", "first_names"):
            names = getattr(provider, attr, ())
            if isinstance(names, (list, tuple, dict)):
                first.update(fold(n) for n in names)
        last.update(fold(n) for n in getattr(provider, "last_names", ()))
    return first, last


def dict_words(path: Path) -> tuple[set[str], set[str]]:
    """Lower-case entries (ordinary words) and capitalised ones (proper nouns), folded."""
    lower: set[str] = set()
    proper: set[str] = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        word = line.strip()
        if not word or "'" in word or not word.isalpha():
            continue
        (lower if word[0].islower() else proper).add(fold(word))
    return lower, proper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", type=Path, required=True, help="the names/ folder of the names 0.3.0 sdist")
    parser.add_argument("--faker", type=Path, required=True, help="the unpacked faker wheel (holds faker/)")
    parser.add_argument("--dict", type=Path, default=Path("/usr/share/dict"))
    args = parser.parse_args()

    first = {fold(n) for f in ("dist.male.first", "dist.female.first") for n in census(args.names / f)}
    last = {fold(n) for n in census(args.names / "dist.all.last")}
    faker_first, faker_last = faker_names(args.faker)
    first |= faker_first | {fold(n) for n in EXTRA_FIRST}
    last |= faker_last | {fold(n) for n in EXTRA_SURNAME}
    english, proper = dict_words(args.dict / "american-english")
    spanish, _ = dict_words(args.dict / "spanish")
    everyday = {fold(n) for n in EVERYDAY}
    rare = {fold(n) for n in RARE_WORD_SENSE}
    spanish_names = {fold(n) for n in SPANISH_NAME_WORDS}

    flags: dict[str, str] = {}
    for word in sorted(first | last | (proper - first - last) | english):
        if not word.isalpha() or len(word) < 2:
            continue
        f = ""
        f += "f" if word in first else ""
        f += "s" if word in last else ""
        f += "w" if word in english and not (word in rare and word in first) else ""
        f += "x" if (word in spanish_names or (word in spanish and word in last and word not in first)) else ""
        f += "y" if word in spanish and (word in first or word in last) else ""
        f += "e" if word in everyday else ""
        f += "p" if word in proper and word not in first and word not in last else ""
        flags[word] = f
    header = OUT.read_text(encoding="utf-8").split("\n# ---\n")[0] if OUT.exists() else "#"
    lines = [f"{w} {f}" for w, f in flags.items()]
    OUT.write_text(header + "\n# ---\n" + "\n".join(lines) + "\n", encoding="utf-8")
    counts = {c: sum(c in f for f in flags.values()) for c in "fswxep"}
    print(f"{OUT}: {len(flags)} words; " + ", ".join(f"{c}={n}" for c, n in counts.items()))


if __name__ == "__main__":
    main()
