"""Errors a page can show as they are: plain sentences, tied to the field they are about."""

from __future__ import annotations


class ValidationFailed(ValueError):
    """Input was refused. `errors` maps a field name to a sentence for the person; nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)
