"""The demo's coding dictionaries: invented MedDRA and WHODrug releases shipped with the package, loaded once and
set as each demo study's releases before its subjects are entered, so their verbatim terms code themselves.

They are not MedDRA or WHODrug content (`dictionaries/README.md`): the version names say so, and define.xml
names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from edc.app.coding import dictionary_store
from edc.app.coding.dictionaries import load_release, use_release
from edc.db.engine import WRITE
from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES

DEMO_VERSION = "DEMO-INVENTED-1"
"""The version both invented releases are loaded under."""


def demo_dictionaries() -> Path:
    """The folder holding the invented releases, one subfolder per dictionary kind."""
    return Path(str(resources.files("edc.demo") / "dictionaries"))


def prepare_coding(engine: Engine, studies: Iterable[StudyDefinition], now: datetime) -> None:
    """Load the invented releases if they are not, and set them for each study that has no release of its own."""
    with engine.execution_options(**WRITE).begin() as conn:
        for kind in DICTIONARIES:
            if dictionary_store.find_release(conn, kind, DEMO_VERSION) is None:
                load_release(conn, kind=kind, directory=demo_dictionaries() / kind, version=DEMO_VERSION, now=now)
        for study in studies:
            for kind in DICTIONARIES:
                if dictionary_store.study_release(conn, study.id, kind) is None:
                    use_release(conn, study=study, kind=kind, version=DEMO_VERSION, actor=None, now=now)
