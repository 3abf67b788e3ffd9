"""`gardefou hash PATH...`: PDQ + MD5 fingerprints of image files and folders."""

from __future__ import annotations

import csv
import os
import stat
import sys
from enum import Enum
from typing import IO, Any, Iterable, Iterator, Optional

import typer

from gardefou.config import DEFAULT_MAX_PIXELS

CSV_FIELDS = ("path", "pdq", "quality", "md5", "width", "height")


class OutputFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


def register(app: typer.Typer) -> None:
    """Add the `hash` command."""

    @app.command("hash")
    def hash_command(
        paths: list[str] = typer.Argument(
            ..., metavar="PATH", help="Image files or folders (searched recursively for images).", show_default=False
        ),
        output_format: OutputFormat = typer.Option(
            OutputFormat.jsonl, "--format", "-f", help="jsonl: one JSON object per image; csv: with a header row."
        ),
        dihedral: bool = typer.Option(
            False, "--dihedral", help="Add pdq_dihedral: the hashes of the 8 rotations and flips (see DIHEDRAL_ORDER)."
        ),
        workers: Optional[int] = typer.Option(
            None, "--workers", "-w", min=1, envvar="GARDEFOU_WORKERS",
            help="Processes to hash with (default: all cores; 1 = in this process).", show_default=False,
        ),
        max_pixels: int = typer.Option(
            DEFAULT_MAX_PIXELS, "--max-pixels", min=1, envvar="GARDEFOU_MAX_PIXELS",
            help="Refuse images whose header declares more pixels (decompression-bomb guard).",
        ),
    ) -> None:
        """Hash images: PDQ (64 hex), its quality (0-100), MD5 of the file, upright width and height.

        One output per image in input order; an image that cannot be hashed gives
        {"path", "error"} and the batch goes on. Exit status: 0 all hashed, 1 some failed,
        2 usage error.
        """
        from gardefou.hashing import DIHEDRAL_ORDER, hash_files, iter_image_paths

        items = list(iter_image_paths(paths))
        results = hash_files(items, workers=workers, dihedral=dihedral, max_pixels=max_pixels)
        records = (result.to_dict() for _, result in results)
        failed = 0

        def counted(recs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            nonlocal failed
            for rec in recs:
                if "error" in rec:
                    failed += 1
                yield rec

        records = counted(records)
        if _show_progress():
            records = _with_progress(records, total=len(items))
        if output_format is OutputFormat.csv:
            _write_csv(records, dihedral=dihedral, order=DIHEDRAL_ORDER)
        else:
            _write_jsonl(records)
        if failed:
            raise typer.Exit(code=1)


def _write_jsonl(records: Iterable[dict[str, Any]]) -> None:
    from gardefou.cli.common import write_jsonl

    for record in records:
        # sys.stdout is looked up per record: the progress display may redirect it.
        write_jsonl([record], sys.stdout)


def _write_csv(records: Iterable[dict[str, Any]], *, dihedral: bool, order: tuple[str, ...]) -> None:
    fields = list(CSV_FIELDS) + (["pdq_dihedral"] if dihedral else []) + ["error"]
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        if "pdq_dihedral" in record:
            # One cell, hashes separated by ';' in DIHEDRAL_ORDER.
            record = {**record, "pdq_dihedral": ";".join(record["pdq_dihedral"])}
        writer.writerow(record)
        sys.stdout.flush()


def _show_progress() -> bool:
    """A progress bar only on a terminal stderr, and never when stdout is a pipe or socket."""
    if not _isatty(sys.stderr):
        return False
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    return not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode))


def _with_progress(records: Iterable[dict[str, Any]], *, total: int) -> Iterator[dict[str, Any]]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # When stdout is the terminal too, Rich shows the results above the bar; when it is a file,
    # stdout is left alone so the file gets the results only.
    progress = Progress(
        TextColumn("hashing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(file=sys.stderr), transient=True, redirect_stdout=_isatty(sys.stdout),
        redirect_stderr=False,
    )
    records = iter(records)
    # The first result starts the worker processes: fork them before Rich starts its thread.
    first = next(records, None)
    if first is None:
        return
    with progress:
        task = progress.add_task("hash", total=total)
        yield first
        progress.advance(task)
        for record in records:
            yield record
            progress.advance(task)


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return bool(stream and stream.isatty())
    except (AttributeError, ValueError):
        return False
