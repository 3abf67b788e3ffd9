"""Victim cases (intake): hashes only, a withdraw token shown once, withdrawal of the whole case at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from gardefou.service.auth import Principal, require
from gardefou.service.errors import ApiError
from gardefou.service.routes.common import audit, errors, get_state, json_body
from gardefou.service.schemas import CaseCreate, CaseCreated, CaseStatus, ref
from gardefou.service.uploads import media_type
from gardefou.store import EntryInput
from gardefou.store import service_repo as repo

router = APIRouter(prefix="/v1/cases", tags=["cases"])
intake = require("intake")
_CASE = TypeAdapter(CaseCreate)
CasePath = Annotated[str, Path(max_length=64, description="the case_id returned at creation")]
TokenHeader = Annotated[str, Header(alias="X-Withdraw-Token", max_length=200, description="the withdraw_token shown at creation")]

_REFUSE_MEDIA = ("multipart/", "image/", "application/octet-stream", "video/")


@router.post("", status_code=201, response_model=CaseCreated, responses=errors(404, 415),
             summary="Submit a victim's hashes under a new case (intake); hashes only, never images",
             description="Hash the images on the victim's device (e.g. `gardefou hash`) and send only `pdq`/`md5`. "
                         "The `withdraw_token` is returned once and stored hashed.",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": ref(CaseCreate)}}}})
async def create_case(request: Request, who: Principal = Depends(intake)):
    mt = media_type(request.headers.get("content-type"))
    if mt.startswith(_REFUSE_MEDIA):
        raise ApiError(415, "images_refused",
                       "this route accepts hashes only, never images: hash the photos on the victim's device "
                       "(gardefou hash) and send {\"bank\", \"hashes\": [{\"pdq\", \"md5\"}]} as JSON")
    body: CaseCreate = await json_body(request, _CASE, what="{bank, hashes, note} as JSON")
    state = get_state(request)
    hashes = [EntryInput(pdq=h.pdq, md5=h.md5, quality=h.quality) for h in body.hashes]
    case_id, token, ids = await run_in_threadpool(_create, state, who, body.bank, hashes, body.note)
    return JSONResponse({"case_id": case_id, "withdraw_token": token, "hash_count": len(ids)}, status_code=201)


def _create(state, who, bank, hashes, note):
    case_id, token, ids = repo.create_case(state.store, bank, hashes, note)
    state.after_write()
    audit(state, who, "case.create", case_id, bank=bank, hashes=len(ids))
    return case_id, token, ids


def _case(state, case_id: str, token: str, fn):
    try:
        return fn(state.store, case_id, token)
    except PermissionError as exc:
        raise ApiError(403, "invalid_withdraw_token", str(exc)) from None


@router.get("/{case_id}", response_model=CaseStatus, responses=errors(404),
            summary="A case's status and how many scanned uploads matched it (intake + withdraw token)")
def get_case(case_id: CasePath, token: TokenHeader, request: Request, who: Principal = Depends(intake)):
    info = _case(get_state(request), case_id, token, repo.get_case)
    d = info.to_dict()
    d.pop("bank", None)
    return d


@router.delete("/{case_id}", response_model=CaseStatus, responses=errors(404),
               summary="Withdraw a case: every one of its hashes stops matching at once (intake + withdraw token)")
def withdraw_case(case_id: CasePath, token: TokenHeader, request: Request, who: Principal = Depends(intake)):
    state = get_state(request)
    info, removed = _case(state, case_id, token, repo.withdraw_case)
    state.after_write()
    audit(state, who, "case.withdraw", case_id, hashes_removed=len(removed))
    d = info.to_dict()
    d.pop("bank", None)
    return d
