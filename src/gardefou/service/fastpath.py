"""A lean path for the two hottest routes, `POST /v1/scan/hash` and `POST /v1/scan/text`.

FastAPI's routing, dependency injection and validation cost more than the PDQ search itself, so
this ASGI middleware answers the common case directly: a cached, authorised key; a JSON body of
exactly the documented shape; and (for hashes) no index hit, or (for texts) any verdict. It gives
byte-for-byte the answer the FastAPI route would give. Everything else -- unknown or uncached
keys, wrong roles, validation errors, MD5 lookups, bank filters, index hits that need the
database -- is handed to the FastAPI route unchanged (the body already read is replayed), so
errors, auth and the OpenAPI description stay in one place.
"""

from __future__ import annotations

import json
import re

from starlette.concurrency import run_in_threadpool

from gardefou.service import scanning as sc
from gardefou.service.auth import KeyCache
from gardefou.service.schemas import MAX_TEXT_CHARS

_PDQ = re.compile(r"[0-9a-fA-F]{64}")
_SCAN_ROLES = frozenset({"scanner", "admin"})
_HEADERS = [(b"content-type", b"application/json")]
_HASH_KEYS = frozenset({"pdq", "quality"})
INLINE_TEXT_CHARS = 4000


class ScanFastPath:
    def __init__(self, app, get_state, limit: int) -> None:
        self.app = app
        self.get_state = get_state
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in ("/v1/scan/hash", "/v1/scan/text"):
            return await self.app(scope, receive, send)
        auth = ctype = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = value
            elif name == b"content-type":
                ctype = value
            elif name == b"content-length":
                try:
                    if int(value) > self.limit:
                        return await self.app(scope, receive, send)
                except ValueError:
                    return await self.app(scope, receive, send)
        state = self.get_state()
        principal = None
        if auth is not None and auth[:7].lower() == b"bearer " and ctype is not None and ctype.startswith(b"application/json"):
            try:
                principal = state.keys.cached(auth[7:].strip().decode("ascii"))
            except UnicodeDecodeError:
                principal = None
        if principal is None or principal is KeyCache._MISS or principal.role not in _SCAN_ROLES:
            return await self.app(scope, receive, send)

        # Read the body (bounded), then either answer or replay it to the full app.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return await self.app(scope, _replay(b"".join(chunks) + chunk, receive, more=message.get("more_body", False)), send)
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        try:
            out = await self._answer(scope["path"], body, state, principal)
            # the same serialisation as Starlette's JSONResponse
            raw = None if out is None else json.dumps(out, ensure_ascii=False, allow_nan=False, indent=None,
                                                      separators=(",", ":")).encode("utf-8")
        except Exception:  # whatever went wrong, the full route reports it properly
            raw = None
        if raw is None:
            return await self.app(scope, _replay(body, receive), send)
        await send({"type": "http.response.start", "status": 200,
                    "headers": _HEADERS + [(b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})

    async def _answer(self, path: str, body: bytes, state, principal):
        data = json.loads(body)
        if type(data) is not dict:
            return None
        if path == "/v1/scan/hash":
            if not state.ready.is_set() or not data.keys() <= _HASH_KEYS:
                return None
            pdq, quality = data.get("pdq"), data.get("quality")
            if type(pdq) is not str or not _PDQ.fullmatch(pdq):
                return None
            if quality is not None and (type(quality) is not int or not 0 <= quality <= 100):
                return None
            pdq = pdq.lower()
            if not sc.quick_miss(state, pdq, None, quality, None):
                return None
            return {"pdq": pdq, "md5": None, "quality": quality, "matches": [], "decision": sc.ALLOW_DICT}
        # /v1/scan/text
        text = data.get("text")
        if len(data) != 1 or type(text) is not str or len(text) > MAX_TEXT_CHARS:
            return None
        if len(text) <= INLINE_TEXT_CHARS:
            out, item = sc.text_scan(state, text)
        else:
            out, item = await run_in_threadpool(sc.text_scan, state, text)
        if item is not None:
            out["review_id"] = (await sc.record_async(state, [item], principal.name))[0]
        return out


def _replay(body: bytes, receive, more: bool = False):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
