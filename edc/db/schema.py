"""The full relational schema for a catalog of studies: the core tables plus every form's table."""

from __future__ import annotations

from sqlalchemy import MetaData

from edc.db import coding, decisions, jobs, monitoring, trail  # noqa: F401  (their tables join Base.metadata)
from edc.db.core import Base
from edc.db.formtables import add_form_tables
from edc.definitions.catalog import Catalog


def build_metadata(catalog: Catalog) -> MetaData:
    """A fresh MetaData holding copies of the core tables and the catalog's form tables."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    for study in catalog.studies.values():
        add_form_tables(metadata, study)
    return metadata
