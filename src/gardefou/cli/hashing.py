"""`gardefou hash PATH...`: PDQ + MD5 fingerprints of image files and folders."""

from __future__ import annotations

import csv
import io
import itertools
import json
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
            False, "--dihedral",
            help="Add pdq_dihedral, the hashes of the 8 rotations and flips, in this order: original, "
            "rotate90 (counter-clockwise), rotate180, rotate270, flip_x (upside down), flip_y (mirrored), "
            "flip_plus1 (transposed), flip_minus1 (anti-transposed). In CSV: one cell, ';'-separated."
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
        from gardefou.hashing import hash_files, iter_image_paths

        items = list(iter_image_paths(paths))
        for given in paths:
            if os.path.isdir(given) and not any(_inside(item, given) for item in items):
                typer.echo(f"gardefou hash: no image files found in folder {given}", err=True)
        results = hash_files(items, workers=workers, dihedral=dihedral, max_pixels=max_pixels)
        failed = 0

        def records() -> Iterator[dict[str, Any]]:
            nonlocal failed
            for _, result in results:
                record = result.to_dict()
                failed += "error" in record
                yield record

        if output_format is OutputFormat.csv:
            lines = _csv_lines(records(), dihedral=dihedral)
        else:
            lines = ((_jsonl_line(record), True) for record in records())
        try:
            if _show_progress():
                _emit_with_progress(lines, total=len(items))
            else:
                for line, _ in lines:
                    sys.stdout.write(line)
                    sys.stdout.flush()  # pipes see results as they come
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, without a traceback.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(code=1) from None
        if failed:
            raise typer.Exit(code=1)


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)


def _jsonl_line(record: dict[str, Any]) -> str:
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    if not _encodable(line):
        # A file name that is not valid UTF-8: \udcXX escapes keep it exact and the line valid.
        line = json.dumps(record, ensure_ascii=True, separators=(",", ":")) + "\n"
    return line


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable_path(path: str) -> str:
    """A file name with undecodable bytes shown as \\xNN (CSV cannot carry them otherwise)."""
    if _encodable(path):
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _csv_lines(records: Iterable[dict[str, Any]], *, dihedral: bool) -> Iterator[tuple[str, bool]]:
    """(line, is_a_record) pairs: the header, then one row per record."""
    fields = list(CSV_FIELDS) + (["pdq_dihedral"] if dihedral else []) + ["error"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\n")

    def take() -> str:
        line = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return line

    writer.writeheader()
    yield take(), False
    for record in records:
        record = {**record, "path": _printable_path(record["path"])}
        if "pdq_dihedral" in record:
            # One cell, the hashes separated by ';' in DIHEDRAL_ORDER.
            record = {**record, "pdq_dihedral": ";".join(record["pdq_dihedral"])}
        writer.writerow(record)
        yield take(), True


def _show_progress() -> bool:
    """A progress bar only on a terminal stderr, and never when stdout is a pipe or socket."""
    if not _isatty(sys.stderr):
        return False
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    return not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode))


def _same_terminal() -> bool:
    """stdout and stderr are the same terminal device (the usual interactive case)."""
    try:
        return _isatty(sys.stdout) and os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno()))
    except (AttributeError, OSError, ValueError):
        return False


def _emit_with_progress(lines: Iterable[tuple[str, bool]], *, total: int) -> None:
    """Write the lines to stdout with a progress bar on stderr.

    When both are the same terminal the lines are printed through Rich, above the bar and
    without hard wrapping; otherwise (stdout is a file) they go straight to stdout.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    console = Console(file=sys.stderr)
    through_rich = _same_terminal()
    progress = Progress(
        TextColumn("hashing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True, redirect_stdout=False, redirect_stderr=False,
    )

    def emit(line: str) -> None:
        if through_rich:
            console.print(Text(line.rstrip("\n")), soft_wrap=True)
        else:
            sys.stdout.write(line)
            sys.stdout.flush()

    lines = iter(lines)
    # The first result starts the worker processes: fork them before Rich starts its thread.
    first = next(lines, None)
    if first is None:
        return
    with progress:
        task = progress.add_task("hash", total=total)
        for line, is_record in itertools.chain([first], lines):
            emit(line)
            if is_record:
                progress.advance(task)


def _isatty(stream: IO[str] | None) -> bool:
    try:
        return bool(stream and stream.isatty())
    except (AttributeError, ValueError):
        return False
