"""Small-cell suppression: no aggregate a supervisor sees or exports may single out a small group of clients.

Primary suppression hides every cell that counts between 1 and k-1 distinct clients (k = 5 by default).
Secondary suppression stops totals from giving a hidden cell back: wherever cells add up to a total that is
shown elsewhere (a week's check-ins add up to the period's), a group that would have exactly one hidden cell
gets its smallest other non-empty cell (fewest of the first count shown) hidden too, repeated until every group
is safe. Zero cells stay
visible: a zero singles out nobody.

Hiding a second cell is not always enough: the hidden cells of a group together come to the total minus what is
shown, and since a hidden cell is never zero, three hidden cells that come to 3 are each 1. So the hidden cells of
a group must also come to at least k between them (in clients and in every value shown), or one more is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from models.base import i18n
from models.base.i18n import _

HIDDEN = "hidden"  # the boolean column that marks a suppressed row


def label(k: int) -> str:
    """What a hidden figure reads as, in the reader's language ("fewer than 5", "menos de 5")."""
    return _("fewer than {k}").format(k=i18n.number(k))


def small(clients: int | None, k: int) -> bool:
    """True when a count of distinct clients is too small to show (0 < n < k)."""
    return clients is not None and 0 < clients < k


def suppress(frame: pd.DataFrame, *, k: int, clients: str = "clients", values: Sequence[str] = (),
             groups: Sequence[Sequence[str]] = (), also_small: Sequence[str] = ()) -> pd.DataFrame:
    """Return a copy with a `hidden` column; hidden rows have `values` and `clients` set to NA.

    `groups` lists the column sets along which the rows add up to a total shown elsewhere (e.g. [["week"]]
    when the cells of each week add up to that week's total, [[]] when all rows add up to one total).
    `also_small` names further client-count columns that must not be small either (e.g. the clients NOT
    in a share, so that "all but two" is not shown).
    """
    out = frame.copy().reset_index(drop=True)
    counts = [0 if pd.isna(c) else int(c) for c in out[clients]]
    hide = [small(c, k) for c in counts]
    for column in also_small:
        hide = [h or small(None if pd.isna(c) else int(c), k) for h, c in zip(hide, out[column], strict=True)]
    # Plain lists and dicts: this runs on every page view, over a few hundred cells.
    members: list[list[int]] = []
    for group in groups:
        if not group:
            members.append(list(range(len(out))))
            continue
        buckets: dict[tuple[object, ...], list[int]] = {}
        for i, key in enumerate(zip(*(out[c].tolist() for c in group), strict=True)):
            buckets.setdefault(key, []).append(i)
        members.extend(buckets.values())
    # Counts only (a share is not summed): the value columns whose every figure is a whole number.
    whole = [column for column in values
             if all(pd.isna(v) or float(v).is_integer() for v in out[column])]
    sums = [counts] + [[0 if pd.isna(v) else int(v) for v in out[column]] for column in whole]

    def rank(i: int) -> tuple[int, int]:
        # The second cell hidden is the one with the fewest of the first count shown (check-ins, say), so the
        # least is lost. Every candidate has k clients or more, and only "k or more" is known of a large cell's
        # clients when trends read the per-day summaries (models/services/trend_reads.py): its count is exact.
        return (sums[1][i] if len(sums) > 1 else counts[i], i)

    def exposed(index: list[int]) -> bool:
        """One hidden cell alone, or hidden cells that come to less than k between them."""
        hidden = [i for i in index if hide[i]]
        if not hidden:
            return False
        return len(hidden) == 1 or any(sum(column[i] for i in hidden) < k for column in sums)

    changed = True
    while changed:
        changed = False
        for index in members:
            if not exposed(index):
                continue
            candidates = [i for i in index if not hide[i] and counts[i] > 0]
            if not candidates:
                continue  # every non-empty cell is hidden: the group's total, under k too, is hidden with it
            hide[min(candidates, key=rank)] = True
            changed = True
    out[HIDDEN] = hide
    for column in (clients, *values, *also_small):
        out[column] = out[column].astype("Float64")
        out.loc[out[HIDDEN], column] = pd.NA
    return out


def shown(value: object, hidden: bool, k: int, fmt: str = "{:,.0f}") -> str:
    """A cell as text for screens and exports."""
    if hidden:
        return label(k)
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return fmt.format(value)
