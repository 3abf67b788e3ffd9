"""gardefou.matching: exact PDQ near-neighbour search over hash banks.

>>> from gardefou.matching import HashIndex
>>> idx = HashIndex()
>>> idx.add([1, 2], ["0" * 64, "f" * 64])
>>> idx.search("0" * 63 + "1", max_distance=31)
[Match(id=1, distance=1)]

See :mod:`gardefou.matching.index` for the design (multi-index hashing over immutable,
memory-mapped segments + a small delta + tombstones).
"""

from .index import DEFAULT_MAX_DISTANCE, FORMAT_VERSION, HashIndex, Match
from .pdq import (
    bits_to_hex,
    bytes_to_hex,
    hamming_distance,
    hamming_distances,
    hex_to_bits,
    hex_to_bytes,
    to_packed,
    to_packed_array,
)

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "FORMAT_VERSION",
    "HashIndex",
    "Match",
    "bits_to_hex",
    "bytes_to_hex",
    "hamming_distance",
    "hamming_distances",
    "hex_to_bits",
    "hex_to_bytes",
    "to_packed",
    "to_packed_array",
]
