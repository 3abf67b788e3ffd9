"""Request bodies held in memory only: a bounded body limit, an in-memory multipart parser, hashing.

Starlette's own form parser spools uploaded files above 1 MB to a temporary file on disk; image
bytes must never touch the disk here (unless `--retain-media`), so multipart bodies are parsed
from memory with python-multipart's streaming parser. The whole body is bounded by
`ServiceConfig.max_body_bytes`: a too-large Content-Length is refused before anything is read,
and a chunked body is cut off as soon as it passes the limit (413 either way).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

from gardefou.service.errors import ApiError, error_body

log = logging.getLogger("gardefou.service")


class BodyLimitMiddleware:
    """Pure ASGI middleware refusing request bodies over `limit` bytes with 413."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    msg = (f"request body of {declared:,} bytes is over the limit of {limit:,} bytes" if declared >= 0
                           else "invalid Content-Length header")
                    return await _send_json(send, 413 if declared >= 0 else 400,
                                            error_body("payload_too_large" if declared >= 0 else "bad_request", msg))
                break
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(413, "payload_too_large", f"request body is over the limit of {limit:,} bytes")
            return message

        await self.app(scope, limited_receive, send)


async def _send_json(send, status: int, body: dict) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": raw})


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytearray = field(default_factory=bytearray)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def parse_multipart(body: bytes, content_type: str, *, max_parts: int = 16) -> dict[str, Part]:
    """Parse a multipart/form-data body held in memory; the first part of each name wins."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(422, "invalid_multipart", "multipart/form-data without a boundary parameter")
    parts: list[Part] = []
    state = {"field": bytearray(), "value": bytearray(), "headers": {}, "ended": False, "open": False}

    def on_part_begin():
        state["headers"] = {}
        state["open"] = True
        if len(parts) >= max_parts:
            raise ApiError(422, "invalid_multipart", f"too many parts (at most {max_parts})")
        parts.append(Part("", None, None))

    def on_part_data(data, start, end):
        parts[-1].data += data[start:end]

    def on_part_end():
        state["open"] = False

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][bytes(state["field"]).lower().decode("latin-1")] = bytes(state["value"])
        state["field"], state["value"] = bytearray(), bytearray()

    def on_headers_finished():
        disp, dparams = parse_options_header(state["headers"].get("content-disposition", b""))
        part = parts[-1]
        part.name = dparams.get(b"name", b"").decode("utf-8", "replace")
        fname = dparams.get(b"filename")
        part.filename = fname.decode("utf-8", "replace") if fname is not None else None
        ctype = state["headers"].get("content-type")
        part.content_type = ctype.decode("latin-1") if ctype else None

    def on_end():
        state["ended"] = True

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_part_end": on_part_end,
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_end": on_end,
    })
    try:
        parser.write(body)
        parser.finalize()
    except ApiError:
        raise
    except Exception as exc:
        raise ApiError(422, "invalid_multipart", f"malformed multipart body: {exc}") from None
    if not state["ended"] or state["open"]:
        raise ApiError(422, "invalid_multipart", "truncated multipart body (no closing boundary)")
    out: dict[str, Part] = {}
    for part in parts:
        out.setdefault(part.name, part)
    return out


async def read_upload(request, field_name: str = "file") -> tuple[bytes, dict[str, Part]]:
    """The bytes of the multipart `file` field (415 for other content types, 422 when missing)."""
    ctype = request.headers.get("content-type", "")
    if media_type(ctype) != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type",
                       f"send the image as multipart/form-data with a '{field_name}' field (got {media_type(ctype) or 'no content type'})")
    body = await request.body()
    parts = parse_multipart(body, ctype)
    part = parts.get(field_name)
    if part is None:
        raise ApiError(422, "missing_file", f"multipart body has no '{field_name}' field")
    if not part.data:
        raise ApiError(422, "invalid_image", "the uploaded file is empty (0 bytes)")
    return bytes(part.data), parts


def hash_upload(data: bytes, *, max_pixels: int, dihedral: bool = False):
    """Hash image bytes in memory; ImageError becomes 422 (or 413 for too many pixels)."""
    from gardefou.hashing import ImageError, hash_photo

    try:
        return hash_photo(data, dihedral=dihedral, max_pixels=max_pixels)
    except ImageError as exc:
        message = str(exc)
        if "pixels" in message.lower() and ("too many" in message.lower() or "over the limit" in message.lower()):
            raise ApiError(413, "image_too_large", message) from None
        raise ApiError(422, "invalid_image", message) from None
    except MemoryError:
        raise ApiError(413, "image_too_large", "the image is too large to decode") from None
    except Exception as exc:  # a decoder bug must not become a 500 for a bad upload
        log.warning("image decoder failed: %r", exc)
        raise ApiError(422, "invalid_image", f"cannot decode the image: {exc.__class__.__name__}") from None


def retain(data_dir: Path, data: bytes) -> str:
    """With --retain-media: keep the upload under <data-dir>/media/<sha256> and return its name."""
    digest = hashlib.sha256(data).hexdigest()
    media = data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    path = media / digest
    if not path.exists():
        tmp = media / f".{digest}.tmp"
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest
