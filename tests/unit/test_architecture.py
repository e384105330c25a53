"""The rule that holds the layout together: models/ never imports Streamlit."""

from __future__ import annotations

import ast

from models.config import REPO_ROOT


def test_models_never_import_streamlit():
    offenders = []
    for path in (REPO_ROOT / "models").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert offenders == []
    assert "streamlit" not in "".join(p.read_text() for p in (REPO_ROOT / "models").rglob("*.py")).lower()


def test_page_folder_is_not_streamlits_legacy_pages_dir():
    assert not (REPO_ROOT / "dashboard" / "pages").exists()
