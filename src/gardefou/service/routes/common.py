"""Helpers shared by the route modules."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from gardefou.service.auth import Principal
from gardefou.service.errors import ApiError
from gardefou.service.schemas import ErrorResponse
from gardefou.service.state import ServiceState
from gardefou.service.uploads import media_type
from gardefou.store import service_repo as repo

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": desc}
    for code, desc in ((401, "missing, unknown or revoked API key"), (403, "the key's role may not use this route"),
                       (422, "invalid request"))
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    desc = {400: "bad request", 404: "not found", 409: "conflict", 413: "too large", 415: "unsupported media type",
            503: "not ready"}
    out = dict(ERRORS)
    for c in codes:
        out[c] = {"model": ErrorResponse, "description": desc.get(c, "error")}
    return out


def get_state(request: Request) -> ServiceState:
    return request.app.state.service


def audit(state: ServiceState, who: Principal, action: str, target: str = "", **details: Any) -> None:
    repo.audit(state.store, who.name, action, target, {"role": who.role, **details})


async def json_body(request: Request, adapter: TypeAdapter, *, what: str = "a JSON body") -> Any:
    """Parse and validate a JSON body by hand (415 for other media types, 422 for bad JSON/shape)."""
    mt = media_type(request.headers.get("content-type"))
    if mt != "application/json" and not mt.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", f"this route takes {what} (Content-Type: application/json), got {mt or 'none'}")
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise RequestValidationError([{"loc": ("body",), "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]) from None
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors(include_url=False)]) from None


def page_cursor(kind: str, cursor: str | None) -> int | None:
    try:
        return repo.decode_cursor(kind, cursor)
    except Exception:
        raise ApiError(422, "invalid_cursor", "cursor is not one this API handed out") from None
