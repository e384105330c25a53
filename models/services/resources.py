"""Finding a resource fast: search over what it is for, who it serves and how to reach it.

During a call an advocate types two or three letters and needs the right line at the top, so results that match
at the start of a word in the name or need come first; without a query the packs' own order (which an agency
chooses) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from models.base.i18n import N_, _
from models.content.loader import Content, Resource
from models.rules.permissions import Actor, Permission, require

# The need tags in words: a page shows _(NEED_LABELS[tag]); a search matches them in English and in the reader's
# language.
NEED_LABELS = {
    # TRANSLATORS: what a resource is for (a filter on the Resources page, for advocates).
    "domestic-violence": N_("Domestic violence"),
    "dating-abuse": N_("Dating abuse"),
    "sexual-assault": N_("Sexual assault"),
    "trafficking": N_("Human trafficking"),
    "suicidal-crisis": N_("Suicidal crisis"),
    "emergency": N_("Emergency"),
    "children": N_("Children"),
    "elders": N_("Older adults"),
    "native-communities": N_("Native communities"),
    "peer-support": N_("Peer support"),
    "lgbtq": N_("LGBTQ+"),
    "legal": N_("Legal help"),
    "shelter": N_("Shelter"),
    "counselling": N_("Counselling"),
    "housing": N_("Housing"),
    "veterans": N_("Veterans"),
    "young-people": N_("Young people"),
    "deaf-hard-of-hearing": N_("Deaf and hard of hearing"),
}
# A word for ranking: letters (accented ones too: "niños"), digits and "+" ("lgbtq+").
_WORD = re.compile(r"(?:[^\W_]|\+)+")
# Words an advocate may type for what the packs say another way: each also matches the words it lists.
_ALSO = {
    "housing": ("shelter", "homeless"),
    "homeless": ("housing",),
    "youth": ("young",),
    "teen": ("young",),
    "teens": ("young",),
    "gay": ("lgbtq",),
    "lesbian": ("lgbtq",),
    "bisexual": ("lgbtq",),
    "queer": ("lgbtq",),
    "transgender": ("lgbtq",),
    "asl": ("sign language",),
    "español": ("spanish",),
    "espanol": ("spanish",),
}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _need_words(needs: Collection[str]) -> list[str]:
    """Each tag's label, in English and in the reader's language."""
    return [word for n in needs for word in ((NEED_LABELS[n], _(NEED_LABELS[n])) if n in NEED_LABELS else (n,))]


def _haystack(r: Resource) -> str:
    parts = [r.name, r.purpose, r.serves, r.hours, r.languages or "", " ".join(r.needs),
             " ".join(_need_words(r.needs)), r.pack]
    if r.phone:
        parts += [r.phone.number, r.phone.letters or "", "call phone"]
    if r.text:
        parts += [r.text.number, r.text.keyword or "", "text sms"]
    if r.tty:
        parts += [r.tty, "tty deaf hard of hearing relay"]
    if r.chat:
        parts += [r.chat, "chat online"]
    if r.web:
        parts.append(r.web)
    return " ".join(parts).lower()


def _numbers(r: Resource) -> list[str]:
    found = [r.phone.number if r.phone else "", r.text.number if r.text else "", r.tty or ""]
    return [_digits(n) for n in found if n]


def _matches(r: Resource, hay: str, word: str) -> bool:
    if word in hay or any(other in hay for other in _ALSO.get(word, ())):
        return True
    digits = _digits(word)
    # "8007997233" finds 1-800-799-7233: numbers are compared without their dashes.
    return len(digits) >= 3 and digits == word.replace("-", "") and any(digits in n for n in _numbers(r))


def _rank(r: Resource, words: list[str]) -> int:
    """Higher when a typed word starts a word of the name (3) or of a need (2), then of the purpose (1)."""
    name = _WORD.findall(r.name.lower())
    needs = _WORD.findall(" ".join([*r.needs, *_need_words(r.needs)]).lower())
    purpose = _WORD.findall((r.purpose + " " + r.serves).lower())
    score = 0
    for w in words:
        if any(x.startswith(w) for x in name):
            score += 3
        elif any(x.startswith(w) for x in needs):
            score += 2
        elif any(x.startswith(w) for x in purpose):
            score += 1
    return score


def search_resources(content: Content, actor: Actor, *, query: str = "", need: str | None = None,
                     needs: Collection[str] = ()) -> list[Resource]:
    """Every word typed must match somewhere (or a word it stands for, e.g. "housing" also finds "shelter");
    `need`/`needs` keep resources tagged with any of them.

    With a query, the best matches come first (ties keep the packs' order); without one, the packs' order.
    """
    require(actor, Permission.VIEW_RESOURCES)
    words = query.lower().split() if isinstance(query, str) else []
    # Need tags are content codes: anything else (a number, a list) simply matches no tag.
    given = [need, *(needs if isinstance(needs, (list, tuple, set, frozenset)) else ())]
    wanted = {n for n in given if isinstance(n, str) and n}
    found = []
    for r in content.resources:
        if wanted and not wanted.intersection(r.needs):
            continue
        hay = _haystack(r)
        if all(_matches(r, hay, w) for w in words):
            found.append(r)
    if words:
        order = {r.code: n for n, r in enumerate(found)}
        found.sort(key=lambda r: (-_rank(r, words), order[r.code]))
    return found


def needs_in_packs(content: Content, actor: Actor) -> list[str]:
    """The need tags the active packs actually use, in a stable order: the filter offers nothing empty."""
    require(actor, Permission.VIEW_RESOURCES)
    used = {n for r in content.resources for n in r.needs}
    return [n for n in NEED_LABELS if n in used] + sorted(used - set(NEED_LABELS))
