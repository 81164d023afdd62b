"""Errors the services raise; the API maps each to an HTTP status (in brackets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from edc.capture.payload import ItemError

if TYPE_CHECKING:
    from edc.export.odm.document import LineError


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""


class NotFound(ServiceError):
    """The resource does not exist (404)."""


class Conflict(ServiceError):
    """The request contradicts what is stored, e.g. a second record of a non-repeating form (409)."""


class ItemConflict(Conflict):
    """A conflict caused by the items named in `errors` (409), e.g. a log form's key."""

    def __init__(self, message: str, errors: Sequence[ItemError]) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


class DuplicateKey(ItemConflict):
    """Another record of the subject already has this key, e.g. a second AE number 3 (409)."""


class KeyReferenced(ItemConflict):
    """A correction would change a key other records refer to, e.g. an AE number a DLT assessment names (409)."""


class UncodedTerms(ItemConflict):
    """An export would leave verbatim terms uncoded, each named in `errors`, and was not asked to (409)."""


class Withdrawn(Conflict):
    """The record was withdrawn (entered in error): it is not corrected, withdrawn again, signed or verified (409)."""


class Locked(ServiceError):
    """The data are frozen or locked by data management (409, problem type locked)."""


class FormNotInVisit(Conflict):
    """The form is not collected at that visit in the study definition (409)."""


class FormNotForCohort(FormNotInVisit):
    """The visit collects the form for other cohorts than the subject's, e.g. SLEDAI for a vasculitis subject (409)."""


class ValidationFailed(ServiceError):
    """The payload has item errors, all of them listed in `errors` (422)."""

    def __init__(self, errors: Sequence[ItemError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.item}: {e.message}" for e in self.errors) or "invalid")


class IdempotencyMismatch(ServiceError):
    """An Idempotency-Key already used with a different request (422)."""


class VersionRequired(ServiceError):
    """A change needs the version the client read (If-Match) (428)."""


class VersionMismatch(ServiceError):
    """The version the client read is no longer the stored one (412)."""


class ReasonRequired(ServiceError):
    """A correction of captured data needs a reason (422)."""


class InvalidInput(ServiceError):
    """The request names something the study definition does not allow, e.g. an unknown cohort (422)."""


class EntryNotPermitted(ServiceError):
    """The form, or the items named in `errors`, are reserved to other roles (403), e.g. the investigator's
    eligibility confirmations and DLT assessments."""

    def __init__(self, message: str, errors: Sequence[ItemError] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


class NotPermitted(ServiceError):
    """The actor may not act there, e.g. a user restricted to another site (403)."""


class Unauthenticated(ServiceError):
    """No valid credentials: an unknown, expired or revoked token, or an inactive or locked user (401)."""


class Forbidden(ServiceError):
    """The user holds no role with the permission in that study (403)."""


class NotEligible(ServiceError):
    """The subject's eligibility does not allow the step: criteria not met or undecidable, or no decision (409)."""


class Unavailable(ServiceError):
    """What the request needs outside the database cannot be read now (the anchor log damaged or missing)."""


class ImportRefused(ServiceError):
    """An import file with problems, every one with its line in `problems`; nothing of it was stored (422)."""

    def __init__(self, problems: Sequence[LineError]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"import refused: {len(self.problems)} problem(s) in the file, nothing stored")
