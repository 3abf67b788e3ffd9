"""Shared CLI plumbing: reading one text per line (or JSON Lines with id/text) and writing JSON Lines."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class TextInput:
    """One input record: `text` is None when the line could not be read, and `error` says why."""

    line_no: int
    id: Any = None
    text: str | None = None
    error: str | None = None


def open_input(file: str | None) -> IO[bytes]:
    """`None` or '-' means standard input; read as bytes so invalid UTF-8 never raises."""
    if file in (None, "-"):
        return sys.stdin.buffer
    return Path(file).open("rb")


def read_text_inputs(stream: IO[bytes], jsonl: bool = False) -> Iterator[TextInput]:
    """Yield one TextInput per input line, in order; empty lines give an empty text.

    Invalid UTF-8 is decoded with replacement characters; with `jsonl`, each line must be an
    object with "text" (and optionally "id"); a malformed line yields an error record.
    """
    for line_no, raw in enumerate(stream, start=1):
        raw = raw.rstrip(b"\r\n")
        line = raw.decode("utf-8", errors="replace")
        if not jsonl:
            yield TextInput(line_no=line_no, text=line)
            continue
        if not line.strip():
            yield TextInput(line_no=line_no, error="empty line: expected a JSON object with 'text'")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield TextInput(line_no=line_no, error=f"line {line_no}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            ident = obj.get("id") if isinstance(obj, dict) else None
            yield TextInput(line_no=line_no, id=ident, error=f"line {line_no}: expected an object with a string 'text'")
            continue
        yield TextInput(line_no=line_no, id=obj.get("id"), text=obj["text"])


def write_jsonl(records: Iterable[dict], out: IO[str] | None = None) -> None:
    """Write one compact JSON object per line and flush, so pipes see results as they come."""
    out = out or sys.stdout
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


# -- options and objects shared by the commands that use the store -------------------------------
import typer  # noqa: E402
from typing_extensions import Annotated  # noqa: E402

DataDirOption = Annotated[
    str | None,
    typer.Option("--data-dir", envvar="GARDEFOU_DATA_DIR", help="Data directory (database + index). [default: ./gardefou-data]"),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="GARDEFOU_DB", help="Database URL, e.g. postgresql://user@host/db. [default: SQLite in the data dir]"),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
