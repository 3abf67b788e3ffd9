"""`gardefou text classify` and `gardefou text train`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from gardefou.cli.common import open_input, read_text_inputs, write_jsonl

BATCH = 512


def register(app: typer.Typer) -> None:
    """Add the `text` sub-app to the top-level app."""
    text_app = typer.Typer(help="Undressing-service marketing / request detector for texts (17 languages).", no_args_is_help=True)

    @text_app.command("classify")
    def classify_cmd(
        file: Optional[str] = typer.Argument(None, help="Input file, one text per line ('-' or omitted: standard input)."),
        jsonl: bool = typer.Option(False, "--jsonl", help="Read JSON Lines objects with 'text' (and 'id', echoed back)."),
        threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0, help="Flag threshold on the calibrated score (default: the model's)."),
        model: Optional[Path] = typer.Option(None, "--model", help="Model directory (default: the shipped model)."),
        explain: bool = typer.Option(False, "--explain", help="Also output the normalised text, tricks and links."),
    ) -> None:
        """Classify texts: one JSON object per input line, in order (flagged, score, category, reasons, lang)."""
        from gardefou.text.api import classify_batch
        from gardefou.text.model import load_model

        mdl = load_model(str(model) if model else None)
        stream = open_input(file)
        pending: list = []

        def flush() -> None:
            texts = [r.text for r in pending if r.error is None]
            verdicts = iter(classify_batch(texts, threshold=threshold, model=mdl)) if texts else iter(())
            out = []
            for rec in pending:
                if rec.error is not None:
                    obj = {"error": rec.error, "line": rec.line_no}
                    if jsonl:
                        obj = {"id": rec.id, **obj}
                    out.append(obj)
                    continue
                v = next(verdicts).to_dict()
                if not explain:
                    for k in ("normalized", "tricks", "links"):
                        v.pop(k, None)
                if jsonl:
                    v = {"id": rec.id, **v}
                out.append(v)
            write_jsonl(out)
            pending.clear()

        try:
            for rec in read_text_inputs(stream, jsonl=jsonl):
                pending.append(rec)
                if len(pending) >= BATCH:
                    flush()
            if pending:
                flush()
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()

    @text_app.command("train")
    def train_cmd(
        corpus: Path = typer.Option(Path("data/text"), "--corpus", help="Folder with corpus/, heldout/ and extra/ JSONL files."),
        out: Path = typer.Option(Path("src/gardefou/text/model"), "--out", help="Where to write model.json + weights.npz."),
        metrics: Optional[Path] = typer.Option(Path("docs/text-model-metrics.md"), "--metrics", help="Write the metrics tables (Markdown) here."),
        limit: Optional[int] = typer.Option(None, "--limit", help="Train on a reproducible random subset of this many texts."),
        copies: int = typer.Option(2, "--copies", help="Obfuscated copies of each training text."),
        folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    ) -> None:
        """Rebuild the model reproducibly (fixed seeds) and print cross-validated metrics."""
        from gardefou.text.train import train

        train(corpus, out, copies=copies, folds=folds, limit=limit, metrics_path=metrics,
              log=lambda m: print(m, file=sys.stderr, flush=True))

    app.add_typer(text_app, name="text")
