"""Formats, PIL modes, HEIC registration, bad input and the decompression-bomb guard."""

from __future__ import annotations

import dataclasses
import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from gardefou.hashing import ImageError, PhotoHash, hamming, hash_bytes, hash_photo
from gardefou.hashing.loading import image_to_rgb, open_image

from .scenes import encode, scene


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    return scene(640, 480)


@pytest.fixture(scope="module")
def reference(picture) -> PhotoHash:
    h = hash_bytes(encode(picture, "PNG"))
    assert h.quality == 100
    return h


@pytest.mark.parametrize(
    "fmt, params, tolerance",
    [
        ("JPEG", {"quality": 90}, 4),
        ("PNG", {}, 0),
        ("WEBP", {"quality": 90}, 4),
        ("GIF", {}, 16),  # 256-colour palette
        ("BMP", {}, 0),
        ("TIFF", {}, 0),
        ("TIFF", {"compression": "tiff_lzw"}, 0),
    ],
)
def test_each_format_hashes_like_the_lossless_original(picture, reference, fmt, params, tolerance):
    data = encode(picture, fmt, **params)
    assert Image.open(io.BytesIO(data)).format == fmt
    h = hash_bytes(data)
    assert hamming(h.pdq, reference.pdq) <= tolerance
    assert (h.width, h.height) == (640, 480) and h.quality >= 80


def test_gif_first_frame_is_hashed(picture, reference):
    other = scene(640, 480, seed=7)
    buf = io.BytesIO()
    picture.save(buf, "GIF", save_all=True, append_images=[other], duration=100)
    assert Image.open(io.BytesIO(buf.getvalue())).n_frames == 2
    h = hash_bytes(buf.getvalue())
    assert hamming(h.pdq, reference.pdq) <= 16
    assert hamming(h.pdq, hash_bytes(encode(other, "PNG")).pdq) > 64


def test_large_png_is_reduced_like_a_large_jpeg(picture):
    big = picture.resize((2048, 1536), Image.BICUBIC)  # JPEG decoded at 1/2 scale, PNG in full
    png, jpeg = hash_bytes(encode(big, "PNG", compress_level=1)), hash_bytes(encode(big, "JPEG", quality=92))
    assert (png.width, png.height) == (jpeg.width, jpeg.height) == (2048, 1536)
    assert hamming(png.pdq, jpeg.pdq) <= 10
    assert abs(png.quality - jpeg.quality) <= 5


@pytest.mark.parametrize(
    "mode, fmt",
    [("1", "PNG"), ("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("CMYK", "JPEG"),
     ("CMYK", "TIFF"), ("YCbCr", "JPEG"), ("LAB", "TIFF"), ("I", "TIFF"), ("F", "TIFF")],
)
def test_drawn_modes_in_files(picture, reference, mode, fmt):
    data = encode(picture.convert(mode), fmt)
    h = hash_bytes(data)
    assert h.quality == 100
    assert hamming(h.pdq, reference.pdq) <= (31 if mode == "1" else 8)


@pytest.mark.parametrize("mode", ["La", "PA", "RGBa", "RGBX", "HSV", "LAB", "I;16", "I;16B", "I;16L"])
def test_modes_without_a_file_format_convert_to_rgb(picture, reference, mode):
    base = picture.convert("LA" if mode == "La" else "RGBA" if mode in ("PA", "RGBa") else "L" if "16" in mode else "RGB")
    im = base.convert(mode)
    assert im.mode == mode
    rgb = image_to_rgb(im)
    assert rgb.dtype == np.uint8 and rgb.shape == (480, 640, 3) and rgb.flags.c_contiguous
    h = hash_bytes(encode(Image.fromarray(rgb), "PNG"))
    assert h.quality == 100 and hamming(h.pdq, reference.pdq) <= 8


def test_sixteen_bit_and_float_images_are_scaled_not_clipped(picture, reference):
    grey = np.asarray(picture.convert("L")).astype(np.float64)
    cases = {
        "16-bit PNG": encode(Image.fromarray((grey * 257).astype(np.uint16)), "PNG"),
        "32-bit int TIFF, 0..65535": encode(Image.fromarray((grey * 257).astype(np.int32), "I"), "TIFF"),
        "float TIFF, 0..1": encode(Image.fromarray((grey / 255).astype(np.float32), "F"), "TIFF"),
        "float TIFF, -1000..1000": encode(Image.fromarray((grey / 255 * 2000 - 1000).astype(np.float32), "F"), "TIFF"),
    }
    for name, data in cases.items():
        h = hash_bytes(data)
        # Clipping to 0..255 would leave a white (or black) image of quality 0.
        assert h.quality == 100, name
        assert hamming(h.pdq, reference.pdq) <= 8, name


def test_tiny_and_flat_images_hash_with_quality_zero():
    for size in [(1, 1), (3, 700), (64, 64)]:
        h = hash_bytes(encode(Image.new("RGB", size, (120, 130, 140)), "PNG"))
        assert h.quality == 0 and len(h.pdq) == 64


def test_heif_opener_is_registered_and_a_corrupt_heic_is_a_clean_error():
    # pi-heif decodes only (no encoder here), so no valid HEIC can be produced in the test.
    import gardefou.hashing  # noqa: F401

    assert "HEIF" in Image.OPEN
    assert ".heic" in Image.registered_extensions()
    # An ISO-BMFF 'ftyp' box with the heic brand, then garbage.
    corrupt = struct.pack(">I4s4sI", 24, b"ftyp", b"heic", 0) + b"mif1heic" + os.urandom(200)
    with pytest.raises(ImageError) as exc:
        hash_bytes(corrupt)
    assert "HEIF" in str(exc.value)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring width x height RGB pixels, with (valid) chunks but almost no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def test_bomb_is_refused_from_the_header(tmp_path):
    with pytest.raises(ImageError, match=r"too many pixels: 30000x30000 = 900,000,000 .*200,000,000"):
        hash_bytes(png_header(30000, 30000))
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(30000, 30000))
    with pytest.raises(ImageError, match="too many pixels"):
        hash_photo(path)


def test_max_pixels_is_configurable(picture):
    data = encode(picture, "PNG")  # 640 x 480 = 307,200 pixels
    with pytest.raises(ImageError, match="307,200 pixels is over the limit of 300,000"):
        hash_bytes(data, max_pixels=300_000)
    assert hash_bytes(data, max_pixels=307_200).quality == 100


def test_size_check_does_not_depend_on_pils_global_limit():
    # PIL alone refuses 900 Mpx headers (its limit is about 179 Mpx)...
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(png_header(30000, 30000)))
    # ...our limit is ours: raised, the header is accepted and only the size is read.
    im = open_image(io.BytesIO(png_header(30000, 30000)), max_pixels=10**9)
    assert im.size == (30000, 30000)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("empty", b"", "empty file"),
        ("text", b"hello, this is a text file\n" * 20, "not an image"),
        ("one byte", b"x", "not an image"),
        ("three bytes", b"ab\n", "not an image"),
        ("random", np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes(), "not an image"),
        ("png header only", png_header(64, 64), "truncated or corrupt PNG"),
        ("jpeg magic only", b"\xff\xd8\xff\xe0" + b"\x00" * 12, "corrupt"),
    ],
)
def test_bad_input_raises_a_clear_image_error(name, data, message):
    with pytest.raises(ImageError, match=message):
        hash_bytes(data)


def test_truncated_jpeg_is_an_error(picture):
    data = encode(picture, "JPEG", quality=90)
    with pytest.raises(ImageError, match="truncated or corrupt JPEG data"):
        hash_bytes(data[: len(data) // 2])


def test_corrupt_png_data_is_an_error(picture):
    data = bytearray(encode(picture, "PNG"))
    start = data.index(b"IDAT") + 4
    data[start : start + 200] = os.urandom(200)
    with pytest.raises(ImageError, match="corrupt"):
        hash_bytes(bytes(data))


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        hash_photo(tmp_path / "nope.jpg")


def test_results_are_frozen_and_serialise():
    h = PhotoHash("ab" * 32, 100, "cd" * 16, 3, 4)
    assert h.to_dict() == {"pdq": "ab" * 32, "quality": 100, "md5": "cd" * 16, "width": 3, "height": 4}
    assert dataclasses.replace(h, path="x.jpg").to_dict()["path"] == "x.jpg"
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.pdq = "00" * 32  # type: ignore[misc]


def test_hamming():
    a = "0" * 64
    assert hamming(a, a) == 0
    assert hamming(a, "f" * 64) == 256
    assert hamming(a, "8" + "0" * 63) == 1
    assert hamming("F" * 64, "f" * 64) == 0
    for bad in ["0" * 63, "g" * 64, "0" * 65]:
        with pytest.raises(ValueError):
            hamming(a, bad)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_exif_orientation_in_each_format(picture, reference, fmt):
    # Stored turned 90 degrees counter-clockwise, tagged 6 ("rotate 90 cw to display").
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(picture.transpose(Image.Transpose.ROTATE_90), fmt, exif=exif.tobytes())
    assert Image.open(io.BytesIO(data)).getexif().get(0x0112) == 6
    h = hash_bytes(data)
    assert (h.width, h.height) == (640, 480)
    assert hamming(h.pdq, reference.pdq) <= 8
    untagged = hash_bytes(encode(picture.transpose(Image.Transpose.ROTATE_90), fmt))
    assert hamming(untagged.pdq, reference.pdq) > 31


def test_mpo_multi_picture_jpeg(picture, reference):
    buf = io.BytesIO()
    picture.save(buf, "MPO", save_all=True, append_images=[scene(640, 480, seed=9)], quality=90)
    assert Image.open(io.BytesIO(buf.getvalue())).format == "MPO"
    assert hamming(hash_bytes(buf.getvalue()).pdq, reference.pdq) <= 4
