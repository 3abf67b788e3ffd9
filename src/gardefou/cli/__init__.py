"""The `gardefou` command. Each area registers its commands from its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="gardefou: photo hash banks, undressing-service text and link detectors, and a service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """gardefou: photo hash banks, undressing-service text and link detectors, and a service."""


def _register() -> None:
    # Imported here so `gardefou --help` stays fast and a broken area cannot hide the others' code.
    from gardefou.cli import banks, demo, hashing, links, service, text  # noqa: F401

    for module in (hashing, banks, text, links, service, demo):
        module.register(app)


def main() -> None:
    _register()
    app()
