"""Finding a resource fast: search over what it is for, who it serves and how to reach it."""

from __future__ import annotations

from models.auth import Actor
from models.content import Content, Resource
from models.permissions import Permission, require

NEED_LABELS = {
    "domestic-violence": "Domestic violence",
    "dating-abuse": "Dating abuse",
    "sexual-assault": "Sexual assault",
    "trafficking": "Human trafficking",
    "suicidal-crisis": "Suicidal crisis",
    "emergency": "Emergency",
    "children": "Children",
    "elders": "Older adults",
    "native-communities": "Native communities",
    "peer-support": "Peer support",
    "lgbtq": "LGBTQ+",
    "legal": "Legal help",
    "shelter": "Shelter",
    "counselling": "Counselling",
}


def _haystack(r: Resource) -> str:
    parts = [r.name, r.purpose, r.serves, r.hours, r.languages or "", " ".join(r.needs),
             " ".join(NEED_LABELS.get(n, n) for n in r.needs)]
    if r.phone:
        parts += [r.phone.number, r.phone.letters or "", "call phone"]
    if r.text:
        parts += [r.text.number, r.text.keyword or "", "text sms"]
    if r.tty:
        parts += [r.tty, "tty deaf hard of hearing"]
    if r.chat:
        parts.append("chat online")
    return " ".join(parts).lower()


def search_resources(content: Content, actor: Actor, *, query: str = "", need: str | None = None) -> list[Resource]:
    """Every word typed must match somewhere; order stays the packs' order, which an agency chooses."""
    require(actor, Permission.VIEW_RESOURCES)
    words = query.lower().split()
    found = []
    for r in content.resources:
        if need and need not in r.needs:
            continue
        hay = _haystack(r)
        if all(w in hay for w in words):
            found.append(r)
    return found
