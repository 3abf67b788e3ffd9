"""`gardefou demo`: the main job `make run` runs."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo() -> None:
        """Run the demonstration on the bundled reference photos."""
        typer.echo("gardefou demo: coming soon")
