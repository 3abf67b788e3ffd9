"""PDQ + MD5 fingerprints of one photo."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pdqhash

from gardefou.hashing.errors import ImageError
from gardefou.hashing.loading import DEFAULT_MAX_PIXELS, decode, open_image

#: Order of `PhotoHash.pdq_dihedral` (PDQ's own order and names): the hash the image would
#: have after each transform. Checked against the rotated and flipped copies in
#: pdq-reference/reg-test-input/dih and against PIL's `Image.transpose`:
#:
#: ============  ================================================  ========================
#: name          transform of the picture                          PIL `Image.Transpose`
#: ============  ================================================  ========================
#: original      none                                              -
#: rotate90      rotated 90 degrees counter-clockwise              ROTATE_90
#: rotate180     rotated 180 degrees                               ROTATE_180
#: rotate270     rotated 270 degrees counter-clockwise (90 cw)     ROTATE_270
#: flip_x        mirrored about the horizontal axis (upside down)  FLIP_TOP_BOTTOM
#: flip_y        mirrored about the vertical axis (left-right)     FLIP_LEFT_RIGHT
#: flip_plus1    mirrored about the main diagonal (transposed)     TRANSPOSE
#: flip_minus1   mirrored about the anti-diagonal                  TRANSVERSE
#: ============  ================================================  ========================
DIHEDRAL_ORDER: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class PhotoHash:
    """Fingerprints of one image.

    `pdq`: 64 lowercase hex chars (256 bits); `quality`: PDQ quality 0-100 (below 50 is not
    matched by default); `md5`: of the file bytes; `width`, `height`: after EXIF orientation;
    `pdq_dihedral`: with `dihedral=True`, 8 hashes in `DIHEDRAL_ORDER`; `path`: set by batches.
    """

    pdq: str
    quality: int
    md5: str
    width: int
    height: int
    pdq_dihedral: tuple[str, ...] | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """`{"path"?, "pdq", "quality", "md5", "width", "height", "pdq_dihedral"?}`."""
        out: dict[str, Any] = {} if self.path is None else {"path": self.path}
        out.update(pdq=self.pdq, quality=self.quality, md5=self.md5, width=self.width, height=self.height)
        if self.pdq_dihedral is not None:
            out["pdq_dihedral"] = list(self.pdq_dihedral)
        return out


def hash_photo(
    data: bytes | bytearray | memoryview | str | os.PathLike[str],
    *,
    dihedral: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PhotoHash:
    """Hash an image given as bytes or as a file path.

    Raises ImageError when the content is not a hashable image, and OSError (for example
    FileNotFoundError) when a path cannot be read.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        return hash_bytes(data, dihedral=dihedral, max_pixels=max_pixels)
    with open(data, "rb") as fp:
        md5 = hashlib.file_digest(fp, _md5).hexdigest()
        return _hash_stream(fp, md5, dihedral=dihedral, max_pixels=max_pixels)


def hash_bytes(
    data: bytes | bytearray | memoryview,
    *,
    dihedral: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PhotoHash:
    """Hash an image held in memory (what the HTTP service passes); raises ImageError."""
    md5 = _md5(bytes(data) if isinstance(data, memoryview) else data).hexdigest()
    return _hash_stream(io.BytesIO(data), md5, dihedral=dihedral, max_pixels=max_pixels)


def hamming(a_hex: str, b_hex: str) -> int:
    """Number of differing bits between two PDQ hashes given as 64 hex chars."""
    return (_parse_pdq(a_hex) ^ _parse_pdq(b_hex)).bit_count()


def _parse_pdq(value: str) -> int:
    if not isinstance(value, str) or len(value) != 64 or not _HEX.issuperset(value.lower()):
        raise ValueError(f"not a PDQ hash (expected 64 hex characters): {value!r}")
    return int(value, 16)


def _hash_stream(fp: IO[bytes], md5: str, *, dihedral: bool, max_pixels: int) -> PhotoHash:
    im = open_image(fp, max_pixels=max_pixels)
    try:
        rgb, width, height = decode(im)
    finally:
        im.close()
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(rgb)
        hexes = tuple(_to_hex(v) for v in vectors)
        return PhotoHash(hexes[0], int(quality), md5, width, height, pdq_dihedral=hexes)
    vector, quality = pdqhash.compute(rgb)
    return PhotoHash(_to_hex(vector), int(quality), md5, width, height)


def _to_hex(bits: np.ndarray) -> str:
    """pdqhash's 256-element bit vector (most significant first) -> 64 lowercase hex chars."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def _md5(data: bytes | bytearray = b"") -> "hashlib._Hash":
    return hashlib.md5(data, usedforsecurity=False)


__all__ = ["DIHEDRAL_ORDER", "ImageError", "PhotoHash", "hamming", "hash_bytes", "hash_photo"]
