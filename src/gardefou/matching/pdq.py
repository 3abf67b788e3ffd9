"""PDQ hash representations and Hamming distance.

A PDQ hash is 256 bits. gardefou writes it as 64 lowercase hex characters (the format of the
PDQ reference implementation). Inside the matching code a hash is 32 packed bytes, most
significant bit first (``bytes.fromhex``); arrays of hashes are ``(n, 32) uint8``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Union

import numpy as np

HASH_BITS = 256
HASH_BYTES = 32
HEX_LEN = 64

PdqLike = Union[str, bytes, bytearray, memoryview, np.ndarray]

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint16)


def hex_to_bytes(pdq: str) -> bytes:
    """64 hex characters -> 32 bytes (raises ValueError on anything else)."""
    s = pdq.strip()
    if len(s) != HEX_LEN:
        raise ValueError(f"a PDQ hash is {HEX_LEN} hex characters, got {len(s)}: {pdq!r}")
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise ValueError(f"not a hex PDQ hash: {pdq!r}") from None


def bytes_to_hex(raw: bytes | np.ndarray) -> str:
    """32 bytes (or a (32,) uint8 array) -> 64 lowercase hex characters."""
    b = bytes(np.asarray(raw, dtype=np.uint8).tobytes()) if isinstance(raw, np.ndarray) else bytes(raw)
    if len(b) != HASH_BYTES:
        raise ValueError(f"a PDQ hash is {HASH_BYTES} bytes, got {len(b)}")
    return b.hex()


def hex_to_bits(pdq: str) -> np.ndarray:
    """64 hex characters -> (256,) uint8 array of 0/1, most significant bit of the first byte first."""
    return np.unpackbits(np.frombuffer(hex_to_bytes(pdq), dtype=np.uint8))


def bits_to_hex(bits: np.ndarray | Iterable[int]) -> str:
    """(256,) array of 0/1 -> 64 lowercase hex characters (inverse of :func:`hex_to_bits`)."""
    a = np.asarray(bits)
    if a.shape != (HASH_BITS,):
        raise ValueError(f"expected {HASH_BITS} bits, got shape {a.shape}")
    if a.size and (a.min() < 0 or a.max() > 1):
        raise ValueError("bits must be 0 or 1")
    return np.packbits(a.astype(np.uint8)).tobytes().hex()


def to_packed(pdq: PdqLike) -> np.ndarray:
    """One hash in any accepted form -> (32,) uint8 packed bytes.

    Accepted: 64-char hex ``str``; 32 raw ``bytes`` (or 64 ASCII hex bytes); a (32,) uint8 array of
    packed bytes; a (256,) array of 0/1 bits.
    """
    if isinstance(pdq, str):
        return np.frombuffer(hex_to_bytes(pdq), dtype=np.uint8)
    if isinstance(pdq, (bytes, bytearray, memoryview)):
        b = bytes(pdq)
        if len(b) == HASH_BYTES:
            return np.frombuffer(b, dtype=np.uint8)
        if len(b) == HEX_LEN:
            return np.frombuffer(hex_to_bytes(b.decode("ascii", "replace")), dtype=np.uint8)
        raise ValueError(f"a PDQ hash is {HASH_BYTES} raw bytes or {HEX_LEN} hex characters, got {len(b)} bytes")
    a = np.asarray(pdq)
    if a.shape == (HASH_BYTES,):
        if a.dtype != np.uint8:
            if a.size and (a.min() < 0 or a.max() > 255):
                raise ValueError("packed PDQ bytes must be in 0..255")
            a = a.astype(np.uint8)
        return np.ascontiguousarray(a)
    if a.shape == (HASH_BITS,):
        if a.size and (a.min() < 0 or a.max() > 1):
            raise ValueError("a (256,) PDQ array must hold bits 0/1")
        return np.packbits(a.astype(np.uint8))
    raise ValueError(f"cannot read a PDQ hash from an array of shape {a.shape} (want (32,) bytes or (256,) bits)")


def to_packed_array(hashes: object) -> np.ndarray:
    """Many hashes -> C-contiguous (n, 32) uint8.

    Accepted: an (n, 32) uint8 array; an (n, 256) 0/1 array; a sequence of hex strings / 32-byte
    values / arrays (each as in :func:`to_packed`).
    """
    if isinstance(hashes, np.ndarray) and hashes.ndim == 2:
        if hashes.shape[1] == HASH_BYTES:
            if hashes.dtype != np.uint8:
                if hashes.size and (hashes.min() < 0 or hashes.max() > 255):
                    raise ValueError("packed PDQ bytes must be in 0..255")
                hashes = hashes.astype(np.uint8)
            return np.ascontiguousarray(hashes)
        if hashes.shape[1] == HASH_BITS:
            if hashes.size and (hashes.min() < 0 or hashes.max() > 1):
                raise ValueError("an (n, 256) PDQ array must hold bits 0/1")
            return np.packbits(hashes.astype(np.uint8), axis=1)
        raise ValueError(f"hash array must be (n, 32) bytes or (n, 256) bits, got {hashes.shape}")
    if isinstance(hashes, (str, bytes)):
        raise TypeError("expected a sequence of hashes, got a single hash")
    items = list(hashes)  # type: ignore[call-overload]
    if not items:
        return np.empty((0, HASH_BYTES), dtype=np.uint8)
    if all(isinstance(h, str) for h in items):
        try:
            joined = bytes.fromhex("".join(items))
        except ValueError:
            joined = b""
        if len(joined) == HASH_BYTES * len(items) and all(len(h) == HEX_LEN for h in items):
            return np.frombuffer(joined, dtype=np.uint8).reshape(-1, HASH_BYTES).copy()
    return np.stack([to_packed(h) for h in items]).astype(np.uint8, copy=False)


def hamming_distance(a: PdqLike, b: PdqLike) -> int:
    """Hamming distance (number of differing bits, 0..256) between two PDQ hashes."""
    x = np.bitwise_xor(to_packed(a), to_packed(b))
    return int(_POPCOUNT8[x].sum())


def hamming_distances(query: PdqLike, hashes: np.ndarray) -> np.ndarray:
    """Distances from one hash to every row of an (n, 32) uint8 array (numpy, for tests and small sets)."""
    q = to_packed(query)
    h = to_packed_array(hashes)
    return _POPCOUNT8[np.bitwise_xor(h, q[None, :])].sum(axis=1).astype(np.int32)
