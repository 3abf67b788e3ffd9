"""Errors raised by gardefou.hashing."""

from __future__ import annotations


class ImageError(ValueError):
    """The input is not a hashable image: empty, truncated, corrupt, not an image, or too large.

    The message names the problem in plain words, e.g. ``"empty file (0 bytes)"`` or
    ``"too many pixels: 30000x30000 = 900,000,000 pixels is over the limit of 200,000,000 ..."``.
    """
