"""`gardefou demo`: the job `make run` runs.

It builds a demo hash bank from reference photos (the PDQ reference set beside the project,
or benign pictures it draws itself when that set is absent), matches edited, rotated and
flipped variants against it, prints a readable table, then starts the HTTP service.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from typing_extensions import Annotated

from gardefou.cli.common import DataDirOption, DbOption
from gardefou.config import resolve_settings
from gardefou.store import EntryInput, StoreError, open_matcher, open_store

DEMO_BANK = "demo"
REF_ENV = "GARDEFOU_TESTDATA"


def register(app: typer.Typer) -> None:
    """Add the demo command."""
    app.command("demo")(demo)


def find_reference_set() -> Path | None:
    """The PDQ reference photos: $GARDEFOU_TESTDATA, else ../shared/testdata next to the project."""
    candidates = [Path(os.environ[REF_ENV]) if os.environ.get(REF_ENV) else None,
                  Path.cwd().parent / "shared" / "testdata",
                  Path(__file__).resolve().parents[4] / "shared" / "testdata"]
    for base in filter(None, candidates):
        ref = base / "pdq-reference"
        if (ref / "bridge-mods" / "aaa-orig.jpg").is_file():
            return ref
    return None


def demo_images() -> tuple[list[Path], list[Path]]:
    """(originals, variants): reference photos when available, else freshly drawn pictures."""
    ref = find_reference_set()
    if ref is None:
        return _drawn_images(Path(tempfile.mkdtemp(prefix="gardefou-demo-")))
    originals = [ref / "bridge-mods" / "aaa-orig.jpg", ref / "reg-test-input" / "pen-and-coaster.png",
                 *sorted((ref / "reg-test-input" / "labelme-subset").glob("*.jpg"))]
    variants = [p for p in sorted((ref / "bridge-mods").glob("*.jpg")) if p.name != "aaa-orig.jpg"]
    variants += sorted((ref / "reg-test-input" / "dih").glob("*.jpg"))[1:]
    return originals, variants


def _drawn_images(folder: Path) -> tuple[list[Path], list[Path]]:
    """Benign test pictures (smooth colour fields and shapes) and edited copies of the first one."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageOps

    originals, variants = [], []
    y, x = np.mgrid[0:480, 0:640] / 80.0
    for k in range(3):
        rng = np.random.default_rng(k)
        channels = [sum(np.sin(x * rng.uniform(0.3, 1.5) + y * rng.uniform(0.3, 1.5) + rng.uniform(0, 6)) for _ in range(3))
                    for _ in range(3)]
        rgb = np.stack([(c - c.min()) / (np.ptp(c) + 1e-9) * 255 for c in channels], axis=-1).astype(np.uint8)
        img = Image.fromarray(rgb)
        draw = ImageDraw.Draw(img)
        for _ in range(15):
            x0, y0 = int(rng.integers(0, 560)), int(rng.integers(0, 400))
            draw.ellipse((x0, y0, x0 + int(rng.integers(20, 120)), y0 + int(rng.integers(20, 90))),
                         fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
        path = folder / f"picture-{k}.jpg"
        img.save(path, quality=92)
        originals.append(path)
        if k == 0:
            for name, edited in [("blurred", img.filter(ImageFilter.GaussianBlur(2))), ("smaller", img.resize((320, 240))),
                                 ("mirrored", ImageOps.mirror(img)), ("rotated-90", img.rotate(90, expand=True))]:
                variant = folder / f"picture-0-{name}.jpg"
                edited.save(variant, quality=80)
                variants.append(variant)
    return originals, variants


def build_demo_bank(store, originals: list[Path]) -> int:
    """Create the demo bank from the originals unless it already holds entries; returns its size."""
    from gardefou.hashing import hash_photo

    try:
        bank = store.get_bank(DEMO_BANK)
        if bank.entry_count:
            return bank.entry_count
    except StoreError:
        store.create_bank(DEMO_BANK, description="Demo bank built by `gardefou demo` from benign reference photos")
    entries = []
    for path in originals:
        h = hash_photo(path)
        entries.append(EntryInput(pdq=h.pdq, md5=h.md5, quality=h.quality, metadata={"source": path.name}))
    return len(store.add_entries(DEMO_BANK, entries))


def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the HTTP service after the table.")] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: DataDirOption = None,
    db: DbOption = None,
) -> None:
    """Build a demo bank, match edited and rotated photos against it, then start the service."""
    from gardefou.hashing import DIHEDRAL_ORDER, hash_photo

    console = Console()
    settings = resolve_settings(data_dir, db)
    store = open_store(settings)
    originals, variants = demo_images()
    size = build_demo_bank(store, originals)
    matcher = open_matcher(settings, store)
    matcher.index.save()
    console.print(f"[bold]Bank '{DEMO_BANK}'[/]: {size} photos hashed on this machine (PDQ + MD5; no image stored).")
    table = Table(title="Edited, rotated and flipped photos matched against the bank (PDQ, threshold 31)")
    for column in ("file", "best match", "distance", "transform", "result"):
        table.add_column(column, justify="right" if column == "distance" else "left")
    for path in variants:
        h = hash_photo(path, dihedral=True)
        found = matcher.match(h.pdq, h.md5, banks=[DEMO_BANK], quality=h.quality,
                              dihedral=h.pdq_dihedral, dihedral_names=DIHEDRAL_ORDER)
        if found:
            best = found[0]
            table.add_row(path.name, str(best.metadata.get("source", best.entry_id)), str(best.distance),
                          best.transform or "", "[green]match[/]")
        else:
            table.add_row(path.name, "-", "-", "", "[red]no match[/]")
    console.print(table)
    if serve:
        from gardefou.service.server import serve as run_server

        console.print("\nStarting the service on the same store (Ctrl-C to stop)...")
        run_server(settings, host, port, demo=True)
