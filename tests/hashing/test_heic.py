"""HEIC/HEIF photos (what phones write) decode through pi-heif and hash like their source."""

from pathlib import Path

from gardefou.hashing import hamming, hash_bytes, hash_photo

DATA = Path(__file__).parent / "data"


def test_real_heic_file_hashes_close_to_its_source_png():
    heic = hash_photo(DATA / "drawn.heic")
    png = hash_photo(DATA / "drawn-heic-source.png")
    assert (heic.width, heic.height) == (640, 480)
    assert hamming(heic.pdq, png.pdq) <= 10  # lossy HEVC coding moves a few bits at most
    assert heic.md5 != png.md5


def test_heic_bytes_in_memory_and_truncated_file_error():
    data = (DATA / "drawn.heic").read_bytes()
    assert hash_bytes(data).pdq == hash_photo(DATA / "drawn.heic").pdq
    try:
        hash_bytes(data[: len(data) // 2])
    except ValueError as exc:  # ImageError
        assert str(exc)
    else:
        raise AssertionError("a truncated HEIC file must raise ImageError")
