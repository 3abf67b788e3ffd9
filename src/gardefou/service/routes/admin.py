"""Review queue (reviewer), audit log (admin), API keys (admin), health (no key)."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from gardefou.service.auth import Principal, require
from gardefou.service.routes.common import audit, errors, get_state, page_cursor
from gardefou.service.schemas import AuditPage, KeyCreate, KeyCreated, KeyList, KeyOut, ReviewDecision, ReviewOut, ReviewPage
from gardefou.store import service_repo as repo

router = APIRouter()
reviewer = require("reviewer")
admin = require("admin")
Cursor = Annotated[Optional[str], Query(max_length=200, description="from the previous page's next_cursor")]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/healthz", tags=["health"], summary="Liveness: the process answers (no key)")
async def healthz():
    return {"status": "ok"}


@router.get("/readyz", tags=["health"], summary="Readiness: database reachable and PDQ index loaded (no key)",
            responses={503: {"description": "not ready"}})
def readyz(request: Request):
    ok, info = get_state(request).readiness()
    return JSONResponse({"status": "ready" if ok else "not_ready", **info}, status_code=200 if ok else 503)


# -- review ---------------------------------------------------------------------------------------
@router.get("/v1/review", response_model=ReviewPage, tags=["review"],
            summary="Review items, oldest first (reviewer)", responses=errors())
def list_review(request: Request, who: Principal = Depends(reviewer),
                status: Annotated[Literal["pending", "confirmed", "dismissed", "all"], Query()] = "pending",
                cursor: Cursor = None, limit: Limit = 100):
    after = page_cursor("r", cursor) or 0
    rows = repo.list_review(get_state(request).store, status=None if status == "all" else status,
                            after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [r.to_dict() for r in rows], "next_cursor": repo.encode_cursor("r", rows[-1].id) if more else None}


@router.get("/v1/review/{item_id}", response_model=ReviewOut, tags=["review"], summary="One review item (reviewer)",
            responses=errors(404))
def get_review(item_id: Annotated[int, Path(ge=1, le=2**62)], request: Request, who: Principal = Depends(reviewer)):
    return repo.get_review(get_state(request).store, item_id).to_dict()


@router.post("/v1/review/{item_id}", response_model=ReviewOut, tags=["review"], responses=errors(404),
             summary="Confirm or dismiss a decision (reviewer)")
def decide_review(item_id: Annotated[int, Path(ge=1, le=2**62)], body: ReviewDecision, request: Request,
                  who: Principal = Depends(reviewer)):
    state = get_state(request)
    info = repo.decide_review(state.store, item_id, body.decision, actor=who.name, note=body.note)
    audit(state, who, "review.decide", str(item_id), decision=body.decision)
    return info.to_dict()


# -- audit ----------------------------------------------------------------------------------------
@router.get("/v1/audit", response_model=AuditPage, tags=["audit"], responses=errors(),
            summary="The append-only audit log, newest first (admin)")
def list_audit(request: Request, who: Principal = Depends(admin), cursor: Cursor = None, limit: Limit = 100,
               actor: Annotated[Optional[str], Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
               action: Annotated[Optional[str], Query(max_length=60, pattern=r"^[^\x00]*$")] = None):
    before = page_cursor("a", cursor)
    rows = repo.list_audit(get_state(request).store, before_id=before, limit=limit + 1, actor=actor, action=action)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"events": [r.to_dict() for r in rows], "next_cursor": repo.encode_cursor("a", rows[-1].id) if more else None}


# -- keys -----------------------------------------------------------------------------------------
@router.get("/v1/keys", response_model=KeyList, tags=["keys"], responses=errors(), summary="API keys (admin; never the secrets)")
def list_keys(request: Request, who: Principal = Depends(admin)):
    return {"keys": [k.to_dict() for k in repo.list_keys(get_state(request).store)]}


@router.post("/v1/keys", status_code=201, response_model=KeyCreated, tags=["keys"], responses=errors(),
             summary="Create an API key; the secret is in this response only (admin)")
def create_key(body: KeyCreate, request: Request, who: Principal = Depends(admin)):
    state = get_state(request)
    secret, info = repo.create_key(state.store, body.role, body.name)
    audit(state, who, "key.create", info.name, key_id=info.id, key_role=info.role)
    return info.to_dict() | {"key": secret}


@router.delete("/v1/keys/{key_id}", response_model=KeyOut, tags=["keys"], responses=errors(404),
               summary="Revoke an API key (admin); effective at once here, within a second elsewhere")
def revoke_key(key_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, who: Principal = Depends(admin)):
    state = get_state(request)
    info = repo.revoke_key(state.store, key_id)
    state.keys.clear()
    audit(state, who, "key.revoke", info.name, key_id=info.id)
    return info.to_dict()
