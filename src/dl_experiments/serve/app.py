"""The HTTP service: FastAPI routes over the experiments' predict pipelines.

Routes: ``POST /v1/<experiment>/predict``, ``GET /v1/<experiment>/schema``,
``GET /v1/experiments``, ``POST /v1/reload``, ``GET /health``, ``GET /ready`` and
the OpenAPI pages (``/docs``, ``/openapi.json``). Every error is JSON of one shape
(``serve.errors``), with a 4xx status for anything wrong with a request. Scoring
runs in worker threads; a request scores with one bundle, under that bundle's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dl_experiments.preprocessing.image_inputs import IMAGE
from dl_experiments.serve.bundles import Bundle, ModelStore
from dl_experiments.serve.errors import Problem, ServeError
from dl_experiments.serve.experiments import Experiment, TableInput, records
from dl_experiments.serve.inputs import (
    files_from_json,
    images_from_files,
    parse_json,
    table_from_records,
)
from dl_experiments.serve.limits import Limits

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("dl_experiments.serve.access")

JSON = "application/json"
MULTIPART = "multipart/form-data"
STATUS_NAMES = {
    400: "malformed_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def _error(error: ServeError) -> JSONResponse:
    return JSONResponse(error.as_json(), status_code=error.status)


class BodyLimit:
    """413 for a body over ``max_bytes``: at once from ``Content-Length``, or as
    soon as a streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, size: str) -> ServeError:
        return ServeError(
            413,
            "payload_too_large",
            f"the body is {size} bytes; the limit is {self.max_bytes}",
            [
                Problem(
                    problem=f"is {size} bytes",
                    expected=f"at most {self.max_bytes} bytes",
                )
            ],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or int(declared) > self.max_bytes
        ):
            size = declared.decode("latin-1")[:40]
            if declared.isdigit():
                await _error(self._too_large(size))(scope, receive, send)
            else:
                bad = ServeError(
                    400, "malformed_body", f"Content-Length {size!r} is not a number"
                )
                await _error(bad)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large(f"over {self.max_bytes}")
            return message

        await self.app(scope, limited, send)


class AccessLog:
    """One line per request on the ``dl_experiments.serve.access`` logger (Kedro's
    logging configuration): client, method, path, status and milliseconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = scope.get("client") or ("-", 0)
            access_logger.info(
                '%s:%s "%s %s" %d %.1f ms',
                client[0],
                client[1],
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _unsupported(media_type: str, accepted: list[str]) -> ServeError:
    return ServeError(
        415,
        "unsupported_media_type",
        f"Content-Type {media_type or '(none)'!r} is not accepted here; send "
        + " or ".join(accepted),
        [
            Problem(
                field="Content-Type",
                value=media_type or None,
                problem="is not accepted",
                expected=" or ".join(accepted),
            )
        ],
    )


def _answer(experiment: Experiment, bundle: Bundle, predictions: Any) -> dict[str, Any]:
    return {
        "experiment": experiment.name,
        "run_id": bundle.run_id,
        "versions": dict(bundle.versions),
        "predictions": records(predictions),
    }


def _score_table(
    experiment: Experiment, bundle: Bundle, body: bytes, limits: Limits
) -> dict[str, Any]:
    assert isinstance(experiment.input, TableInput)
    frame = table_from_records(parse_json(body), experiment.input, limits)
    with bundle.lock:
        predictions = experiment.score(frame, bundle.artifacts, bundle.versions)
    return _answer(experiment, bundle, predictions)


def _score_images(
    experiment: Experiment,
    bundle: Bundle,
    files: list[tuple[str | None, bytes]],
    limits: Limits,
) -> dict[str, Any]:
    loaders, failures = images_from_files(files, limits)
    with bundle.lock:
        predictions = experiment.score(
            loaders, bundle.artifacts, bundle.versions, failures
        )
    order = {name: position for position, name in enumerate(loaders)}
    predictions = predictions.sort_values(IMAGE, key=lambda names: names.map(order))
    return _answer(experiment, bundle, predictions)


async def _uploaded(request: Request) -> list[tuple[str | None, bytes]]:
    """``(file name, bytes)`` of the files of a multipart body's ``images`` field."""
    files, problems = [], []
    async with request.form(max_files=float("inf"), max_fields=1000) as form:
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile) or key != "images":
                problems.append(
                    Problem(
                        field=str(key)[:100],
                        problem="is not a file under 'images'",
                        expected="image files in the form field 'images'",
                    )
                )
                continue
            files.append((value.filename, await value.read()))
    if problems:
        raise ServeError(
            422,
            "invalid_input",
            "the form has fields other than 'images' files",
            problems[:100],
        )
    return files


def _table_body(experiment: Experiment) -> dict[str, Any]:
    assert isinstance(experiment.input, TableInput)
    properties: dict[str, Any] = {}
    for name, spec in experiment.input.fields.items():
        if spec.type == "categorical":
            schema: dict[str, Any] = {"type": "string"}
            if spec.allowed is not None:
                schema["enum"] = [str(value) for value in spec.allowed]
        else:
            schema = {"type": "integer" if spec.type == "integer" else "number"}
            if spec.min is not None:
                key = "exclusiveMinimum" if spec.exclusive_min else "minimum"
                schema[key] = spec.min
            if spec.max is not None:
                schema["maximum"] = spec.max
        if spec.impute is not None:
            schema["nullable"] = True
        properties[name] = schema
    for name in experiment.input.id_columns:
        properties.setdefault(name, {"type": "string", "description": "identifier"})
    record = {
        "type": "object",
        "properties": properties,
        "required": list(experiment.input.fields),
    }
    return {
        "required": True,
        "content": {
            JSON: {"schema": {"type": "array", "items": record, "minItems": 1}}
        },
    }


def _images_body() -> dict[str, Any]:
    files = {
        "type": "object",
        "properties": {
            "images": {"type": "array", "items": {"type": "string", "format": "binary"}}
        },
        "required": ["images"],
    }
    encoded = {
        "type": "object",
        "properties": {
            "images": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "data": {"type": "string", "format": "byte"},
                    },
                    "required": ["data"],
                },
            }
        },
        "required": ["images"],
    }
    return {
        "required": True,
        "content": {MULTIPART: {"schema": files}, JSON: {"schema": encoded}},
    }


def _routes(
    app: FastAPI, experiment: Experiment, store: ModelStore, limits: Limits
) -> None:
    name = experiment.name
    table = isinstance(experiment.input, TableInput)

    async def predict(request: Request) -> JSONResponse:
        bundle = store.bundle(name)
        media_type = _media_type(request)
        if table:
            if media_type != JSON:
                raise _unsupported(media_type, [JSON])
            body = await request.body()
            answer = await run_in_threadpool(
                _score_table, experiment, bundle, body, limits
            )
        else:
            if media_type == MULTIPART:
                files = await _uploaded(request)
            elif media_type == JSON:
                files = await run_in_threadpool(
                    lambda body: files_from_json(parse_json(body)), await request.body()
                )
            else:
                raise _unsupported(media_type, [MULTIPART, JSON])
            answer = await run_in_threadpool(
                _score_images, experiment, bundle, files, limits
            )
        return JSONResponse(answer)

    async def schema() -> dict[str, Any]:
        bundle = store.bundle(name)
        return {
            "experiment": name,
            "run_id": bundle.run_id,
            "versions": dict(bundle.versions),
            **experiment.input.describe(),
            "limits": {
                "max_body_bytes": limits.max_body_bytes,
                **(
                    {"max_rows": limits.max_rows}
                    if table
                    else {
                        "max_images": limits.max_images,
                        "max_image_pixels": limits.max_image_pixels,
                    }
                ),
            },
        }

    what = "records (JSON)" if table else "images (multipart files or base64 JSON)"
    app.add_api_route(
        f"/v1/{name}/predict",
        predict,
        methods=["POST"],
        summary=f"Score {what} with the {name} model",
        description=(
            f"The answer holds, per {'record' if table else 'image'}, the columns "
            f"`kedro run --pipeline={name}_predict` writes, and the run id and "
            "versions of the model that made them."
        ),
        tags=[name],
        openapi_extra={
            "requestBody": _table_body(experiment) if table else _images_body()
        },
    )
    app.add_api_route(
        f"/v1/{name}/schema",
        schema,
        methods=["GET"],
        summary=f"What {name} expects: fields, types, ranges, allowed values",
        tags=[name],
    )


def create_app(
    store: ModelStore,
    limits: Limits | None = None,
    reload_interval: float = 2.0,
    access_log: bool = True,
) -> FastAPI:
    """The service for ``store``'s experiments; with ``reload_interval`` > 0 it
    looks for newer complete runs that often (seconds) between requests."""
    limits = limits or Limits()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = (
            asyncio.create_task(_watch(store, reload_interval))
            if reload_interval > 0
            else None
        )
        yield
        if watcher is not None:
            watcher.cancel()

    app = FastAPI(
        title="dl_experiments scoring service",
        description=(
            "Scores new rows and images with each experiment's latest complete run "
            "(or a pinned one), through the experiment's own predict pipeline. "
            "No authentication: it binds to 127.0.0.1 unless told otherwise."
        ),
        lifespan=lifespan,
    )
    for experiment in store.experiments.values():
        _routes(app, experiment, store, limits)

    @app.get("/health", summary="The process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="At least one experiment is served")
    async def ready() -> JSONResponse:
        experiments = store.describe()
        serving = any(item["status"] == "serving" for item in experiments.values())
        return JSONResponse(
            {"ready": serving, "experiments": experiments},
            status_code=200 if serving else 503,
        )

    @app.get("/v1/experiments", summary="Each experiment and the run it is served from")
    async def experiments() -> dict[str, Any]:
        return store.describe()

    @app.post("/v1/reload", summary="Look for newer complete runs now")
    async def reload() -> dict[str, Any]:
        changed = await run_in_threadpool(store.refresh, True)
        return {"changed": changed, "experiments": store.describe()}

    _handlers(app)
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    if access_log:
        app.add_middleware(AccessLog)
    return app


async def _watch(store: ModelStore, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(store.refresh)
        except Exception:
            logger.exception("Looking for newer runs failed; serving what is loaded")


def _handlers(app: FastAPI) -> None:
    async def serve_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ServeError)
        return _error(error)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        code = STATUS_NAMES.get(error.status_code, "error")
        message = str(error.detail)
        if error.status_code in (404, 405):
            message = f"{message}: {request.method} {request.url.path} (routes: /docs)"
        return _error(ServeError(error.status_code, code, message))

    async def validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        problems = [
            Problem(
                field=".".join(map(str, item.get("loc", ()))),
                problem=str(item.get("msg", "")),
            )
            for item in error.errors()
        ]
        return _error(ServeError(422, "invalid_input", "invalid request", problems))

    async def internal_error(_: Request, error: Exception) -> JSONResponse:
        logger.error("Internal error", exc_info=error)
        return _error(
            ServeError(500, "internal_error", "the service failed; see its log")
        )

    handlers: dict[Any, Callable[..., Any]] = {
        ServeError: serve_error,
        HTTPException: http_error,
        RequestValidationError: validation_error,
        Exception: internal_error,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
