"""What to say when an answer needs an immediate response. Shown at once, before anything is saved.

The words are Waypoint's own; the numbers come from the active resource packs, never typed twice. Each line says
what it can do, because a support line listed beside 911 can be mistaken for one that sends help: only an
emergency service can, and the panel says so in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.content.loader import Content, Resource

KINDS = ("suicide", "self-harm", "danger")

# What a line offered in the panel can do, by the first of its needs that decides it.
SENDS_HELP = "the number for help now: it can send police, fire or an ambulance"
SUPPORT_ONLY = "support and planning, once the immediate danger has passed; it cannot send emergency help"
TALK_NOW = "someone to talk to now, at any hour"

# Texting an emergency service reaches a dispatcher only where the local centre accepts texts; elsewhere the sender
# gets a reply telling them to call, which costs time in an emergency. Every place that offers it says so.
TEXT_EMERGENCY_CAUTION = "only where local emergency services accept texts; otherwise call"


@dataclass(frozen=True)
class CrisisLine:
    resource: Resource
    role: str  # what it is for, in plain words


@dataclass(frozen=True)
class CrisisPrompt:
    kind: str
    heading: str
    say: str
    lines: tuple[CrisisLine, ...]  # lines not already listed under an earlier prompt of the same panel

    @property
    def resources(self) -> tuple[Resource, ...]:
        return tuple(line.resource for line in self.lines)


_WORDS = {
    "suicide": (
        "Thoughts of suicide were noted",
        "Ask directly and calmly: \"Are you thinking about ending your life?\" Asking does not put the idea "
        "there. Stay with them, listen without judging, and offer to call or text 988 together now. If they "
        "have a plan and the means at hand, or are in danger right now, call 911.",
    ),
    "self-harm": (
        "Self-harm was noted",
        "Say what you noticed without blame: \"Thank you for telling me. You deserve support with this.\" Ask "
        "whether they are safe right now and whether any injury needs care. Offer 988 for support at any hour; "
        "call 911 if there is a serious injury or immediate danger.",
    ),
    "danger": (
        "Immediate danger was noted",
        "If they are in danger now, 911 is the number for help now: it is the one that can send someone (text "
        "911 only where that works locally). If they cannot talk freely, agree on yes-or-no questions. The "
        "National Domestic Violence Hotline cannot send police or an ambulance: it is for support and planning "
        "once the immediate danger has passed, at any hour.",
    ),
}


def text_caution(resource: Resource) -> str | None:
    """The caution that goes beside a text line, or None: texting an emergency service (911) does not work
    everywhere, so it is never offered without saying so."""
    if resource.text and "emergency" in resource.needs:
        return TEXT_EMERGENCY_CAUTION
    return None


def ways_to_reach(resource: Resource) -> list[str]:
    """Call, text (with its caution where texting may not get through) and TTY, as the crisis panel reads them
    out. Markdown: the numbers in bold."""
    how = [f"call **{resource.phone.number}**"] if resource.phone else []
    if resource.text:
        keyword = f"{resource.text.keyword} to " if resource.text.keyword else ""
        caution = text_caution(resource)
        how.append(f"text **{keyword}{resource.text.number}**" + (f" ({caution})" if caution else ""))
    if resource.tty:
        how.append(f"TTY {resource.tty}")
    return how


def role(resource: Resource) -> str:
    """What a line offered in the crisis panel can do for someone in danger now."""
    if "emergency" in resource.needs:
        return SENDS_HELP
    if "suicidal-crisis" in resource.needs:
        return TALK_NOW
    return SUPPORT_ONLY


def crisis_prompts(content: Content, kinds: set[str]) -> list[CrisisPrompt]:
    """In a fixed order (suicide, self-harm, danger), each with the resources the packs flag for it. A resource
    flagged for several kinds (911 for all three) is listed once, under the first prompt that shows it. Under
    immediate danger, the line that can send help comes first whatever the packs' order."""
    prompts = []
    listed: set[str] = set()
    for kind in KINDS:
        if kind not in kinds:
            continue
        heading, say = _WORDS[kind]
        fresh = [r for r in content.resources_for_immediate(kind) if r.code not in listed]
        if kind == "danger":
            fresh.sort(key=lambda r: role(r) != SENDS_HELP)  # stable: otherwise the packs' order
        listed.update(r.code for r in fresh)
        prompts.append(CrisisPrompt(kind, heading, say, tuple(CrisisLine(r, role(r)) for r in fresh)))
    return prompts
