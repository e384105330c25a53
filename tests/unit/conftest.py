"""What most unit tests start from: the people, a client of ada's, and a copy of the content to break; built with
tests/unit/helpers.py (the database and `content` fixtures are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from models.content.loader import Content
from models.store.database import Database
from tests.unit.helpers import copy_of_content, make_people, new_client


@pytest.fixture
def people(db: Database) -> SimpleNamespace:
    """ada and bo (advocates), sam (a supervisor) and alex (an admin), with ids 1 to 4; none can sign in."""
    return make_people(db)


@pytest.fixture
def client(db: Database, people: SimpleNamespace, content: Content) -> str:
    """The code of a client of ada's, opened 30 days ago, with no factors and no check-ins yet."""
    return new_client(db, people.ada, content).code


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped content folder, to change or break on purpose."""
    return copy_of_content(tmp_path)
