"""The coding derivation: a level of the dictionary entry a row's verbatim term is coded with (AEDECOD, CMDECOD...).

`coded {item, level}` reads the coding the export reader attached to the
row's record (`CapturedRecord.coded`); a term not coded gives null, which
an export allows only when the data manager asked for it, or, with
`verbatim: true`, the verbatim term itself (FAOBJ: required, and the coded
term where there is one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.export.sdtm.derivations.context import Derivation, RowContext
from edc.export.sdtm.subjectdata import plain


def _coded(context: RowContext, args: Mapping[str, Any]) -> object:
    form_id, _, item = str(args["item"]).partition(".")
    if context.record is None or form_id != context.row_form:
        return None
    coded = context.record.coded.get(item)
    if coded is None:
        # FAOBJ names the event by its coded term (SDTMIG 3.4 6.4.3), by the verbatim one while it is not coded
        return plain(context.record.values.get(item)) if args.get("verbatim") else None
    return coded.levels.get(args["level"])


CODING: dict[str, Derivation] = {"coded": _coded}
