"""Banks (admin) and their entries (admin, intake)."""

from __future__ import annotations

import json
from typing import Annotated, Optional, Union

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from gardefou.service.auth import Principal, require
from gardefou.service.errors import ApiError
from gardefou.service.routes.common import audit, errors, get_state, json_body, page_cursor
from gardefou.service.schemas import (
    BankCreate, BankList, BankOut, BankPatch, EntryIds, EntryIn, EntryOut, EntryPage, ref,
)
from gardefou.service.uploads import hash_upload, media_type, read_upload, retain
from gardefou.store import EntryInput
from gardefou.store import service_repo as repo

router = APIRouter(prefix="/v1/banks")
admin = require("admin")
writer = require("admin", "intake")
BankPath = Annotated[str, Path(description="bank name", max_length=100)]
MAX_ENTRIES_PER_REQUEST = 10_000
_ENTRIES = TypeAdapter(Union[EntryIn, list[EntryIn]])


@router.post("", status_code=201, response_model=BankOut, tags=["banks"], summary="Create a bank (admin)",
             responses=errors(409))
def create_bank(body: BankCreate, request: Request, who: Principal = Depends(admin)):
    state = get_state(request)
    bank = state.store.create_bank(body.name, description=body.description, kind=body.kind, max_distance=body.max_distance)
    state.refresh_banks()
    audit(state, who, "bank.create", body.name, kind=body.kind, max_distance=body.max_distance)
    return bank.to_dict()


@router.get("", response_model=BankList, tags=["banks"], summary="List banks with entry counts (admin)")
def list_banks(request: Request, who: Principal = Depends(admin)):
    return {"banks": [b.to_dict() for b in get_state(request).store.list_banks()]}


@router.get("/{name}", response_model=BankOut, tags=["banks"], summary="One bank (admin)", responses=errors(404))
def get_bank(name: BankPath, request: Request, who: Principal = Depends(admin)):
    return get_state(request).store.get_bank(name).to_dict()


@router.patch("/{name}", response_model=BankOut, tags=["banks"], summary="Change a bank's description, kind or threshold (admin)",
              responses=errors(404))
def patch_bank(name: BankPath, body: BankPatch, request: Request, who: Principal = Depends(admin)):
    state = get_state(request)
    changes = body.model_dump(exclude_unset=True)
    if "kind" in changes and changes["kind"] is None:
        raise ApiError(422, "invalid", "kind cannot be null")
    bank = state.store.update_bank(name, **changes) if changes else state.store.get_bank(name)
    state.refresh_banks()
    if changes:
        audit(state, who, "bank.update", name, **changes)
    return bank.to_dict()


@router.delete("/{name}", status_code=204, tags=["banks"], summary="Delete a bank and all its entries (admin)",
               responses=errors(404))
def delete_bank(name: BankPath, request: Request, who: Principal = Depends(admin)):
    state = get_state(request)
    removed = state.store.delete_bank(name)
    state.after_write()
    audit(state, who, "bank.delete", name, entries_removed=removed)
    return Response(status_code=204)


# -- entries ---------------------------------------------------------------------------------------
_ENTRY_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"anyOf": [ref(EntryIn), {"type": "array", "items": ref(EntryIn),
                                                                  "maxItems": MAX_ENTRIES_PER_REQUEST}]}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "an image to hash (not stored)"},
            "metadata": {"type": "string", "description": "optional JSON object kept with the entry"}}}},
    },
}


@router.post("/{name}/entries", status_code=201, tags=["entries"],
             responses={**errors(404, 413, 415), 201: {"description": "the entry (one added) or the ids (a list added)",
                        "content": {"application/json": {"schema": {"anyOf": [ref(EntryOut), ref(EntryIds)]}}}}},
             summary="Add entries: one {pdq, md5, metadata}, a list of them, or a multipart image to hash (admin, intake)",
             description="JSON: one entry (answers the entry) or a list of up to 10,000 (answers their ids). "
                         "multipart/form-data: the `file` is hashed in memory and only its hashes are stored.",
             openapi_extra={"requestBody": _ENTRY_BODY})
async def add_entries(name: BankPath, request: Request, who: Principal = Depends(writer)):
    state = get_state(request)
    if media_type(request.headers.get("content-type")) == "multipart/form-data":
        data, parts = await read_upload(request)
        metadata: dict = {}
        if "metadata" in parts:
            try:
                metadata = json.loads(bytes(parts["metadata"].data) or b"{}")
            except (ValueError, RecursionError):
                raise ApiError(422, "invalid", "metadata must be a JSON object") from None
            if not isinstance(metadata, dict):
                raise ApiError(422, "invalid", "metadata must be a JSON object")
        photo = await run_in_threadpool(hash_upload, data, max_pixels=state.config.max_pixels)
        if state.config.retain_media:
            metadata = {**metadata, "media": await run_in_threadpool(retain, state.settings.data_dir, data)}
        del data
        items = [EntryInput(pdq=photo.pdq, md5=photo.md5, quality=photo.quality, metadata=metadata)]
        single = True
    else:
        parsed = await json_body(request, _ENTRIES, what="an entry or a list of entries as JSON, or a multipart image")
        single = not isinstance(parsed, list)
        parsed = [parsed] if single else parsed
        if not parsed:
            raise ApiError(422, "invalid", "the list of entries is empty")
        if len(parsed) > MAX_ENTRIES_PER_REQUEST:
            raise ApiError(413, "payload_too_large", f"at most {MAX_ENTRIES_PER_REQUEST:,} entries per request")
        items = [EntryInput(pdq=e.pdq, md5=e.md5, quality=e.quality, metadata=e.metadata) for e in parsed]
    return await run_in_threadpool(_add, state, who, name, items, single)


def _add(state, who, name, items, single):
    ids = state.store.add_entries(name, items)
    state.after_write()
    audit(state, who, "entries.add", name, count=len(ids), first_id=ids[0] if ids else None)
    if single:
        return JSONResponse(_entry_dict(state.store.get_entry(name, ids[0])), status_code=201)
    return JSONResponse({"ids": ids, "count": len(ids)}, status_code=201)


def _entry_dict(entry) -> dict:
    d = entry.to_dict()
    d.pop("case_id", None)  # the victim's handle is not shown here
    return d


@router.get("/{name}/entries", response_model=EntryPage, tags=["entries"], responses=errors(404),
            summary="List entries in id order, a page at a time (admin, intake)")
def list_entries(name: BankPath, request: Request, who: Principal = Depends(writer),
                 cursor: Annotated[Optional[str], Query(max_length=200, description="from the previous page's next_cursor")] = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    state = get_state(request)
    after = page_cursor("e", cursor) or 0
    rows = state.store.list_entries(name, after_id=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"entries": [_entry_dict(e) for e in rows],
            "next_cursor": repo.encode_cursor("e", rows[-1].id) if more else None}


@router.get("/{name}/entries/{entry_id}", response_model=EntryOut, tags=["entries"], responses=errors(404),
            summary="One entry (admin, intake)")
def get_entry(name: BankPath, entry_id: Annotated[int, Path(ge=1, le=2**62)], request: Request,
              who: Principal = Depends(writer)):
    return _entry_dict(get_state(request).store.get_entry(name, entry_id))


@router.delete("/{name}/entries/{entry_id}", status_code=204, tags=["entries"], responses=errors(404),
               summary="Delete an entry; it never matches again once this returns (admin, intake)")
def delete_entry(name: BankPath, entry_id: Annotated[int, Path(ge=1, le=2**62)], request: Request,
                 who: Principal = Depends(writer)):
    state = get_state(request)
    removed = state.store.remove_entries(name, [entry_id])
    if not removed:
        raise ApiError(404, "not_found", f"entry {entry_id} not found in bank {name!r}")
    state.after_write()
    audit(state, who, "entries.remove", name, entry_id=entry_id)
    return Response(status_code=204)
