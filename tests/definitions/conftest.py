"""The fixture of the definition-error tests: a fresh copy of the minimal valid definitions tree to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_definition_errors import MINIMAL, Tree


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    shutil.copytree(MINIMAL, tmp_path / "forms")
    return Tree(tmp_path / "forms")
