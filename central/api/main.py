"""The FastAPI application: ``create_app(settings)``.

At start it upgrades the schema; with ``background=True`` (as ``serve`` runs it)
it also runs the outbox publisher, the enforcement scheduler, the orders ticker
(unpaid orders lapse) and, if ``ingest.in_process``, the ingest consumer, in
threads beside the web server.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError

from central import db
from central.api.deps import AppState
from central.api.latency import RequestLatency
from central.api.routes import (
    admin,
    billing,
    blacklist,
    calendar,
    console,
    contracts,
    docs,
    events,
    gates,
    health,
    metrics,
    orders,
    own_vehicles,
    payments,
    reports,
    resident,
    sandbox,
    sites,
)
from central.contracts.service import ContractRules
from central.core.config import Settings
from central.db.migrate import upgrade_to_head
from central.distribution.bundles import Signer
from central.distribution.publisher import OutboxPublisher
from central.enforcement import scheduler as enforcement
from central.errors import (
    BillingError,
    BrokerUnavailableError,
    CalendarError,
    CentralError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)
from central.health import Runtime
from central.ingest.consumer import Ingestor
from central.mqtt import MqttClient
from central.orders import OrderLedger, OrderTicker
from central.payments import PaymentService, payment_service_from_settings
from central.web import install_web
from shared import Clock, PlateError, utc_now

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, clock: Clock = utc_now, background: bool = False,
               migrate: bool = True) -> FastAPI:
    database = db.Database(settings.database.url, settings.database.pool_size, settings.database.echo)
    state = AppState(settings=settings, database=database, signer=Signer.from_settings(settings.signing),
                     rules=ContractRules(settings.contracts.oversubscription,
                                         settings.contracts.max_validity_days),
                     clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            upgrade_to_head(settings.database.url)
        workers = _start_background(state, runtime, app.state.payments) if background else []
        try:
            yield
        finally:
            for stop in workers:
                stop()
            database.dispose()

    app = FastAPI(title="Off-peak parking: central service", version="1", lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=f"{API_PREFIX}/openapi.json")
    app.state.central = state
    app.state.payments = payment_service_from_settings(settings, clock)
    app.state.payments.orders = OrderLedger(state.signer, clock)  # what a confirmed payment activates
    app.state.runtime = runtime = Runtime()  # what health and /metrics read besides the database
    # orders before contracts: its /contracts/{id}/renewals must not be taken for /contracts/{id}/{action}
    for module in (sites, orders, contracts, events, gates, admin, own_vehicles, blacklist, calendar, health,
                   billing, reports, payments):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(metrics.router)  # /metrics, where Prometheus looks
    app.add_middleware(RequestLatency)
    _add_error_handlers(app)
    install_web(app, settings, database, clock)  # page state, static files, headers, refusal pages
    for pages in (docs, resident, console):  # /docs and /redoc offline, /app/, /console/
        app.include_router(pages.router)
    if "sandbox" in app.state.payments.provider_names:
        app.include_router(sandbox.router)  # the sandbox provider's page, only while it is enabled
    return app


def _start_background(
    state: AppState, runtime: Runtime, payments: PaymentService
) -> list[Callable[[], None]]:
    settings = state.settings
    link = MqttClient(settings.mqtt, f"{settings.mqtt.client_id}-publisher", name="publisher",
                      clock=state.clock)
    runtime.links.append(link)
    link.start()
    publisher = OutboxPublisher(state.database, link, state.signer, state.clock,
                                settings.signing.publish_interval_s)
    publisher.start()
    stops = [publisher.stop, link.stop]
    enforcer = enforcement.start(state.database, settings.enforcement, state.signer, state.rules, state.clock)
    if enforcer is not None:
        stops.insert(0, enforcer.stop)
    ticker = OrderTicker(state.database, payments, state.clock, settings.orders.lapse_interval_s).start()
    stops.insert(0, ticker.stop)
    if settings.ingest.in_process:
        # A stable client id: the broker queues what gates publish while serve restarts for this
        # session; a new random id each start would leave that queue to a member that never returns.
        ingestor = Ingestor(state.database, settings.mqtt, settings.ingest, state.clock,
                            f"{settings.mqtt.client_id}-ingest")
        runtime.links.append(ingestor.mqtt)
        runtime.consumers.append(ingestor)
        ingestor.start()
        stops.insert(0, ingestor.stop)
    return stops


# A handler is found along the error's class hierarchy (most specific first), so a BillingError
# answers 422 although it is also a CentralError.
_STATUS: list[tuple[type[Exception], int]] = [
    (NotFoundError, 404), (ForbiddenError, 403), (ConflictError, 409), (BrokerUnavailableError, 503),
    (CentralError, 400), (PlateError, 422), (IntegrityError, 409), (DataError, 422),
    (BillingError, 422),  # a month such as 2026-13 passes the route's pattern, not Month
    (CalendarError, 422),
]


def _add_error_handlers(app: FastAPI) -> None:
    for error_type, status in _STATUS:
        app.add_exception_handler(error_type, _handler(status))


def _handler(status: int) -> Callable[[Request, Exception], JSONResponse]:
    def handle(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DataError | IntegrityError):
            logger.info("database refused a value on %s: %s", request.url.path, type(exc.orig).__name__)
            return JSONResponse({"detail": "a value cannot be stored (too long, or a NUL character)"},
                                status_code=status)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handle
