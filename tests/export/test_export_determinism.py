"""Exporting the same data twice gives the same bytes in every format; only the creation time may differ."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from export_samples import CREATED, export_all

from edc.export.formats.xpt import sas_datetime


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_the_same_data_give_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    export_all(first)
    export_all(second)
    assert sorted(files(first)) == [
        "ae.csv", "ae.json", "ae.xpt", "define.xml", "dm.csv", "dm.json", "dm.xpt", "vs.csv", "vs.json", "vs.xpt",
    ]
    assert files(first) == files(second)


def test_another_creation_time_changes_only_the_timestamps(tmp_path: Path) -> None:
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    moment = CREATED + timedelta(days=3, hours=2)
    export_all(first)
    export_all(later, created=moment)
    changed = {name for name, data in files(first).items() if files(later)[name] != data}
    assert changed == {"ae.json", "ae.xpt", "define.xml", "dm.json", "dm.xpt", "vs.json", "vs.xpt"}
    stamps = [
        (CREATED.isoformat().encode(), moment.isoformat().encode()),
        (sas_datetime(CREATED).encode(), sas_datetime(moment).encode()),
    ]
    for name in changed:
        before, after = files(first)[name], files(later)[name]
        for old, new in stamps:
            before = before.replace(old, new)
        assert before == after, name
        assert re.search(rb"2026-04-04T11:30:00|04APR26:11:30:00", after), name
