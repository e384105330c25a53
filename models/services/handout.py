"""The discreet handout: the steps a client chose and the numbers they need, as a plain printable page.

Someone who finds it should see a generic leaflet: a plain title, one plain list, plain names for at most three
numbers unless the advocate chooses full names, and no agency name, client code, date or app name anywhere. The
rule for what goes on paper: a step is printed only when the guidance marks it `printable` (some wording of it
reads as everyday life to the person causing harm); the others are gone through together to remember. The page
has no stage headings (they would read as a timeline of the plan), no web addresses, no hours, and no number
that a stranger would recognise as a help line unless the advocate chooses it after a warning. It is one
self-contained HTML file (no scripts, no outside fonts or images) that prints cleanly from any browser.

Languages: what goes to the client (the handout, the card, the version to memorise) is written in the language the
caller sets with `i18n.using(client's language)`, which may not be the advocate's; the fixed words on them are
catalog texts, checked like the content against that language's discreet words. The refusals are for the
advocate.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext, pgettext
from models.base.inputs import shown_code
from models.content.loader import Content, Resource, Step, revealing_words
from models.rules.permissions import Actor
from models.services import audit
from models.services.clients import Access, load_client, refusals_audited
from models.services.safety_plans import safety_plan
from models.store.database import Database
from models.store.entities import CheckIn, CheckInReferral

FILE_NAME = "things-to-remember.html"
# Numbers on the printed page: a few friends' and services' numbers look like anyone's notes; a column of help
# lines, several of them open day and night, is itself a giveaway.
MAX_PRINTED_NUMBERS = 3

EMERGENCY = "Emergency"  # 911's name on the handout; emergency_label() gives it in the language being written
# A neutral name for a number when its pack gives no `plain_label`, by the first of its needs in this order (catalog
# texts: plain_label() gives them in the language being written).
_PLAIN_BY_NEED = (
    ("emergency", EMERGENCY),
    # TRANSLATORS: neutral names for a phone number, as someone might save it; never words that say it is for
    # abuse, violence, crisis, shelter or safety (the language's discreet-words list).
    ("suicidal-crisis", N_("Talk line")),
    ("peer-support", N_("Online community")),
    ("trafficking", N_("Help line")),
    ("native-communities", N_("Community line")),
    ("dating-abuse", N_("Line for young people")),
    ("children", N_("Family line")),
    ("elders", N_("Services for older adults")),
    ("sexual-assault", N_("Confidential support line")),
    ("domestic-violence", N_("Support line")),
    ("lgbtq", N_("Community support line")),
    ("legal", N_("Advice line")),
    ("shelter", N_("Housing line")),
    ("counselling", N_("Counselling")),
)

_CSS = """
body { font-family: Georgia, "Times New Roman", serif; color: #222; margin: 0; background: #fafaf7; }
main { max-width: 40rem; margin: 2rem auto; padding: 2rem 2.5rem; background: #fff; border: 1px solid #e4e2da; }
h1 { font-size: 1.7rem; font-weight: normal; margin: 0 0 .3rem; }
h2 { font-size: 1.15rem; font-weight: normal; border-bottom: 1px solid #ccc; padding-bottom: .2rem;
     margin: 1.6rem 0 .6rem; }
p.intro { color: #555; margin-top: 0; }
ul { padding-left: 1.2rem; margin: 0; }
li { margin: .35rem 0; line-height: 1.45; }
table.numbers { border-collapse: collapse; width: 100%; }
.numbers th { text-align: left; font-weight: normal; vertical-align: top; width: 35%; padding: .45rem 1rem .45rem 0; }
.numbers td { vertical-align: top; padding: .45rem 0; }
.numbers tr + tr th, .numbers tr + tr td { border-top: 1px dotted #ccc; }
.numbers .how { display: block; font-family: "Courier New", monospace; font-size: 1.05rem; }
.numbers .when { display: block; color: #555; font-size: .9rem; }
.lines div { border-bottom: 1px solid #bbb; height: 2rem; }
.hint { color: #777; font-size: .85rem; text-align: center; font-family: sans-serif; }
@media print {
  body { background: #fff; }
  main { border: none; margin: 0; padding: 0; max-width: none; }
  .hint { display: none; }
  h2 { break-after: avoid; }
  li, tr { break-inside: avoid; }
  @page { margin: 18mm; }
}
"""


@dataclass(frozen=True)
class Handout:
    html: str
    file_name: str
    steps: int  # step lines printed
    numbers: int  # numbers printed
    not_printed: int = 0  # steps in place that no wording makes safe on paper: gone through to remember instead


def emergency_label() -> str:
    """911's name on the handout, in the language being written."""
    # TRANSLATORS: printed on the client's handout for 911. It must not say what the page is for: in Spanish
    # "emergencia" is on the discreet-words list (content/es/discreet-words.yaml), so use an everyday word.
    return pgettext("handout", "Emergency")


def plain_label(resource: Resource) -> str:
    """The neutral name a stranger reading the handout would see for this number, in the language being written."""
    if resource.plain_label:
        return resource.plain_label
    for need, label in _PLAIN_BY_NEED:
        if need in resource.needs:
            return emergency_label() if label == EMERGENCY else _(label)
    return _("Useful number")


def _how(r: Resource, *, plain: bool = False) -> list[str]:
    """How to reach a line, as the page prints it: digits only (1-800-799-SAFE would spell out what it is for),
    never a web address (an address names the service), and no text line for an emergency service (texting 911
    works only in some areas, and a printed page cannot carry that caveat). `plain` (the handout with plain
    names): one way only, the number to call, else the number to text, without its keyword; a keyword ("text
    START to 88788") and a TTY number beside a phone number mark a help line as surely as its name would. The
    advocate goes through the rest with the client."""
    ways = []
    if r.phone:
        # TRANSLATORS: printed on the client's handout beside a number, as an everyday note would put it.
        ways.append(_("call {number}").format(number=r.phone.number))
    if r.text and "emergency" not in r.needs:
        # TRANSLATORS: {keyword} is the word to send, as the service spells it ("START").
        ways.append(_("text {keyword} to {number}").format(keyword=r.text.keyword, number=r.text.number)
                    if r.text.keyword and not plain else _("text {number}").format(number=r.text.number))
    if r.tty:
        ways.append(_("TTY {number}").format(number=r.tty))
    return ways[:1] if plain else ways


def printed_steps(content: Content, step_codes: Sequence[str]) -> list[Step]:
    """The chosen steps that may go on paper, in the guidance's order."""
    guidance = content.guidance
    assert guidance is not None
    chosen = set(step_codes)
    return [step for stage in guidance.stages for step in stage.steps if step.code in chosen and step.printable]


def unprinted_steps(content: Content, step_codes: Sequence[str]) -> list[Step]:
    """The chosen steps that no wording makes safe on paper: the advocate goes through them with the client."""
    guidance = content.guidance
    assert guidance is not None
    chosen = set(step_codes)
    return [step for stage in guidance.stages for step in stage.steps if step.code in chosen and not step.printable]


def printable_numbers(resources: Sequence[Resource]) -> list[Resource]:
    """The lines that have something to print: a number to call, text or TTY (a web-only line has none)."""
    return [r for r in resources if _how(r)]


def numbers_problem(content: Content, resource_codes: Sequence[str], *, recognisable_ok: bool = False) -> str | None:
    """Why these numbers cannot go on the handout, or None: too many, or a recognisable one not confirmed."""
    chosen = [r for r in content.resources if r.code in set(resource_codes)]
    if len(chosen) > MAX_PRINTED_NUMBERS:
        return ngettext("Choose at most {most} numbers for the handout ({n} is chosen): a long list of lines looks "
                        "like what it is. Go through the others together instead.",
                        "Choose at most {most} numbers for the handout ({n} are chosen): a long list of lines "
                        "looks like what it is. Go through the others together instead.", len(chosen)).format(
            most=i18n.number(MAX_PRINTED_NUMBERS), n=i18n.number(len(chosen)))
    known = [r for r in chosen if r.recognisable]
    if known and not recognisable_ok:
        # TRANSLATORS: {name} is a help line's name.
        return _("{name} has a number many people recognise as a help line. Confirm that it may be printed, or take "
                 "it off the list.").format(name=known[0].name)
    return None


def suggested_numbers(db: Database, actor: Actor, content: Content, code: str) -> list[str]:
    """What to pre-select: the lines for immediate danger, then every resource offered at this client's
    check-ins, in the packs' order. The advocate changes the choice with the client."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        client = load_client(s, actor, code, Access.READ)
        offered = set(s.scalars(select(CheckInReferral.resource_code).join(CheckIn)
                                .where(CheckIn.client_id == client.id)))
    danger = {r.code for r in content.resources_for_immediate("danger")}
    return [r.code for r in content.resources if r.code in danger or r.code in offered]


def render_html(content: Content, step_codes: Sequence[str], resources: Sequence[Resource], *,
                full_names: bool = False) -> str:
    """The page itself, from content only: nothing about the client but the printable steps they chose, as one
    list without stage headings, and the numbers as given (the caller caps and confirms them)."""
    guidance = content.guidance
    assert guidance is not None
    words = guidance.handout
    e = html.escape
    parts = ["<!doctype html>", f'<html lang="{e(i18n.language().html)}">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(words.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>", "<main>",
             f"<h1>{e(words.title)}</h1>"]
    if words.intro:
        parts.append(f'<p class="intro">{e(words.intro)}</p>')
    lines = [step.handout for step in printed_steps(content, step_codes)]
    if lines:
        parts.append("<section><ul>")
        parts += [f"<li>{e(line)}</li>" for line in lines]
        parts.append("</ul></section>")
    numbers = printable_numbers(resources)
    if numbers:
        parts.append(f'<section><h2>{e(words.numbers_heading)}</h2><table class="numbers">')
        labels: dict[str, int] = {}
        emergency = emergency_label()
        for r in numbers:
            # Plain names are "Number 1", "Number 2"...: every name for a help line ("Support line", "Talk
            # line") says what it is, and the card refuses such words for the same reason. 911 stays itself.
            # TRANSLATORS: printed on the client's handout instead of a service's name: "Number 1", "Number 2".
            label = r.name if full_names else (emergency if "emergency" in r.needs else _("Number {n}").format(
                n=i18n.number(sum(1 for n in labels if n != emergency) + 1)))
            labels[label] = labels.get(label, 0) + 1
            if labels[label] > 1:  # two lines with the same name must still be told apart
                label = f"{label} ({labels[label]})"
            ways = "".join(f'<span class="how">{e(way)}</span>' for way in _how(r, plain=not full_names))
            # No hours: "24 hours a day" beside a number marks it as a help line, and an everyday contact list
            # does not give opening times. The advocate tells the client when a line answers.
            parts.append(f'<tr><th>{e(label)}</th><td>{ways}</td></tr>')
        parts.append("</table></section>")
    parts.append(f'<section class="lines"><h2>{e(words.notes_heading)}</h2>'
                 + "<div></div>" * 5 + "</section>")
    # On screen only (not printed): how to print it.
    hint = _("Print this page with your browser's Print command.")
    parts += ["</main>", f'<p class="hint">{e(hint)}</p>', "</body>", "</html>"]
    return "\n".join(parts)


def build_handout(db: Database, actor: Actor, content: Content, code: str, *, resource_codes: Sequence[str],
                  full_names: bool = False, recognisable_ok: bool = False) -> Handout:
    """The handout for one client: the printable steps in place in their plan and at most three chosen numbers;
    a recognisable number only when the advocate confirmed it (`recognisable_ok`) after the page's warning.

    Checks access to the client (own advocate, or a supervisor) and records the download in the audit log with
    the client code as target and counts only as detail.
    """
    if isinstance(resource_codes, str) or not isinstance(resource_codes, (list, tuple, set, frozenset)):
        raise ValidationFailed({"numbers": _("Choose the numbers to include from the list.")})
    known = {r.code for r in content.resources}
    unknown = list(dict.fromkeys(shown_code(c) for c in resource_codes if not isinstance(c, str) or c not in known))
    if unknown:
        raise ValidationFailed({"numbers": _("These are not in the resource list: {codes}. Reload the page and "
                                             "choose again.").format(codes=", ".join(unknown[:5]))})
    problem = numbers_problem(content, resource_codes, recognisable_ok=recognisable_ok is True)
    if problem:
        raise ValidationFailed({"numbers": problem})
    with refusals_audited(db, actor, "handout_created"), db.reading() as s:
        load_client(s, actor, code, Access.READ)
    plan = safety_plan(db, actor, content, code)
    steps = plan.in_place_codes()
    printed = printed_steps(content, steps)
    wanted = set(resource_codes)
    resources = printable_numbers([r for r in content.resources if r.code in wanted])
    if not printed and not resources:
        raise ValidationFailed({"numbers": _("The handout would be empty. Choose a number to include, or tick as "
                                             "in place a step that can go on paper.")})
    page = render_html(content, steps, resources, full_names=full_names)
    audit.record_now(db, actor, "handout_created", target_type="client", target=plan.client_code,
                     detail="full names" if full_names else None)  # never which or how many steps: what the plan holds
    return Handout(page, FILE_NAME, len(printed), len(resources), len(steps) - len(printed))


# --------------------------------------------------------------------------- when paper is not safe to take home

# The advocate asks first whether the client can safely take paper home. Three answers, three things to give.
PAPER_CHOICES = ("print", "memorise", "card")
# The answers in words, for the advocate: a page shows _(PAPER_LABELS[choice]).
PAPER_LABELS = {
    # TRANSLATORS: answers to "Is it safe for the client to take paper home?"
    "print": N_("Yes: print the handout"),
    "memorise": N_("No, or not sure: a version to memorise, shown here and never printed"),
    "card": N_("Only something very small: a plain card with one number, written like an everyday contact"),
}
CARD_FILE_NAME = "contact.html"
CARD_NAME_MAX = 30
# The version to memorise is what the client can say back at the end of a conversation, not the whole plan.
MEMORISE_MAX_STEPS = 5
MEMORISE_MAX_NUMBERS = 3

# Words that make a name on the card describe a help service rather than a person or a place: "Support", "Talk
# line", "Hope" (1-800-656-HOPE). Whole words, on top of the handout's own giveaway words and phrases.
_SERVICE_WORDS = re.compile(
    r"\b(help\w*|support\w*|lines?|talk\w*|counsel\w*|therap\w*|hope|sos|advice|advis\w*|emergenc\w*|urgent|"
    r"rescue\w*|listen\w*|peer|caseworker|social\s+worker|refuge|sanctuary|haven)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MemoryVersion:
    """What the client can learn by heart: the numbers by their plain names, and the step lines. On screen only."""

    numbers: tuple[tuple[str, str], ...]  # (plain name, how to reach it)
    lines: tuple[str, ...]


def memory_version(content: Content, step_codes: Sequence[str], resources: Sequence[Resource]) -> MemoryVersion:
    """Only the steps and numbers the client chose to learn, in the handout's wording and the guidance's order:
    at most five steps and three numbers, so it can be said back at the end. Every step may be memorised, printable
    or not (nothing here leaves the screen). 911 is left out: everyone knows it."""
    guidance = content.guidance
    assert guidance is not None
    chosen = set(step_codes)
    numbers = [r for r in resources if "emergency" not in r.needs and _how(r)]
    errors = {}
    if len(chosen) > MEMORISE_MAX_STEPS:
        errors["memorise_steps"] = ngettext(
            "Choose at most {most} things to remember ({n} is chosen): a short list is one the client can say back.",
            "Choose at most {most} things to remember ({n} are chosen): a short list is one the client can say back.",
            len(chosen)).format(most=i18n.number(MEMORISE_MAX_STEPS), n=i18n.number(len(chosen)))
    if len(numbers) > MEMORISE_MAX_NUMBERS:
        errors["numbers"] = ngettext(
            "Choose at most {most} numbers to learn ({n} is chosen); 911 needs no learning and is not counted.",
            "Choose at most {most} numbers to learn ({n} are chosen); 911 needs no learning and is not counted.",
            len(numbers)).format(most=i18n.number(MEMORISE_MAX_NUMBERS), n=i18n.number(len(numbers)))
    if errors:
        raise ValidationFailed(errors)
    lines = tuple(step.handout for stage in guidance.stages for step in stage.steps if step.code in chosen)
    # On screen only, never printed: the service's own name, so the client knows which line is for what.
    return MemoryVersion(tuple((r.name, _how(r)[0]) for r in numbers), lines)


def card_numbers(content: Content) -> list[Resource]:
    """Lines that can go on a reminder card: a full ten-digit number to call (the card holds nothing else, and no
    everyday contact has a three-digit number such as 988 or 211), and not 911, which needs no card."""
    return [r for r in content.resources if r.phone and "emergency" not in r.needs
            and len(re.sub(r"\D", "", r.phone.number).removeprefix("1")) == 10]


def card_number_problem(content: Content, resource_code: object, *, recognisable_ok: bool = False) -> str | None:
    """Why this line cannot go on the card, or None: not offered for a card, or recognisable and not confirmed."""
    lines = {r.code: r for r in card_numbers(content)}
    if not isinstance(resource_code, str) or resource_code not in lines:
        return _("Choose one of the numbers listed for the card.")
    if lines[resource_code].recognisable and not recognisable_ok:
        # TRANSLATORS: {name} is a help line's name.
        return _("{name} has a number many people recognise as a help line. Confirm that it may go on the card, or "
                 "choose another number.").format(name=lines[resource_code].name)
    return None


def card_name_problem(name: object) -> str | None:
    """Why a name cannot go on the card beside the number, or None when it can: it must read like an everyday
    contact someone saved (a first name, or a place or business), and say nothing about what the number is for."""
    if not isinstance(name, str) or not name.strip():
        return _("Write the name to put beside the number: a first name or a place that means something to the "
                 "client.")
    name = name.strip()
    if len(name) > CARD_NAME_MAX:
        return _("Keep the name to {most} characters, like an entry in a phone's contacts.").format(
            most=i18n.number(CARD_NAME_MAX))
    if any(not ch.isprintable() for ch in name):
        return _("Type the name again without special characters.")
    found = revealing_words(name)
    if found:
        # TRANSLATORS: {word} is the word in the name that gives the card away.
        return _("The word “{word}” would tell someone who finds the card what it is for. Choose an everyday "
                 "name.").format(word=found[0])
    service = _SERVICE_WORDS.search(name)
    if service:
        # TRANSLATORS: {word} is the word in the name that makes it sound like a service.
        return _("“{word}” makes the name sound like a service that helps people. Write it like an everyday "
                 "contact instead: a first name, or a place such as a pharmacy or a garage.").format(
            word=service.group(0))
    if any(ch.isdigit() for ch in name):
        return _("Leave digits out of the name: the number goes beside it, and a name with numbers looks like a "
                 "code.")
    if not any(ch.isalpha() for ch in name):
        return _("Write a name in letters, like an entry in a phone's contacts.")
    return None


_CARD_CSS = """
body { font-family: Georgia, "Times New Roman", serif; color: #222; margin: 2rem; background: #fff; }
.card { width: 85mm; height: 55mm; box-sizing: border-box; border: 1px dashed #999; padding: 12mm 8mm;
        display: flex; flex-direction: column; justify-content: center; }
.name { font-size: 1.25rem; margin: 0 0 .6rem; }
.number { font-family: "Courier New", monospace; font-size: 1.35rem; margin: 0; }
@media print { body { margin: 0; } @page { margin: 15mm; } }
"""


def render_card(name: str, number: str) -> str:
    """A card the size of a business card with a name and a number on it, and nothing else: no heading, no hours,
    no web address, no title that says what it is."""
    e = html.escape
    lang = e(i18n.language().html)
    return "\n".join([
        "<!doctype html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">', f"<title>{e(name)}</title>",
        f"<style>{_CARD_CSS}</style>", "</head>", "<body>", '<div class="card">',
        f'<p class="name">{e(name)}</p>', f'<p class="number">{e(number)}</p>', "</div>", "</body>", "</html>",
    ])


def build_reminder_card(db: Database, actor: Actor, content: Content, code: str, *, resource_code: str,
                        name: str, recognisable_ok: bool = False) -> Handout:
    """A plain card with one number, for a client who cannot safely take a handout home. A recognisable number
    goes on only when the advocate confirmed it (`recognisable_ok`) after the page's warning. Checks access to the
    client like the handout and records the download in the audit log as a reminder card, without the line or
    the name written on it (audit rows never say what a record holds; the name is the client's own choice)."""
    errors: dict[str, str] = {}
    problem = card_number_problem(content, resource_code, recognisable_ok=recognisable_ok is True)
    if problem:
        errors["card_number"] = problem
    problem = card_name_problem(name)
    if problem:
        errors["card_name"] = problem
    if errors:
        raise ValidationFailed(errors)
    with refusals_audited(db, actor, "handout_created"), db.reading() as s:
        client = load_client(s, actor, code, Access.READ)
        client_code = client.code
    resource = content.resource(resource_code)
    assert resource.phone is not None
    page = render_card(name.strip(), resource.phone.number)
    audit.record_now(db, actor, "handout_created", target_type="client", target=client_code,
                     detail="reminder card")  # never which line or what name: what the client was given
    return Handout(page, CARD_FILE_NAME, 0, 1)
