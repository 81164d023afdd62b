"""Transitional alias, for `edc.app.exports.service` only: `Failure` and `SubmissionInvalid` live in
`edc.export.sdtm.failures`.

`edc/app/exports/service.py` is being reworked on another branch and still imports them from here;
delete this module once it imports `edc.export.sdtm.failures`. Nothing else may import it.
"""

from edc.export.sdtm.failures import Failure, SubmissionInvalid

__all__ = ["Failure", "SubmissionInvalid"]
