"""Every error is `{"error": {"code", "message"}}` (plus `details` for validation errors)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gardefou.store import Conflict, NotFound, StoreError

log = logging.getLogger("gardefou.service")

_DEFAULT_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 411: "length_required", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}


class ApiError(HTTPException):
    """An HTTP error with a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 details: Any = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.details = details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   details: Any = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def store_error(exc: StoreError) -> ApiError:
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, "conflict", str(exc))
    return ApiError(422, "invalid", str(exc))


def _loc(loc: Any) -> str:
    return ".".join(str(p) for p in loc) if isinstance(loc, (list, tuple)) else str(loc)


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = getattr(exc, "code", None) or _DEFAULT_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}"
        return error_response(exc.status_code, code, message, getattr(exc, "headers", None),
                              getattr(exc, "details", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        details = []
        for e in exc.errors():
            details.append({"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
        first = details[0] if details else {"loc": "", "msg": "invalid request"}
        message = f"{first['loc']}: {first['msg']}" if first.get("loc") else first["msg"]
        if len(details) > 1:
            message += f" (and {len(details) - 1} more)"
        return error_response(422, "validation_error", message, details=details)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError):
        err = store_error(exc)
        return error_response(err.status_code, err.code, err.detail)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal server error; the event was logged")
