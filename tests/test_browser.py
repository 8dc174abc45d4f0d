"""The HTML reports and kedro-viz, tested in a real browser.

Headless Chromium (Debian's ``chromium`` package, installed by ``make test``, driven
by Playwright) opens each experiment's report of a test-environment run and the
``kedro viz build --include-previews`` site, both served on loopback; every image
must load, the console must stay free of errors, and a screenshot of each page is
saved under the test's temporary folder. Without Chromium these tests fail.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e

EXPERIMENTS = ("wildfire", "housing", "fashion_mnist")

# kedro-viz 12.5's front end asks for /api/metadata (the version check of its
# "publish" dialog), which only its server answers: `kedro viz build` writes no
# such file. Exactly that request and the two console lines it causes are allowed.
KEDRO_VIZ_STATIC_BUILD_GAPS = (
    "/api/metadata",
    "the server responded with a status of 404 (File not found)",
    "metadata fetch error:",
)
# The pages ask for web fonts; the tests run offline, so those requests are
# answered empty (and recorded): nothing else may leave loopback.
WEB_FONT_HOSTS = {"fonts.googleapis.com", "fonts.gstatic.com"}


def chromium_executable() -> str:
    """Chromium's path (``CHROMIUM_PATH`` or on ``PATH``); fails the test without it."""
    path = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail(
            "Chromium is missing: the browser tests need Debian's chromium package "
            "(apt-get install -y chromium, as make test does) or CHROMIUM_PATH pointing "
            "at a Chromium binary"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1, on a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Watched:
    """A page with its console errors, page errors, failed and external requests."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        self.external: list[str] = []
        page.route("**/*", self._route)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self._response)

    def _route(self, route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", None):  # loopback, data: URLs
            route.continue_()
        elif host in WEB_FONT_HOSTS:
            self.external.append(route.request.url)
            route.fulfill(status=200, body="", content_type="text/css")
        else:
            self.problems.append(f"request leaving loopback: {route.request.url}")
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def errors(self, allowed: tuple[str, ...] = ()) -> list[str]:
        return [p for p in self.problems if not any(a in p for a in allowed)]

    def broken_images(self) -> list[str]:
        return self.page.evaluate(
            "Array.from(document.images)"
            ".filter(i => !i.complete || i.naturalWidth === 0)"
            ".map(i => i.alt || i.src.slice(0, 80))"
        )

    def image_count(self) -> int:
        return self.page.evaluate("document.images.length")


def open_page(browser: Any, url: str, width: int = 1400, height: int = 900) -> Watched:
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = Watched(page)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return watched


def screenshot(watched: Watched, path: Path) -> Path:
    watched.page.screenshot(path=str(path))
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000
    return path


# -- the per-run HTML report ------------------------------------------------


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_report_renders_every_figure_without_console_errors(
    browser, trained_project: Path, tmp_path: Path, experiment: str
):
    reporting = trained_project / "data" / "08_reporting"
    report = sorted((reporting / experiment / "report.html").glob("*/report.html"))[-1]
    figures = report.read_text(encoding="utf-8").count("<figure")
    with served(reporting) as base:
        watched = open_page(browser, base + report.relative_to(reporting).as_posix())
        page = watched.page
        assert page.title() == f"{experiment}: run report"
        assert page.locator("p.reading").is_visible()
        assert page.locator("table.headline tr.model").is_visible()
        assert figures >= 3 and watched.image_count() == figures
        assert watched.broken_images() == []
        screenshot(watched, tmp_path / f"report_{experiment}.png")  # its first screen
        # the long tables start collapsed and open on a click
        details = page.locator("details")
        assert details.count() >= 2
        assert (
            page.evaluate(
                "Array.from(document.querySelectorAll('details')).some(d => d.open)"
            )
            is False
        )
        first = details.first
        assert not first.locator("table").is_visible()
        first.locator("summary").click()
        assert first.locator("table").first.is_visible()
        assert watched.errors() == []
        assert watched.external == []
        page.close()


# -- kedro-viz --------------------------------------------------------------


@pytest.fixture(scope="module")
def viz_site(trained_project: Path) -> Path:
    """``kedro viz build --include-previews`` of the project after a run."""
    env = os.environ | {"KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    subprocess.run(
        [sys.executable, "-m", "kedro", "viz", "build", "--include-previews"],
        cwd=trained_project,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return trained_project / "build"


def node_ids(site: Path) -> dict[str, str]:
    main = json.loads((site / "api" / "main").read_text())
    return {node["name"]: node["id"] for node in main["nodes"]}


def open_viz(browser: Any, base: str, query: str = "") -> Watched:
    watched = open_page(browser, base + query, width=1500, height=950)
    page = watched.page
    page.locator(".pipeline-node").first.wait_for()
    hints = page.locator(".feature-hints__close")  # the first-visit feature tour
    if hints.count():
        hints.first.click()
    return watched


def test_kedro_viz_flowchart_loads_without_console_errors(browser, viz_site, tmp_path):
    with served(viz_site) as base:
        watched = open_viz(browser, base)
        assert watched.page.locator(".pipeline-node").count() >= 10
        assert watched.broken_images() == []
        screenshot(watched, tmp_path / "kedro_viz.png")
        assert watched.errors(KEDRO_VIZ_STATIC_BUILD_GAPS) == []
        assert set(urlparse(url).hostname for url in watched.external) <= WEB_FONT_HOSTS
        watched.page.close()


@pytest.mark.parametrize(
    ("dataset", "kind"),
    [
        ("fashion_mnist.train_images", "image"),
        ("wildfire.roc_pr_curves_plot", "image"),
        ("housing.error_map_plotly", "plotly"),
        ("wildfire.metrics", "json"),
        ("housing.test_predictions", "table"),
    ],
)
def test_kedro_viz_previews_what_the_run_made(
    browser, viz_site, tmp_path, dataset, kind
):
    with served(viz_site) as base:
        watched = open_viz(
            browser, base, f"?pid=__default__&sid={node_ids(viz_site)[dataset]}"
        )
        page = watched.page
        panel = page.locator(".pipeline-metadata")
        panel.wait_for()
        assert dataset in panel.inner_text()
        if kind == "image":
            image = panel.locator(".pipeline-metadata__plot img")
            image.wait_for()
            assert image.evaluate("i => i.complete && i.naturalWidth > 100")
        elif kind == "plotly":
            panel.locator(".pipeline-plotly-chart .main-svg").first.wait_for()
            assert "Absolute error by location" in panel.inner_text()
        elif kind == "json":
            panel.locator(".pipeline-metadata__preview-json").wait_for()
            assert '"roc_auc"' in panel.inner_text()
        else:
            panel.locator(".pipeline-metadata__preview table.preview-table").wait_for()
            assert "y_true" in panel.inner_text()
        assert watched.broken_images() == []
        screenshot(watched, tmp_path / f"kedro_viz_{dataset}.png")
        assert watched.errors(KEDRO_VIZ_STATIC_BUILD_GAPS) == []
        page.close()


def test_without_chromium_the_browser_tests_fail_rather_than_skip(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium on it
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        chromium_executable()
