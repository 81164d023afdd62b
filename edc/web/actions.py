"""The workspace's forms (POST): log in and out, mark SDV, raise, answer, close and re-open queries, adjudicate
an adverse event and decide the escalation. Each is the service call the API makes, in the same scope, so the
audit and the refusals are the API's; a refusal is shown next to the field it concerns, and a success
redirects (POST/redirect/GET) to the page the action belongs to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from edc.app.access.service import THROTTLED, login, revoke_token
from edc.app.access.throttle import UNKNOWN_ADDRESS
from edc.app.escalation.routes import escalation_out
from edc.app.escalation.service import adjudicate_event, decide_escalation, study_escalation
from edc.app.kernel.context import transaction
from edc.app.kernel.errors import InvalidInput, ServiceError, Unauthenticated
from edc.app.kernel.permissions import Permission, may
from edc.app.queries import service as queries
from edc.app.sdv import service as sdv
from edc.web import figures, views
from edc.web.pages import STUDY, _safe_next, demo_accounts
from edc.web.render import field_errors, http_error_page, page, service_error_page, status_of
from edc.web.session import PREFIX, cleared, page_scope, session_cookie, session_token

Form = URLEncodedBody[dict[str, str]]
MAX_TEXT = 4000  # a query message or a reason is a few sentences
MAX_NAME = 128  # usernames, codes, identifiers


def text(data: dict[str, str], name: str, *, required: bool = True, limit: int = MAX_NAME) -> str:
    """The form field `name`, stripped and bounded; InvalidInput naming it when missing or too long."""
    value = (data.get(name) or "").strip()
    if required and not value:
        raise InvalidInput(f"{name}: required")
    if len(value) > limit or "\x00" in value:
        raise InvalidInput(f"{name}: at most {limit} characters")
    return value


def number(data: dict[str, str], name: str, default: int = 1) -> int:
    """A positive whole number from the form (occurrence, seq)."""
    raw = (data.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(f"{name}: a positive whole number")
    return int(raw)


class WorkspaceActions(Controller):
    path = PREFIX
    include_in_schema = False
    security = []  # noqa: RUF012 - the session cookie authenticates, the CSRF token guards every form
    exception_handlers = {ServiceError: service_error_page, HTTPException: http_error_page}  # noqa: RUF012

    @get("/login", sync_to_thread=False)
    def login_form(self, next: FromQuery[str | None] = None) -> Template:
        """The login form; on a server started with `edc serve --demo`, the demo accounts and their password."""
        return page("login.html", None, next=_safe_next(next), errors={}, username="", demo=demo_accounts())

    @post("/login", sync_to_thread=True, status_code=303)
    def login(self, request: Request[Any, Any, Any], data: Form) -> Response[Any]:
        """The access feature's login (same password check, throttling and audit); the token in the cookie."""
        username, password = (data.get("username") or "")[:MAX_NAME], (data.get("password") or "")[:MAX_TEXT]
        target = _safe_next(data.get("next"))
        if not username or not password:
            return _login_refused({"username" if not username else "password": "required"}, username, target, 422)
        address = request.client.host if request.client is not None else UNKNOWN_ADDRESS
        with transaction(request, write=True) as conn:
            outcome = login(conn, username=username, password=password, now=datetime.now(UTC), address=address)
        if outcome.reason == THROTTLED:
            return _login_refused({"password": f"too many failed logins; try again in {outcome.retry_after} s"},
                                  username, target, 429)
        if not outcome.ok or outcome.token is None or outcome.expires_at is None:
            return _login_refused({"password": "wrong username or password, or account inactive"}, username,
                                  target, 401)
        return Redirect(path=target, status_code=303, cookies=[session_cookie(request, outcome.token,
                                                                               outcome.expires_at)])

    @post("/logout", sync_to_thread=True, status_code=303)
    def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Revoke the session's token and drop the cookie."""
        try:
            token = session_token(request)
            with transaction(request, write=True) as conn:
                from edc.app.access.tokens import authenticate

                principal = authenticate(conn, token, datetime.now(UTC))
                revoke_token(conn, token, datetime.now(UTC), principal.user_id)
        except Unauthenticated:
            pass  # already logged out
        return cleared(Redirect(path=f"{PREFIX}/login", status_code=303))

    @post(STUDY + "/subjects/{subject_number:str}/sdv", sync_to_thread=True, status_code=303)
    def mark_sdv(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                 data: Form) -> Response[Any]:
        """Mark an item, a record or a whole visit verified against source."""
        try:
            with page_scope(request, study_id, Permission("sdv.mark"), write=True) as scope:
                item = text(data, "item", required=False)
                target = sdv.SdvTarget(subject_number, text(data, "visit"), number(data, "occurrence"),
                                       text(data, "form", required=False) or None, number(data, "seq"),
                                       (item,) if item else None)
                sdv.verify(scope.conn, study=scope.study, target=target, actor=scope.actor, now=scope.now)
        except ServiceError as exc:
            return _casebook_refused(request, study_id, subject_number, exc, "sdv", data)
        return Redirect(path=f"{PREFIX}/{study_id}/subjects/{subject_number}", status_code=303)

    @post(STUDY + "/subjects/{subject_number:str}/queries", sync_to_thread=True, status_code=303)
    def raise_query(self, request: Request[Any, Any, Any], study_id: FromPath[str], subject_number: FromPath[str],
                    data: Form) -> Response[Any]:
        """Raise a manual query on a visit, a record or an item."""
        try:
            with page_scope(request, study_id, Permission("query.open"), write=True) as scope:
                target = queries.Target(subject_number, text(data, "visit"), number(data, "occurrence"),
                                        text(data, "form", required=False) or None, number(data, "seq"),
                                        text(data, "item", required=False) or None)
                raised = queries.raise_query(scope.conn, study=scope.study, target=target,
                                             text=text(data, "text", limit=MAX_TEXT), actor=scope.actor,
                                             now=scope.now, idempotency_key=None)
        except ServiceError as exc:
            return _casebook_refused(request, study_id, subject_number, exc, "text", data)
        return Redirect(path=f"{PREFIX}/{study_id}/queries/{raised.query_id}", status_code=303)

    @post(STUDY + "/queries/{query_id:int}/{step:str}", sync_to_thread=True, status_code=303)
    def query_step(self, request: Request[Any, Any, Any], study_id: FromPath[str], query_id: FromPath[int],
                   step: FromPath[str], data: Form) -> Response[Any]:
        """Answer (site staff), close or re-open (monitor, data manager) a query, with a message."""
        steps = {"answer": (Permission("query.answer"), queries.answer_query),
                 "close": (Permission("query.open"), queries.close_query),
                 "reopen": (Permission("query.open"), queries.reopen_query)}
        if step not in steps:
            return http_error_page(request, HTTPException(status_code=404, detail=f"no query step '{step}'"))
        permission, call = steps[step]
        try:
            with page_scope(request, study_id, permission, write=True) as scope:
                call(scope.conn, study=scope.study, query_id=query_id, text=text(data, "text", limit=MAX_TEXT),
                     actor=scope.actor, now=scope.now)
        except ServiceError as exc:
            return _query_refused(request, study_id, query_id, exc)
        return Redirect(path=f"{PREFIX}/{study_id}/queries/{query_id}", status_code=303)

    @post(STUDY + "/escalation/adjudication", sync_to_thread=True, status_code=303)
    def adjudicate(self, request: Request[Any, Any, Any], study_id: FromPath[str], data: Form) -> Response[Any]:
        """The committee's verdict on one adverse event (DLT or NOT_DLT, with a reason)."""
        try:
            with page_scope(request, study_id, Permission("dlt.adjudicate"), write=True) as scope:
                adjudicate_event(scope.conn, study=scope.study, subject_number=text(data, "subject"),
                                 aespid=text(data, "aespid"), verdict=text(data, "verdict"),
                                 reason=text(data, "reason", limit=MAX_TEXT), actor=scope.actor, now=scope.now)
        except ServiceError as exc:
            key = f"{data.get('subject', '')}/{data.get('aespid', '')}"
            return _escalation_refused(request, study_id, exc, key)
        return Redirect(path=f"{PREFIX}/{study_id}/escalation", status_code=303)

    @post(STUDY + "/escalation/decision", sync_to_thread=True, status_code=303)
    def decide(self, request: Request[Any, Any, Any], study_id: FromPath[str], data: Form) -> Response[Any]:
        """The committee's decision; one that differs from the recommendation overrides it."""
        try:
            with page_scope(request, study_id, Permission("committee.decide"), write=True) as scope:
                decide_escalation(scope.conn, study=scope.study, action=text(data, "action"),
                                  level=text(data, "level", required=False) or None,
                                  reason=text(data, "reason", limit=MAX_TEXT), actor=scope.actor, now=scope.now)
        except ServiceError as exc:
            return _escalation_refused(request, study_id, exc, "decision")
        return Redirect(path=f"{PREFIX}/{study_id}/escalation", status_code=303)


def target_key(data: dict[str, str]) -> str:
    """Which casebook form was sent (visit/occurrence/form/seq/item), so its refusal is shown beside it."""
    return "/".join((data.get(k) or "")[:MAX_NAME] for k in ("visit", "occurrence", "form", "seq", "item"))


def _login_refused(errors: dict[str, str], username: str, target: str, status: int) -> Template:
    return page("login.html", None, status=status, errors=errors, username=username, next=target,
                demo=demo_accounts())


def _casebook_refused(request: Request[Any, Any, Any], study_id: str, subject_number: str, exc: ServiceError,
                      field: str, data: dict[str, str]) -> Response[Any] | Template:
    """The casebook again, the refusal beside the form that was sent (or the error page if it cannot be read)."""
    try:
        with page_scope(request, study_id, Permission("record.read")) as scope:
            book = views.casebook(scope.conn, scope.study, subject_number, scope.actor, scope.now)
            return page("casebook.html", scope.principal, status=status_of(exc), study=scope.study, book=book,
                        errors={"at": target_key(data), **field_errors(exc, field)},
                        may_sdv=may(scope.actor.role, Permission("sdv.mark")),
                        may_query=may(scope.actor.role, Permission("query.open")),
                        trajectory_svg=figures.trajectory(scope.conn, scope.study, scope.actor, subject_number,
                                                          scope.now.date()))
    except ServiceError:
        return service_error_page(request, exc)


def _query_refused(request: Request[Any, Any, Any], study_id: str, query_id: int,
                   exc: ServiceError) -> Response[Any] | Template:
    try:
        with page_scope(request, study_id, Permission("record.read")) as scope:
            found = queries.read_query(scope.conn, study=scope.study, query_id=query_id, actor=scope.actor)
            return page("query.html", scope.principal, status=status_of(exc), study=scope.study, query=found,
                        errors={"text": str(exc)}, may_answer=may(scope.actor.role, Permission("query.answer")),
                        may_open=may(scope.actor.role, Permission("query.open")))
    except ServiceError:
        return service_error_page(request, exc)


def _escalation_refused(request: Request[Any, Any, Any], study_id: str, exc: ServiceError,
                        key: str) -> Response[Any] | Template:
    try:
        with page_scope(request, study_id, Permission("escalation.read")) as scope:
            found = escalation_out(scope.study, study_escalation(scope.conn, scope.study, scope.now.date()),
                                   scope.actor)
            return page("escalation.html", scope.principal, status=status_of(exc), study=scope.study, esc=found,
                        errors={key: str(exc)}, timeline=views.timeline(found),
                        swimmer_svg=figures.swimmer(scope.conn, scope.study, scope.actor, scope.now.date()),
                        may_adjudicate=may(scope.actor.role, Permission("dlt.adjudicate")),
                        may_decide=may(scope.actor.role, Permission("committee.decide")))
    except ServiceError:
        return service_error_page(request, exc)
