"""Hashing throughput, end to end (read + decode + PDQ + MD5), against calling pdqhash directly.

Run: `.venv/bin/python -m bench bench_hashing`. Baseline, on the same files in the same process:
`pdqhash.compute(np.asarray(Image.open(f).convert("RGB")))`. Figures are images/s (ours: best of a
few rounds, the machine being shared; baseline: one round, it is slow) and their ratio. Data: the PDQ reference photos and a few
synthetic phone-size 4032x3024 JPEGs (quality 90) generated into a temporary folder.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from gardefou.hashing import hamming, hash_files, hash_photo

REFDATA = Path(os.environ.get("GARDEFOU_TESTDATA", Path(__file__).resolve().parents[2] / "shared" / "testdata")) / "pdq-reference"
PHONE_SIZE = (4032, 3024)
ROUNDS = 3


def baseline(path: str) -> str:
    bits, _quality = pdqhash.compute(np.asarray(Image.open(path).convert("RGB")))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def upright_direct(path: str) -> tuple[str, int]:
    """The baseline on the EXIF-upright picture, (hash, quality): what `ours` is compared with."""
    bits, quality = pdqhash.compute(np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")))
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex(), int(quality)


def ours(path: str) -> str:
    return hash_photo(path).pdq


def synthetic_photo(seed: int, size: tuple[int, int] = PHONE_SIZE) -> Image.Image:
    """Gradients, overlapping shapes, blur and sensor-like noise: decodes like a real photo."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack(
        [x / w * 255 * rng.random() + y / h * 80, y / h * 255, (x + y) / (w + h) * 200 * rng.random() + 40], axis=-1
    )
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(40):
        x0, y0, s = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(100, 1200))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        box = [x0, y0, x0 + s, y0 + int(s * rng.random()) + 10]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    im = im.filter(ImageFilter.GaussianBlur(3))
    noisy = np.asarray(im).astype(np.int16) + rng.normal(0, 6, (h, w, 1)).astype(np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def best_rate(fn: Callable[[str], object], files: Sequence[str], rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for f in files:
            fn(f)
        best = min(best, time.perf_counter() - start)
    return len(files) / best


def batch_rate(files: Sequence[str], workers: int, rounds: int = 2) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        n = sum(1 for _ in hash_files(files, workers=workers))
        best = min(best, time.perf_counter() - start)
    return n / best


def compare(label: str, files: Sequence[str], rounds: int = ROUNDS) -> None:
    base, mine = best_rate(baseline, files, 1), best_rate(ours, files, rounds)
    drift = quality_gap = 0
    for f in files:
        (direct_hash, direct_q), mine_h = upright_direct(f), hash_photo(f)
        drift = max(drift, hamming(direct_hash, mine_h.pdq))
        quality_gap = max(quality_gap, abs(direct_q - mine_h.quality))
    print(
        f"{label:<38} {len(files):>3} files  pdqhash direct {base:7.1f} img/s  gardefou {mine:7.1f} img/s  "
        f"ratio {mine / base:5.2f}x  (vs direct: max {drift} bits, quality within {quality_gap})",
        flush=True,
    )


def reference_correctness() -> None:
    worst = 0
    with (REFDATA / "expected.csv").open(newline="") as f:
        published: dict[str, list[str]] = {}
        for row in csv.DictReader(f):
            published.setdefault(row["path"], []).append(row["pdq_hex"])
    for rel, hashes in published.items():
        worst = max(worst, min(hamming(hash_photo(REFDATA / rel).pdq, e) for e in hashes))
    print(f"expected.csv: {len(published)} images, max distance to a published hash {worst} bits (rule: <= 10)")


def main() -> None:
    reference_correctness()
    photos = sorted(
        str(p)
        for p in REFDATA.rglob("*")
        if p.suffix.lower() in {".jpg", ".png", ".webp"} and p.is_file() and "exif-rotn" not in p.parts
    )
    compare("reference images (<= 1600 px)", photos)
    with tempfile.TemporaryDirectory(prefix="gardefou-bench-") as tmp:
        phones = []
        for seed in range(3):
            path = Path(tmp) / f"phone-{seed}.jpg"
            synthetic_photo(seed).save(path, "JPEG", quality=90)
            phones.append(str(path))
        compare("synthetic phone JPEGs 4032x3024", phones)
        exif = sorted(str(p) for p in (REFDATA / "reg-test-input" / "exif-rotn").glob("*.jpg"))
        compare("real phone JPEGs 4032x3024 (exif-rotn)", exif)
        pngs = []
        for seed in range(1):
            path = Path(tmp) / f"phone-{seed}.png"
            Image.open(phones[seed]).save(path, "PNG", compress_level=1)
            pngs.append(str(path))
        compare("phone-size PNG 4032x3024", pngs, rounds=2)

        batch = phones * 4 + photos
        one, two = batch_rate(batch, 1), batch_rate(batch, 2)
        print(
            f"hash_files, {len(batch)} files (phones x4 + reference): workers=1 {one:6.1f} img/s  "
            f"workers=2 {two:6.1f} img/s  scaling {two / one:4.2f}x  (cores: {os.cpu_count()}, shared)",
            flush=True,
        )


if __name__ == "__main__":
    main()
