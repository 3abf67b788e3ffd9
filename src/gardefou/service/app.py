"""The FastAPI application factory."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from gardefou import __version__ as _version
from gardefou.config import Settings, resolve_settings
from gardefou.service import errors
from gardefou.service.config import ServiceConfig
from gardefou.service.fastpath import ScanFastPath
from gardefou.service.state import ServiceState
from gardefou.service.uploads import BodyLimitMiddleware
from gardefou.store import Store

TEMPLATES = Path(__file__).with_name("templates")

DESCRIPTION = """
Hash banks, victim cases, scanning and decisions against AI "undressing" services and
non-consensual intimate images. Every `/v1` route needs `Authorization: Bearer <key>` with the
right role (`gardefou keys create --role ...`). Errors are `{"error": {"code", "message"}}`.
Images are hashed in memory and never stored.
"""


def create_app(settings: Settings | None = None, config: ServiceConfig | None = None, *,
               store: Store | None = None, background: bool = True) -> FastAPI:
    """Build the app. The store is opened (and migrated) now; the PDQ index loads at start-up.

    `background=False` loads the index synchronously in the lifespan (handy for tests and tools).
    """
    settings = settings or resolve_settings()
    config = config or ServiceConfig.from_env()
    state = ServiceState(settings, config, store=store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state.start(background=background)
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(title="gardefou", version=_version, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    _install_offline_docs(app)
    app.state.service = state
    app.state.keys = state.keys
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, limit=config.max_body_bytes)
    app.add_middleware(ScanFastPath, get_state=lambda: state, limit=config.max_body_bytes)  # outermost

    from gardefou.service.routes import admin, banks, cases, scan

    for module in (admin, banks, cases, scan):
        app.include_router(module.router)

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        from gardefou.service.schemas import registered_schemas

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, s in registered_schemas().items():
            components.setdefault(name, s)
        # FastAPI documents its own 422 shape; ours is {"error": {...}} everywhere.
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path in schema.get("paths", {}).values():
            for op in path.values():
                resp = op.get("responses", {}).get("422")
                if resp is not None:
                    resp["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
                    resp["description"] = resp.get("description") or "invalid request"
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
    return app


SWAGGER_STATIC = "/static/swagger"


def _install_offline_docs(app: FastAPI) -> None:
    """Serve /docs with Swagger UI from the swagger-ui-bundle package, not from a CDN.

    FastAPI's default page loads its JavaScript from the internet; a self-hosted service may
    have none (moderators behind a firewall), so the assets come from an installed package.
    """
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(SWAGGER_STATIC, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="gardefou API",
                                   swagger_js_url=f"{SWAGGER_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{SWAGGER_STATIC}/swagger-ui.css",
                                   swagger_favicon_url=f"{SWAGGER_STATIC}/favicon-32x32.png")


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory gardefou.service.app:app_from_env` (used with several workers)."""
    settings = resolve_settings(os.environ.get("GARDEFOU_DATA_DIR"), os.environ.get("GARDEFOU_DB"))
    return create_app(settings, ServiceConfig.from_env())
