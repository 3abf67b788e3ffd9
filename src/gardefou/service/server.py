"""Running the service with uvicorn: `gardefou serve`, and the demo `make run` starts."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

from gardefou.config import Settings
from gardefou.service.config import ServiceConfig

log = logging.getLogger("gardefou.service")
DEMO_BANK = "demo"


def default_demo_images() -> list[Path]:
    """The reference originals shipped beside the repository (pdq-reference/bridge-mods/aaa-orig.jpg...)."""
    root = Path(os.environ.get("GARDEFOU_TESTDATA") or Path(__file__).resolve().parents[3].parent / "shared" / "testdata")
    ref = root / "pdq-reference"
    found = sorted((ref / "bridge-mods").glob("*orig*.jpg")) if (ref / "bridge-mods").is_dir() else []
    return found


def prepare_demo(settings: Settings, images: Iterable[Path] | None = None, out: TextIO | None = None) -> str:
    """Make sure a demo block bank exists (filled from `images` when empty) and return a fresh admin key."""
    from gardefou.hashing import ImageError, hash_photo
    from gardefou.store import Conflict, EntryInput, open_store
    from gardefou.store import service_repo as repo

    store = open_store(settings)
    try:
        try:
            store.create_bank(DEMO_BANK, description="demo bank: reference photos", kind="block")
        except Conflict:
            pass
        if store.get_bank(DEMO_BANK).entry_count == 0:
            items = []
            for path in images if images is not None else default_demo_images():
                try:
                    h = hash_photo(path)
                except (ImageError, OSError) as exc:
                    print(f"demo: skipping {path}: {exc}", file=out or sys.stderr)
                    continue
                items.append(EntryInput(pdq=h.pdq, md5=h.md5, quality=h.quality, metadata={"file": Path(path).name}))
            if items:
                store.add_entries(DEMO_BANK, items)
        key, _ = repo.create_key(store, "admin", "demo-admin")
        repo.audit(store, "cli", "key.create", "demo-admin", {"key_role": "admin"})
        return key
    finally:
        store.close()


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *, demo: bool = False,
          demo_images: Iterable[Path] | None = None, workers: int = 1, config: ServiceConfig | None = None,
          log_level: str = "info", out: TextIO | None = None) -> None:
    """Run the HTTP service until interrupted.

    With `demo=True` (what `make run` uses) a `demo` block bank is created from the reference
    photos when empty, and the URL, the OpenAPI docs address and a freshly created admin key are
    printed before the server starts. `workers > 1` starts that many processes (each with its
    own index, kept in step through the database).
    """
    import uvicorn

    out = out or sys.stdout
    config = config or ServiceConfig.from_env()
    if demo:
        key = prepare_demo(settings, demo_images, out)
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        base = f"http://{shown}:{port}"
        print(f"gardefou service: {base}", file=out)
        print(f"API docs:         {base}/docs", file=out)
        print(f"admin key:        {key}   (shown once; stored hashed)", file=out)
        print(f"try:              curl -H 'Authorization: Bearer {key}' {base}/v1/banks", file=out)
        out.flush()
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO), format="%(levelname)s %(name)s: %(message)s")
    if workers > 1:
        import importlib.util

        if not (importlib.util.find_spec("httptools") and importlib.util.find_spec("uvloop")):
            log.warning("several workers without httptools and uvloop answer in ~40 ms steps; "
                        "pip install 'uvicorn[standard]' (or run one worker)")
        env = os.environ
        env["GARDEFOU_DATA_DIR"] = str(settings.data_dir)
        env["GARDEFOU_DB"] = settings.db_url
        env["GARDEFOU_RETAIN_MEDIA"] = "1" if config.retain_media else "0"
        env["GARDEFOU_MAX_BODY_BYTES"] = str(config.max_body_bytes)
        env["GARDEFOU_MAX_PIXELS"] = str(config.max_pixels)
        uvicorn.run("gardefou.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=False, proxy_headers=False)
        return
    from gardefou.service.app import create_app

    app = create_app(settings, config)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, proxy_headers=False)
