"""Project commands for the ``kedro`` CLI: ``kedro serve`` starts the scoring service."""

from __future__ import annotations

import click

from dl_experiments.serve.command import serve


@click.group(name="dl_experiments")
def cli() -> None:
    """Commands of the dl_experiments project."""


cli.add_command(serve)
