"""The coding derivation: a level of the dictionary entry a row's verbatim term is coded with (AEDECOD, CMDECOD...).

`coded {item, level}` reads the coding the export reader attached to the
row's record (`CapturedRecord.coded`); a term not coded gives null, which
an export allows only when the data manager asked for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.export.sdtm.derivations.context import Derivation, RowContext


def _coded(context: RowContext, args: Mapping[str, Any]) -> object:
    form_id, _, item = str(args["item"]).partition(".")
    if context.record is None or form_id != context.row_form:
        return None
    coded = context.record.coded.get(item)
    return None if coded is None else coded.levels.get(args["level"])


CODING: dict[str, Derivation] = {"coded": _coded}
