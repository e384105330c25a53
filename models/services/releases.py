"""What leaves the agency: the figures of a whole calendar quarter or fiscal year, fixed when first released.

(Work in progress: the data structures come first; the computation follows.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from models.services.periods import Period

# The tables of a release, in the order reports show them, and what their rows and columns are.
TABLES = {
    "summary": "Headline figures",  # rows: see SUMMARY_ROWS; column "value"
    "by_month": "Check-ins by month",  # rows: first day of the month (ISO); column "check_ins"
    "concern": "Check-ins by level of concern",  # rows: low, moderate, high, immediate; column "check_ins"
    "contact_mode": "Check-ins by how the contact happened",  # rows: CONTACT_MODES; column "check_ins"
    "signs": "Signs and reactions observed",  # rows: item codes; columns "check_ins", "share"
    "referrals": "Referrals offered and taken up",  # rows: resource codes; columns "offered", "taken_up"
    "closings": "Files closed, by reason",  # rows: closing reason codes; column "closings"
    "overdue": "Follow-ups overdue, by advocate",  # rows: advocate ids; column "clients" (staff data: opt-in)
}
SUMMARY_ROWS = {
    "check_ins": "Check-ins",
    "clients_seen": "Clients seen (each counted once)",
    "new_clients": "New clients",
    "safety_planning": "Check-ins with safety planning",
    "safety_planning_clients": "Clients with safety planning (each counted once)",
    "referrals_offered": "Referrals offered",
    "referrals_taken_up": "Referrals taken up",
    "files_closed": "Files closed",
}


@dataclass(frozen=True)
class Cell:
    """One released figure. `kind`: "count" (adds up across quarters), "clients" (distinct clients: does not add
    up) or "share" (0 to 1, of another figure). A hidden cell has no value."""

    table: str
    row: str
    label: str
    column: str
    value: float | None
    hidden: bool = False
    kind: str = "count"


@dataclass
class Release:
    period: Period  # a whole calendar quarter or fiscal year
    previous: Period
    agency: str
    k: int
    figures_as_of: datetime  # naive UTC: when these figures were fixed
    made_at: datetime  # naive UTC: when this copy was made
    made_by: str  # the display name of the supervisor who made it
    cells: list[Cell]
    previous_cells: list[Cell] = field(default_factory=list)  # the previous period's summary rows
    has_earlier_data: bool = True  # False: nothing was recorded before this period, so no change is shown

    def table(self, name: str) -> pd.DataFrame:
        """One table as rows: `row`, `label`, then per column its value and `<column>_hidden`."""
        return _frame([c for c in self.cells if c.table == name])

    def previous_table(self, name: str) -> pd.DataFrame:
        return _frame([c for c in self.previous_cells if c.table == name])

    def cell(self, table: str, row: str, column: str) -> Cell | None:
        return next((c for c in self.cells if (c.table, c.row, c.column) == (table, row, column)), None)


def _frame(cells: list[Cell]) -> pd.DataFrame:
    rows: dict[str, dict[str, object]] = {}
    for c in cells:
        r = rows.setdefault(c.row, {"row": c.row, "label": c.label})
        r[c.column] = c.value
        r[f"{c.column}_hidden"] = c.hidden
    return pd.DataFrame(list(rows.values()))
