"""Whatever a client sends, parse_payload gives an item error or a value that its real form table stores and
gives back unchanged, on SQLite and on PostgreSQL.

Each test builds the project's own form table (`edc.db.formtables.form_table`) for a probe form holding every
item type, beside a stand-in `form_records` table for its foreign key, in a fresh database of each backend.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, delete, insert, select

from edc.capture.limits import INTEGER_MAX, INTEGER_MIN, column_value, largest_decimal
from edc.capture.payload import Invalid, ItemError, parse_payload, parse_value
from edc.db.engine import make_engine
from edc.db.formtables import form_table
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.model import Form, Item

PROBE = Form(id="probe", title="Every item type", items=(
    Item(name="n", label="Integer", type="integer"),
    Item(name="d0", label="Decimal, no places", type="decimal"),
    Item(name="d3", label="Decimal, 3 places", type="decimal", precision=3),
    Item(name="d6", label="Decimal, 6 places", type="decimal", precision=6),
    Item(name="txt", label="Text", type="text", max_length=40),
    Item(name="day", label="Date", type="date"),
    Item(name="pday", label="Partial date", type="partial_date"),
    Item(name="moment", label="Date and time", type="datetime"),
    Item(name="clock", label="Time", type="time"),
    Item(name="flag", label="Boolean", type="boolean"),
    Item(name="yn", label="Choice", type="choice", codelist="ny"),
    Item(name="many", label="Multichoice", type="multichoice", codelist="ny"),
))
ITEMS = {item.name: item for item in PROBE.items}
EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def ic19(catalog: Catalog) -> StudyDefinition:
    return catalog.study("ic19")


@pytest.fixture
def table(db_url: str, ic19: StudyDefinition) -> Iterator[tuple[Engine, Table]]:
    metadata = MetaData()
    Table("form_records", metadata, Column("id", Integer, primary_key=True))
    probe = form_table(metadata, ic19, PROBE)
    engine = make_engine(db_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(metadata.tables["form_records"]).values(id=1))
    yield engine, probe
    engine.dispose()


def _round_trip(conn: Connection, probe: Table, name: str, value: object) -> object:
    conn.execute(delete(probe))
    conn.execute(insert(probe).values(record_id=1, **{name: value}))
    back = conn.execute(select(probe.c[name])).scalar_one()
    if isinstance(back, datetime) and back.tzinfo is None:  # SQLite gives naive datetimes; they are UTC
        back = back.replace(tzinfo=UTC)
    return back


def _stores_unchanged(conn: Connection, probe: Table, ic19: StudyDefinition, name: str, raw: object) -> None:
    item = ITEMS[name]
    try:
        value = parse_value(item, ic19.codelists, raw)
    except Invalid:
        return
    stored = column_value(item, value)
    assert stored == value
    back = _round_trip(conn, probe, name, stored)
    assert back == stored, (raw, stored, back)
    if isinstance(stored, Decimal):
        assert str(back) == str(stored)  # every digit, at the item's scale


# --- the finding: what SQLite does with Numeric(18, p) -----------------------

def test_sqlite_keeps_15_digits_of_a_numeric_and_postgresql_18(table: tuple[Engine, Table], db_url: str) -> None:
    """SQLAlchemy binds a Decimal as a float on SQLite, the NUMERIC column keeps a REAL: 18 digits do not survive."""
    engine, probe = table
    eighteen = Decimal("999999999999999.999")
    with engine.begin() as conn:
        back = _round_trip(conn, probe, "d3", eighteen)
    if db_url.startswith("sqlite"):
        assert back == Decimal("1000000000000000.000")
    else:
        assert back == eighteen


def test_the_largest_accepted_decimal_of_each_precision_round_trips(table: tuple[Engine, Table]) -> None:
    for places in range(7):
        item = Item(name="d", label="D", type="decimal", precision=places)
        largest, step = largest_decimal(item), Decimal(1).scaleb(-places)
        assert parse_value(item, {}, str(largest)) == largest
        assert parse_value(item, {}, str(-largest)) == -largest
        with pytest.raises(Invalid, match="too large"):
            parse_value(item, {}, str(largest + step))
    engine, probe = table
    with engine.begin() as conn:
        for column in ("d0", "d3", "d6"):
            largest = largest_decimal(ITEMS[column])
            for value in (largest, -largest, largest - 1, Decimal(1).scaleb(-(ITEMS[column].precision or 0))):
                back = _round_trip(conn, probe, column, value)
                assert str(back) == str(value), (column, value, back)


def test_integers_at_the_bounds_round_trip(table: tuple[Engine, Table]) -> None:
    engine, probe = table
    with engine.begin() as conn:
        for value in (INTEGER_MIN, INTEGER_MAX, 0):
            assert _round_trip(conn, probe, "n", parse_value(ITEMS["n"], {}, value)) == value


# --- properties ---------------------------------------------------------------

_ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # surrogates and controls included
_DIGITS = "0123456789０１２３٠١٢३"
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(_ANY_CHARACTER, max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
_numbers = (
    st.integers() | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats() | st.floats(min_value=-1e16, max_value=1e16)
    | st.decimals(places=None).map(str) | st.decimals(min_value=-(10**15), max_value=10**15, places=3).map(str)
    | st.text(_DIGITS + ".-+eE _", max_size=24)
)
_dates = (
    st.dates().map(lambda d: d.isoformat())
    | st.from_regex(r"\A[0-9０-９]{4}(-[0-9٠-٩]{2}(-[0-9]{2})?)?\Z")
    | st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 13),
                st.integers(0, 32))
    | st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(0, 13))
    | st.integers(0, 9999).map(lambda y: f"{y:04d}")
)
_moments = (
    st.datetimes(timezones=st.timezones() | st.none()).map(lambda m: m.isoformat())
    | st.datetimes().map(lambda m: m.isoformat() + "Z")
    | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9２]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})\Z")
)
_times = st.from_regex(r"\A[0-9٣]{1,2}:[0-9]{1,2}\Z") | st.times().map(lambda t: t.isoformat()[:5])
_texts = st.text(_ANY_CHARACTER, max_size=45) | st.text(string.printable, max_size=45)
_codes = st.sampled_from(["Y", "N", "y", "Y\x00", "N ", ""]) | st.lists(st.sampled_from(["Y", "N", "X"]), max_size=3)

RAW = {
    "n": _numbers | _json, "d0": _numbers, "d3": _numbers, "d6": _numbers | _json, "txt": _texts | _json,
    "day": _dates | _moments, "pday": _dates | _json, "moment": _moments | _dates, "clock": _times | _json,
    "flag": _json, "yn": _codes | _json, "many": _codes | _json,
}


@pytest.mark.parametrize("name", list(RAW))
def test_any_value_is_an_item_error_or_stored_unchanged(table: tuple[Engine, Table], ic19: StudyDefinition,
                                                       name: str) -> None:
    engine, probe = table

    @EXAMPLES
    @given(RAW[name])
    def check(raw: object) -> None:
        with engine.begin() as conn:
            _stores_unchanged(conn, probe, ic19, name, raw)

    check()


def test_any_payload_gives_typed_values_or_item_errors(ic19: StudyDefinition) -> None:
    keys = st.sampled_from(list(RAW)) | st.text(_ANY_CHARACTER, max_size=8)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(keys, st.one_of(*RAW.values()), max_size=6))
    def check(payload: dict[str, object]) -> None:
        parsed = parse_payload(PROBE, ic19.codelists, payload)
        assert all(isinstance(error, ItemError) and error.message for error in parsed.errors)
        for name, value in parsed.values.items():
            assert column_value(ITEMS[name], value) == value

    check()
