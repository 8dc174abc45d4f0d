"""``python -m dl_experiments.serve`` and ``kedro serve``: start the scoring service.

Run it in the project folder, as ``kedro run``. It bootstraps the project once
(``--env`` picks the configuration environment, as for ``kedro run``), loads each
experiment's latest complete run (or the run given with ``--run``), says at start
which experiments have nothing to serve, and serves on 127.0.0.1 unless ``--host``
says otherwise. Logging is Kedro's (``conf/logging.yml``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from dl_experiments.serve.limits import Limits

logger = logging.getLogger("dl_experiments.serve")
DEFAULTS = Limits()


def _pins(values: tuple[str, ...]) -> dict[str, str]:
    pins = {}
    for value in values:
        experiment, _, run_id = value.partition("=")
        if not experiment or not run_id:
            raise click.BadParameter(
                f"{value!r}: expected EXPERIMENT=RUN_ID, e.g. "
                "wildfire=2026-11-26T01.52.28.626Z",
                param_hint="--run",
            )
        pins[experiment.strip()] = run_id.strip()
    return pins


@click.command(
    "serve",
    help="Start the scoring service of the trained experiments, in the project "
    "folder (docs/serving.md). No authentication: it binds to 127.0.0.1 unless "
    "--host says otherwise.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; the service has no authentication.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--env",
    "-e",
    default=None,
    help="Kedro configuration environment (as for kedro run; default local).",
)
@click.option(
    "--run",
    "runs",
    multiple=True,
    metavar="EXPERIMENT=RUN_ID",
    help="Serve this run of an experiment, never a newer one (repeatable).",
)
@click.option(
    "--reload-interval",
    default=2.0,
    show_default=True,
    type=float,
    help="Seconds between looks for a newer complete run (0: only POST /v1/reload).",
)
@click.option(
    "--max-body-bytes",
    default=DEFAULTS.max_body_bytes,
    show_default=True,
    type=click.IntRange(1),
)
@click.option(
    "--max-rows",
    default=DEFAULTS.max_rows,
    show_default=True,
    type=click.IntRange(1),
    help="Records per request.",
)
@click.option(
    "--max-images",
    default=DEFAULTS.max_images,
    show_default=True,
    type=click.IntRange(1),
    help="Images per request.",
)
@click.option(
    "--max-image-pixels",
    default=DEFAULTS.max_image_pixels,
    show_default=True,
    type=click.IntRange(1),
    help="Width x height of one image.",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="A log line per request (dl_experiments.serve.access).",
)
def serve(  # noqa: PLR0913 - one option per argument
    host: str,
    port: int,
    env: str | None,
    runs: tuple[str, ...],
    reload_interval: float,
    max_body_bytes: int,
    max_rows: int,
    max_images: int,
    max_image_pixels: int,
    access_log: bool,
) -> None:
    """Start the scoring service (see the module docstring)."""
    import uvicorn  # noqa: PLC0415 - kedro's CLI imports this module at every command

    from dl_experiments.serve.app import create_app  # noqa: PLC0415
    from dl_experiments.serve.bundles import PinnedRunError  # noqa: PLC0415
    from dl_experiments.serve.project import (  # noqa: PLC0415
        NoExperimentsError,
        open_project,
    )

    pinned = _pins(runs)
    # Nodes run per request here: their "Running node" lines and the tracebacks of
    # rejected inputs are not a run's log (the access log and 4xx bodies say it).
    logging.getLogger("kedro.pipeline.node").setLevel(logging.CRITICAL)
    try:
        store, session, context = open_project(Path.cwd(), env, pinned)
    except (PinnedRunError, NoExperimentsError) as error:
        raise click.ClickException(str(error)) from None
    served = store.describe()
    logger.info(
        "Scoring service on http://%s:%d (API docs at /docs), configuration "
        "environment %s; %d of %d experiments served. No authentication%s.",
        host,
        port,
        context.env,
        sum(item["status"] == "serving" for item in served.values()),
        len(served),
        " (bound to loopback only)"
        if host in ("127.0.0.1", "localhost", "::1")
        else ": put it behind an authenticating proxy",
    )
    app = create_app(
        store,
        Limits(max_body_bytes, max_rows, max_images, max_image_pixels),
        reload_interval=reload_interval,
        access_log=access_log,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # Kedro's logging, configured at bootstrap
        log_level="info",
        access_log=False,  # the app's own access log, on Kedro's logging
        server_header=False,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        session.close()
