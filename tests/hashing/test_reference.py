"""Hashes of the PDQ reference images (../shared/testdata/pdq-reference, see its README)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image

from gardefou.hashing import DIHEDRAL_ORDER, hamming, hash_bytes, hash_photo

# The PDQ authors' tolerance between implementations (decoders differ by a few bits).
REFERENCE_TOLERANCE = 10
MATCH_THRESHOLD = 31


def published(refdata: Path) -> dict[str, list[str]]:
    hashes: dict[str, list[str]] = {}
    with (refdata / "expected.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            hashes.setdefault(row["path"], []).append(row["pdq_hex"])
    return hashes


def test_every_published_hash_is_reproduced_within_tolerance(refdata):
    expected = published(refdata)
    assert len(expected) >= 30
    distances = {}
    for rel, hashes in expected.items():
        h = hash_photo(refdata / rel)
        assert len(h.pdq) == 64 and h.pdq == h.pdq.lower() and 0 <= h.quality <= 100
        distances[rel] = min(hamming(h.pdq, e) for e in hashes)
    worst = max(distances.values())
    assert worst <= REFERENCE_TOLERANCE, {k: d for k, d in distances.items() if d > REFERENCE_TOLERANCE}
    # The reference tools' own pre-processing is reproduced: their bridge-mods hashes come out
    # (nearly) bit for bit, not merely within the tolerance.
    bridge = [d for rel, d in distances.items() if rel.startswith("bridge-mods/")]
    assert len(bridge) == 12 and max(bridge) <= 2


def test_md5_and_size_are_those_of_the_file(refdata):
    import hashlib

    path = refdata / "bridge-mods" / "aaa-orig.jpg"
    h = hash_photo(path)
    assert h.md5 == hashlib.md5(path.read_bytes()).hexdigest()
    assert (h.width, h.height) == Image.open(path).size == (1600, 1004)
    assert hash_bytes(path.read_bytes()) == h
    assert hash_photo(str(path)) == h


def test_every_bridge_mod_matches_the_original(refdata):
    folder = refdata / "bridge-mods"
    original = hash_photo(folder / "aaa-orig.jpg")
    mods = sorted(p for p in folder.glob("*.jpg") if p.name != "aaa-orig.jpg")
    assert len(mods) == 11
    for mod in mods:
        assert hamming(hash_photo(mod).pdq, original.pdq) <= MATCH_THRESHOLD, mod.name
    # ...while unrelated photos do not.
    for other in sorted((refdata / "reg-test-input" / "labelme-subset").glob("*.jpg")):
        if hash_photo(other).quality >= 50:
            assert hamming(hash_photo(other).pdq, original.pdq) > MATCH_THRESHOLD, other.name


DIH_FILES = {
    "bridge-1-original.jpg": "original",
    "bridge-2-rotate-90.jpg": "rotate90",
    "bridge-3-rotate-180.jpg": "rotate180",
    "bridge-4-rotate-270.jpg": "rotate270",
    "bridge-5-flipx.jpg": "flip_x",
    "bridge-6-flipy.jpg": "flip_y",
    "bridge-7-flip-plus-1.jpg": "flip_plus1",
    "bridge-8-flip-minus-1.jpg": "flip_minus1",
}


def test_dihedral_order_matches_the_transformed_copies(refdata):
    folder = refdata / "reg-test-input" / "dih"
    original = hash_photo(folder / "bridge-1-original.jpg", dihedral=True)
    variants = dict(zip(DIHEDRAL_ORDER, original.pdq_dihedral, strict=True))
    assert len(original.pdq_dihedral) == 8 and original.pdq_dihedral[0] == original.pdq
    assert original.to_dict()["pdq_dihedral"] == list(original.pdq_dihedral)
    for name, transform in DIH_FILES.items():
        plain = hash_photo(folder / name).pdq
        distances = {t: hamming(plain, v) for t, v in variants.items()}
        assert distances[transform] <= MATCH_THRESHOLD, (name, distances)
        assert min(distances, key=distances.get) == transform, (name, distances)
        assert sorted(distances.values())[1] > 64, (name, distances)  # no other variant is near


PIL_TRANSPOSE = {
    "rotate90": Image.Transpose.ROTATE_90,
    "rotate180": Image.Transpose.ROTATE_180,
    "rotate270": Image.Transpose.ROTATE_270,
    "flip_x": Image.Transpose.FLIP_TOP_BOTTOM,
    "flip_y": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip_plus1": Image.Transpose.TRANSPOSE,
    "flip_minus1": Image.Transpose.TRANSVERSE,
}


def test_dihedral_order_is_documented_with_pil_transposes(refdata):
    im = Image.open(refdata / "reg-test-input" / "dih" / "bridge-1-original.jpg")
    original = hash_photo(refdata / "reg-test-input" / "dih" / "bridge-1-original.jpg", dihedral=True)
    for index, name in enumerate(DIHEDRAL_ORDER[1:], start=1):
        buf = io.BytesIO()
        im.transpose(PIL_TRANSPOSE[name]).save(buf, "BMP")
        plain = hash_bytes(buf.getvalue()).pdq
        nearest = min(range(8), key=lambda i: hamming(plain, original.pdq_dihedral[i]))
        assert nearest == index, name


# EXIF orientation -> the dihedral variant of the stored pixels that gives the upright picture.
EXIF_FILES = {1: "original", 3: "rotate180", 6: "rotate270", 8: "rotate90"}


@pytest.mark.parametrize("orientation", sorted(EXIF_FILES))
def test_exif_orientation_is_applied(refdata, orientation):
    path = refdata / "reg-test-input" / "exif-rotn" / f"exif-rotn-{orientation}.jpg"
    stored = Image.open(path)
    assert stored.getexif().get(0x0112) == orientation
    upright = hash_photo(path)
    w, h = stored.size
    assert (upright.width, upright.height) == ((h, w) if orientation in (6, 8) else (w, h))
    # The stored pixels, without the EXIF tag, re-encoded losslessly (BMP) at a reduced size.
    stored.draft("RGB", (1000, 1000))
    buf = io.BytesIO()
    stored.convert("RGB").save(buf, "BMP")
    raw = hash_bytes(buf.getvalue(), dihedral=True)
    wanted = EXIF_FILES[orientation]
    assert hamming(upright.pdq, raw.pdq_dihedral[DIHEDRAL_ORDER.index(wanted)]) <= MATCH_THRESHOLD
    if orientation != 1:
        assert hamming(upright.pdq, raw.pdq) > MATCH_THRESHOLD


def test_every_mode_file_hashes_like_the_original(refdata):
    folder = refdata / "misc-images" / "modes"
    original = hash_photo(folder / "original.jpg")
    files = sorted(p for p in folder.iterdir() if p.name != "original.jpg")
    stems = {p.stem for p in files}
    assert {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "HSV", "LAB", "I", "F"} <= stems
    for path in files:
        h = hash_photo(path)
        assert h.quality == 100, path.name
        assert (h.width, h.height) == (original.width, original.height)
        # Bilevel "1" loses most tones to dithering; the others are the same picture.
        assert hamming(h.pdq, original.pdq) <= (MATCH_THRESHOLD if path.stem == "1" else 8), path.name
