"""Run-time settings from the environment: where the database and the definitions are."""

from __future__ import annotations

import os
from pathlib import Path

#: The embedded default: a SQLite file in the working directory.
DEFAULT_DATABASE_URL = "sqlite:///edc.sqlite"


def database_url() -> str:
    return os.environ.get("EDC_DATABASE_URL", DEFAULT_DATABASE_URL)


def forms_dir() -> Path:
    """The definitions folder: EDC_FORMS_DIR, else `forms/` beside the package."""
    configured = os.environ.get("EDC_FORMS_DIR")
    if configured:
        return Path(configured)
    return project_root() / "forms"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
