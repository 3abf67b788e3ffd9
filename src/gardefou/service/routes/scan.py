"""Scanning (scanner): images, hashes, texts and batches -> matches, verdicts and a decision."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gardefou.service import scanning as sc
from gardefou.service.auth import Principal, require
from gardefou.service.errors import ApiError
from gardefou.service.routes.common import errors, get_state
from gardefou.service.schemas import (
    BatchResult, HashScanResult, ImageScanResult, ScanBatch, ScanHash, ScanText, TextScanResult,
)
from gardefou.service.uploads import hash_upload, read_upload, retain
from gardefou.verdict import decide

router = APIRouter(prefix="/v1/scan", tags=["scan"])
scanner = require("scanner")
INLINE_TEXT_CHARS = 4000  # shorter texts are classified on the event loop (no thread hop)


@router.post("/hash", response_model=HashScanResult, responses=errors(404, 503),
             summary="Match a PDQ hash and/or an MD5 against the banks (scanner)")
async def scan_hash(body: ScanHash, request: Request, who: Principal = Depends(scanner)):
    state = get_state(request)
    sc.ensure_ready(state)
    pdq = body.pdq.lower() if body.pdq else None
    md5 = body.md5.lower() if body.md5 else None
    if not (pdq or md5):
        raise ApiError(422, "validation_error", "send a pdq or an md5 hash")
    base = {"pdq": pdq, "md5": md5, "quality": body.quality}
    if sc.quick_miss(state, pdq, md5, body.quality, body.banks):
        return JSONResponse({**base, "matches": [], "decision": sc.ALLOW_DICT})
    return JSONResponse(await run_in_threadpool(_scan_hash, state, who, base, body.banks))


def _scan_hash(state, who, base, banks):
    matches = sc.match_hash(state, base["pdq"], base["md5"], base["quality"], banks)
    return _finish(state, who, "hash", base, matches)


def _finish(state, who, kind, base, matches):
    decision = decide(matches, policy=state.config.policy)
    out = {**base, "matches": [sc.match_dict(m) for m in matches], "decision": decision.to_dict()}
    if decision.action != "allow":
        subject = {k: v for k, v in base.items() if v is not None} | {"matches": out["matches"]}
        item = {"kind": kind, "action": decision.action, "reasons": out["decision"]["reasons"], "subject": subject}
        out["review_id"] = sc.record(state, [item], who.name, sc.case_counts(matches))[0]
    return out


@router.post("/image", response_model=ImageScanResult, responses=errors(413, 415, 503),
             summary="Hash an uploaded image in memory and match it (scanner)",
             description="multipart/form-data with a `file` field. The image is hashed in memory and never stored "
                         "(unless the server runs with --retain-media). `?dihedral=true` also matches its rotations "
                         "and mirror images.",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def scan_image(request: Request, who: Principal = Depends(scanner),
                     dihedral: Annotated[bool, Query(description="also match rotated / mirrored copies")] = False):
    state = get_state(request)
    sc.ensure_ready(state)
    data, _ = await read_upload(request)
    return JSONResponse(await run_in_threadpool(_scan_image, state, who, data, dihedral))


def _scan_image(state, who, data: bytes, dihedral: bool):
    from gardefou.hashing import DIHEDRAL_ORDER

    photo = hash_upload(data, max_pixels=state.config.max_pixels, dihedral=dihedral)
    if state.config.retain_media:
        retain(state.settings.data_dir, data)
    base = {"pdq": photo.pdq, "md5": photo.md5, "quality": photo.quality, "width": photo.width, "height": photo.height}
    if dihedral:
        matches = sc.match_hash(state, photo.pdq, photo.md5, photo.quality, None,
                                dihedral=list(photo.pdq_dihedral), dihedral_names=list(DIHEDRAL_ORDER))
    elif sc.quick_miss(state, photo.pdq, None, photo.quality, None):
        matches = sc.match_hash(state, None, photo.md5)  # MD5 only
    else:
        matches = sc.match_hash(state, photo.pdq, photo.md5, photo.quality)
    return _finish(state, who, "image", base, matches)


@router.post("/text", response_model=TextScanResult, responses=errors(413),
             summary="Classify a text (undressing-service promotion / solicitation) and extract its links (scanner)")
async def scan_text(body: ScanText, request: Request, who: Principal = Depends(scanner)):
    state = get_state(request)
    if len(body.text) <= INLINE_TEXT_CHARS:
        out, item = sc.text_scan(state, body.text)
    else:
        out, item = await run_in_threadpool(sc.text_scan, state, body.text)
    if item is not None:
        out["review_id"] = (await sc.record_async(state, [item], who.name))[0]
    return JSONResponse(out)


@router.post("/batch", response_model=BatchResult, responses=errors(404, 413, 503),
             summary="Scan up to 1,000 items (hashes and/or texts) in one request (scanner)",
             description="Each item may carry `pdq`, `md5` and `text` (e.g. a post's image hashes and caption); "
                         "results come back in input order, each with its own decision.")
async def scan_batch(body: ScanBatch, request: Request, who: Principal = Depends(scanner)):
    state = get_state(request)
    if any(i.pdq or i.md5 for i in body.items):
        sc.ensure_ready(state)
    return JSONResponse(await run_in_threadpool(_scan_batch, state, who, body))


def _scan_batch(state, who, body: ScanBatch):
    if body.banks:
        state.matcher.banks(body.banks)  # 404 for an unknown bank before any work
    results, reviews, counts = [], [], Counter()
    for item in body.items:
        out, review, cc = sc.evaluate_item(state, item.model_dump(), body.banks)
        results.append(out)
        if review is not None:
            reviews.append((len(results) - 1, review))
            counts.update(cc)
    if reviews or counts:
        ids = sc.record(state, [r for _, r in reviews], who.name, counts)
        for (pos, _), rid in zip(reviews, ids):
            results[pos]["review_id"] = rid
    return {"results": results}
