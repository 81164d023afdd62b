"""The Litestar application: routes, problem-details errors, OpenAPI with every form, the engine and definitions.

`create_app` takes an engine and a loaded catalog, so tests and `edc serve`
build the same application; it never migrates (the caller does, before).
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy import Engine

from edc import __version__, config
from edc.api.docs import OfflineSwagger
from edc.api.openapi import publish
from edc.app.access.routes import AuthController
from edc.app.casebooks.routes import CasebookController
from edc.app.coding.routes import CodingController
from edc.app.eligibility.routes import EligibilityController
from edc.app.endpoints.routes import EndpointController
from edc.app.escalation.routes import EscalationController
from edc.app.exports.bundle_routes import ExportBundleController
from edc.app.exports.routes import ExportController
from edc.app.exports.worker import sweep_quietly
from edc.app.interchange.routes import ImportController
from edc.app.kernel.admission import admission
from edc.app.kernel.context import STATE_KEY, AppState, app_state
from edc.app.kernel.media import JsonBodiesOnly
from edc.app.kernel.problems import EXCEPTION_HANDLERS
from edc.app.locks.routes import LockController
from edc.app.plots.routes import PlotController
from edc.app.queries.routes import QueryController
from edc.app.records.routes import RecordController
from edc.app.reports.routes import DictionaryController, ReportController
from edc.app.responses.routes import ResponseController
from edc.app.sdv.routes import SdvController
from edc.app.signatures.routes import SignatureController
from edc.app.status.routes import StatusController
from edc.app.subjects.routes import StudyController
from edc.app.trail.routes import AuditController
from edc.app.visits.routes import VisitController
from edc.audit.interval import IntervalCheckpoints
from edc.definitions.catalog import Catalog
from edc.web.actions import WorkspaceActions
from edc.web.pages import WorkspacePages, home
from edc.web.session import PREFIX as WORKSPACE
from edc.web.templating import csrf_config, static_router, template_config

DOCS_PATH = "/schema"
CHECKPOINTS_KEY = "edc_audit_checkpoints"
MAX_BODY = 1024 * 1024  # a form submission is a few kB; anything near this is a mistake (413)


@get("/health", media_type=MediaType.JSON, include_in_schema=False, security=[])
async def health() -> dict[str, str]:
    """Liveness probe (no database access)."""
    return {"status": "ok"}


def create_app(engine: Engine, catalog: Catalog, *, debug: bool = False) -> Litestar:
    """The API over `engine` with the studies of `catalog`."""
    app = Litestar(
        route_handlers=[health, AuthController, StudyController, VisitController, EligibilityController,
                        RecordController, AuditController, ResponseController, EndpointController,
                        EscalationController, QueryController, LockController, SignatureController, SdvController,
                        StatusController, ExportController, CodingController, PlotController, ExportBundleController,
                        DictionaryController, ReportController, CasebookController, ImportController,
                        home, WorkspacePages, WorkspaceActions, static_router()],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[JsonBodiesOnly(exempt_prefix=WORKSPACE)],
        template_config=template_config(),
        csrf_config=csrf_config(),
        openapi_config=_openapi_config(),
        request_max_body_size=MAX_BODY,
        before_request=admission(lambda request: app_state(request).engine, public_prefixes=(DOCS_PATH, WORKSPACE)),
        state=None,
        on_startup=[settle_interrupted_exports, start_checkpoints],
        on_shutdown=[stop_checkpoints],
        debug=debug,
    )
    app.state[STATE_KEY] = AppState(engine=engine, catalog=catalog)
    publish(app, catalog)
    return app


def settle_interrupted_exports(app: Litestar) -> None:
    """On start-up, store as failed (interrupted) the export jobs whose server process is gone."""
    state: AppState = app.state[STATE_KEY]
    sweep_quietly(state.engine)


def start_checkpoints(app: Litestar) -> None:
    """Sign the audit trail's head into the anchor log at an interval, if a signing key is configured."""
    state: AppState = app.state[STATE_KEY]
    signer = IntervalCheckpoints(state.engine, key_path=config.audit_signing_key(),
                                 anchor_log=config.audit_anchor_log(), seconds=config.audit_checkpoint_seconds())
    app.state[CHECKPOINTS_KEY] = signer
    signer.start()


def stop_checkpoints(app: Litestar) -> None:
    signer: IntervalCheckpoints | None = app.state.get(CHECKPOINTS_KEY)
    if signer is not None:
        signer.stop()


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="EDC for early-phase cell-therapy trials",
        version=__version__,
        description=("Data capture API. Authenticate with POST /api/v1/auth/token, then send "
                     "`Authorization: Bearer <token>`. Request bodies are `application/json` (415 otherwise). "
                     "Errors are RFC 9457 problem details (`application/problem+json`)."),
        path=DOCS_PATH,
        render_plugins=[OfflineSwagger(DOCS_PATH, path="/swagger")],
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
        security=[{"bearer": []}],
    )
