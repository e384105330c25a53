"""What to say when an answer needs an immediate response. Shown at once, before anything is saved.

The words are Waypoint's own; the numbers come from the active resource packs, never typed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.content.loader import Content, Resource


@dataclass(frozen=True)
class CrisisPrompt:
    kind: str
    heading: str
    say: str
    resources: tuple[Resource, ...]


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
        "If they are in danger now, the first step is 911 (or text 911 where that works locally). If they "
        "cannot talk freely, agree on yes-or-no questions. Once they are safe, the National Domestic Violence "
        "Hotline can help plan the next hours, any time of day.",
    ),
}


def crisis_prompts(content: Content, kinds: set[str]) -> list[CrisisPrompt]:
    """In a fixed order (suicide, self-harm, danger), each with the resources the packs flag for it."""
    prompts = []
    for kind in ("suicide", "self-harm", "danger"):
        if kind in kinds:
            heading, say = _WORDS[kind]
            prompts.append(CrisisPrompt(kind, heading, say, tuple(content.resources_for_immediate(kind))))
    return prompts
