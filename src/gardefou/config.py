"""Configuration: command-line flags, then GARDEFOU_* environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "gardefou-data"
DEFAULT_MAX_DISTANCE = 31
DEFAULT_MIN_QUALITY = 50
DEFAULT_MAX_PIXELS = 200_000_000


@dataclass(frozen=True)
class Settings:
    """Where gardefou keeps its data and which database it talks to."""

    data_dir: Path
    db_url: str

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def resolve_settings(data_dir: str | os.PathLike | None = None, db: str | None = None) -> Settings:
    """Flags win over GARDEFOU_DATA_DIR / GARDEFOU_DB, which win over ./gardefou-data/gardefou.db."""
    directory = Path(data_dir or os.environ.get("GARDEFOU_DATA_DIR") or DEFAULT_DATA_DIR)
    url = db or os.environ.get("GARDEFOU_DB") or f"sqlite:///{(directory / 'gardefou.db').resolve()}"
    return Settings(data_dir=directory, db_url=url)
