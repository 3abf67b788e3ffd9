"""Image loading for hashing: identify, guard against bombs, decode small, orient, convert to RGB.

The pipeline turns untrusted image bytes into the `uint8` RGB array PDQ hashes:

1. Identify the format among an allow-list of raster formats (JPEG, PNG, WebP, GIF, BMP,
   TIFF, HEIC/HEIF, ...) with the registered PIL openers. This reads the header only.
2. Refuse images whose header declares more than `max_pixels` pixels, before decoding. This
   check is ours and does not depend on PIL's process-wide `Image.MAX_IMAGE_PIXELS`.
3. Decode. JPEGs are decoded at a reduced DCT scale (PIL draft mode: 1/2, 1/4 or 1/8) as long
   as both sides stay >= 512 pixels, which is all step 6 needs: a 4032x3024 photo decodes at
   1008x756, about 10x faster, and its hash stays within 0-4 bits of the hash of the full
   decode (measured on the 4032x3024 reference photos and synthetic ones).
4. Apply the EXIF orientation, so width and height are those of the upright image.
5. Convert any PIL mode to 8-bit RGB (see `image_to_rgb`).
6. Resample to 512 x 512 with nearest neighbour, corner-aligned, when either side is larger,
   as the reference PDQ implementation does (facebook/ThreatExchange `pdq/cpp/io/pdqio.cpp`,
   `DOWNSAMPLE_DIMS = 512`). Hashes then agree with those published by the reference tools
   (0 bits apart on `bridge-mods/`), and hashing costs the same for any image size.
"""

from __future__ import annotations

from typing import IO

import numpy as np
from PIL import Image

# Importing the plugins registers their openers (the same thing Image.init() does for all).
from PIL import BmpImagePlugin, GifImagePlugin, JpegImagePlugin, PngImagePlugin  # noqa: F401
from PIL import TiffImagePlugin, WebPImagePlugin  # noqa: F401

from gardefou.config import DEFAULT_MAX_PIXELS  # 200 megapixels
from gardefou.hashing.errors import ImageError

#: Formats we decode. Others PIL knows (EPS runs Ghostscript, PDF, FITS, TGA, ...) are refused:
#: fewer decoders exposed to untrusted uploads, and clearer "not an image" errors.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "DIB", "TIFF", "HEIF")

#: Size the reference implementation resamples larger images to, and the minimum per side we
#: keep when decoding JPEGs at reduced scale.
PDQ_WORKING_SIZE = 512

_EXIF_ORIENTATION_TAG = 0x0112
_SWAPS_SIDES = {5, 6, 7, 8}
#: EXIF orientation -> the transpose that makes the stored pixels upright (as in the EXIF spec).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def register_heif_opener() -> bool:
    """Register pi-heif's HEIC/HEIF opener with PIL (idempotent); False when unavailable."""
    if "HEIF" in Image.OPEN:
        return True
    try:
        import pi_heif
    except ImportError:  # pragma: no cover - pi-heif is a declared dependency
        return False
    pi_heif.register_heif_opener()
    return "HEIF" in Image.OPEN


register_heif_opener()


def open_image(fp: IO[bytes], *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Identify the image in `fp` (header only) and check its declared size against `max_pixels`.

    Raises ImageError for an empty stream, an unknown or refused format, a corrupt header, or
    too many pixels. Nothing is decoded yet.
    """
    fp.seek(0)
    prefix = fp.read(16)
    if not prefix:
        raise ImageError("empty file (0 bytes)")
    problems: list[str] = []
    for fmt in ALLOWED_FORMATS:
        if fmt not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[fmt]
        if accept is not None:
            try:
                verdict = accept(prefix)
            except Exception:  # noqa: BLE001 - some plugins' sniffers fail on a few-byte file
                continue
            if not verdict or isinstance(verdict, str):
                continue
        fp.seek(0)
        try:
            # Calling the opener directly skips PIL's global decompression-bomb check; ours follows.
            im = factory(fp, "")
        except Image.DecompressionBombError as exc:  # raised by some plugins while parsing
            raise ImageError(f"too many pixels: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - any parser failure means a bad header
            problems.append(f"{fmt}: {_describe(exc)}")
            continue
        _check_size(im, max_pixels)
        return im
    if problems:
        raise ImageError("corrupt image header (" + "; ".join(problems) + ")")
    raise ImageError(f"not an image in a supported format ({', '.join(_supported())}); file starts with {prefix[:8]!r}")


def decode(im: Image.Image) -> tuple[np.ndarray, int, int]:
    """Decode an opened image to an upright RGB `uint8` array of at most 512 x 512.

    Returns (rgb, width, height) where width and height are the upright full-size dimensions.
    """
    fmt = im.format or "image"
    width, height = im.size
    if im.format in ("JPEG", "MPO"):
        # Decode at 1/2, 1/4 or 1/8 scale while both sides stay >= 512 (PIL picks the scale).
        im.draft(im.mode, (PDQ_WORKING_SIZE, PDQ_WORKING_SIZE))
    try:
        im.load()
    except Image.DecompressionBombError as exc:
        raise ImageError(f"too many pixels: {exc}") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, RuntimeError) as exc:
        raise ImageError(f"truncated or corrupt {fmt} data: {_describe(exc)}") from None
    orientation = _orientation(im)  # after load: some formats (PNG) keep EXIF after the pixels
    if orientation in _SWAPS_SIDES:
        width, height = height, width
    if orientation in _UPRIGHT:
        im = im.transpose(_UPRIGHT[orientation])
    rgb = image_to_rgb(im)
    return reference_resample(rgb), width, height


def image_to_rgb(im: Image.Image) -> np.ndarray:
    """Convert any PIL mode to a C-contiguous (height, width, 3) `uint8` RGB array.

    - RGB as is; 1, L, P, CMYK, YCbCr, HSV, LAB via PIL's conversions to RGB.
    - Alpha is dropped, not composited (LA, La, PA, RGBA, RGBa): the colour under transparent
      pixels is hashed, as the reference implementation does.
    - 16/32-bit integer (I, I;16*) and float (F) images become grey levels without clipping:
      F in 0..1 is multiplied by 255; values in 0..255 are kept; values in 0..65535 (16-bit
      data) are divided by 257; anything else is stretched min..max to 0..255. NaN and
      infinities count as 0. (PDQ bits do not change under such linear rescaling; it keeps
      PIL from clipping everything above 255 to white, which would erase the picture.)
    """
    mode = im.mode
    if mode == "RGB":
        return np.ascontiguousarray(np.asarray(im))
    if mode in ("I", "F") or mode.startswith("I;"):
        grey = _scale_to_uint8(np.asarray(im), unit_float=mode == "F")
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if mode == "La":
        im = im.convert("LA")
    elif mode == "RGBa":
        im = im.convert("RGBA")
    try:
        return np.ascontiguousarray(np.asarray(im.convert("RGB")))
    except ValueError as exc:
        raise ImageError(f"unsupported image mode {mode!r}: {exc}") from None


def reference_resample(rgb: np.ndarray, size: int = PDQ_WORKING_SIZE) -> np.ndarray:
    """Nearest-neighbour resample to size x size when a side exceeds `size` (aspect not kept).

    Corner-aligned like CImg's `resize(512, 512)` in the reference implementation: output pixel
    (x, y) takes input pixel (floor(x * w / size), floor(y * h / size)).
    """
    h, w = rgb.shape[:2]
    if h <= size and w <= size:
        return rgb
    rows = (np.arange(size) * h) // size
    cols = (np.arange(size) * w) // size
    return np.ascontiguousarray(rgb[rows[:, None], cols[None, :]])


def _scale_to_uint8(a: np.ndarray, *, unit_float: bool) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 3:  # defensive: multi-sample integer images
        a = a[:, :, 0]
    a = np.where(np.isfinite(a), a, 0.0)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if unit_float and lo >= 0.0 and hi <= 1.0:
        scaled = a * 255.0
    elif lo >= 0.0 and hi <= 255.0:
        scaled = a
    elif lo >= 0.0 and hi <= 65535.0:
        scaled = a / 257.0
    elif hi > lo:
        scaled = (a - lo) * (255.0 / (hi - lo))
    else:
        scaled = np.zeros_like(a)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _check_size(im: Image.Image, max_pixels: int) -> None:
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageError(f"invalid image size {width}x{height}")
    pixels = width * height
    if max_pixels and pixels > max_pixels:
        raise ImageError(
            f"too many pixels: {width}x{height} = {pixels:,} pixels is over the limit of "
            f"{max_pixels:,} (max_pixels); refusing to decode a possible decompression bomb"
        )


def _orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(_EXIF_ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not fail the image
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _supported() -> list[str]:
    names = {"MPO": None, "DIB": None}
    return [f for f in ALLOWED_FORMATS if f not in names and f in Image.OPEN]
