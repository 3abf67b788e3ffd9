"""Run every benchmark: `python -m bench` (or `make bench`). Each prints ratios against its baseline."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    only = sys.argv[1:]
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not info.name.startswith("bench_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"\n=== {info.name} ===", flush=True)
        module.main()


if __name__ == "__main__":
    main()
