"""Generated hostile requests: the service answers 2xx, or 4xx with a JSON error;
never a 5xx, never a partial answer.

The app runs in-process (FastAPI's ``TestClient``) on the session's trained
project, so hypothesis can send many requests; the real server's answers to the
same kinds of input are checked in ``test_service.py``.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from dl_experiments.serve.app import create_app
from dl_experiments.serve.limits import Limits
from dl_experiments.serve.project import open_project
from tests.serve.conftest import example_images, example_records

pytestmark = pytest.mark.e2e

LIMITS = Limits(
    max_body_bytes=200_000, max_rows=20, max_images=6, max_image_pixels=250_000
)
HOSTILE = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", " ", "NaN", "inf", "-1e999", "1e308", "0x10", "mar", "\x00"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def client(served_project: Path) -> Iterator[TestClient]:
    store, session, _ = open_project(served_project, "test")
    app = create_app(store, LIMITS, reload_interval=0, access_log=False)
    try:
        with TestClient(app, raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        session.close()


def assert_answered(response, count: int | None = None) -> dict:
    """2xx with one prediction per input, or a 4xx JSON error of the one shape."""
    assert response.status_code < 500, response.text
    body = response.json()
    if response.status_code >= 400:
        assert body["status"] == response.status_code
        assert body["error"] and body["message"]
        assert isinstance(body["problems"], list)
        assert "predictions" not in body
    else:
        assert count is not None and len(body["predictions"]) == count
    return body


@st.composite
def hostile_tables(draw: st.DrawFn, experiment: str) -> object:
    """Valid example rows with fields replaced by anything JSON holds, dropped or
    added; or not a list of records at all."""
    rows = example_records(experiment)
    records = []
    for _ in range(draw(st.integers(0, 4))):
        record = dict(draw(st.sampled_from(rows)))
        for key in list(record):
            action = draw(st.sampled_from(["keep", "keep", "keep", "replace", "drop"]))
            if action == "replace":
                record[key] = draw(values)
            elif action == "drop":
                del record[key]
        record.update(draw(st.dictionaries(st.text(max_size=8), values, max_size=2)))
        records.append(record)
    return draw(st.just(records) | values | st.lists(values, max_size=3))


@pytest.mark.parametrize("experiment", ["wildfire", "housing"])
@HOSTILE
@given(data=st.data())
def test_hostile_records(client: TestClient, experiment: str, data: st.DataObject):
    payload = data.draw(hostile_tables(experiment))
    body = json.dumps(payload, allow_nan=True)  # NaN and Infinity as JS writes them
    response = client.post(
        f"/v1/{experiment}/predict",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert_answered(response, len(payload) if isinstance(payload, list) else None)


@HOSTILE
@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_hostile_bytes(client: TestClient, body: bytes):
    for experiment in ("wildfire", "fashion_mnist"):
        response = client.post(
            f"/v1/{experiment}/predict",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert_answered(response)


def test_deep_nesting_huge_numbers_and_empty_lists(client: TestClient):
    deep = b"[" * 100_000 + b"]" * 100_000
    assert_answered(
        client.post(
            "/v1/wildfire/predict",
            content=deep,
            headers={"content-type": "application/json"},
        )
    )
    row = example_records("wildfire")[0]
    nested = {**row, "RH": json.loads("[" * 500 + "]" * 500)}
    huge = {**row, "RH": 10**400, "DMC": -(10**400)}
    cases = [
        ([nested], "is an array"),
        ([huge], "is infinite"),
        ([], "is an empty array"),
        ([{**row, "RH": "١٢"}], "is not a number"),  # Arabic-Indic digits
        ([{**row, "month": "März"}], "is not an allowed value"),
    ]
    for payload, problem in cases:
        response = client.post("/v1/wildfire/predict", json=payload)
        body = assert_answered(response)
        assert response.status_code == 422
        assert problem in [item["problem"] for item in body["problems"]], body


def _image(draw: st.DrawFn) -> bytes:
    """A valid image of any mode and size, truncated, padded or replaced by junk."""
    size = (draw(st.integers(1, 64)), draw(st.integers(1, 64)))
    mode = draw(st.sampled_from(["L", "RGB", "RGBA", "P", "1", "I;16"]))
    fmt = draw(st.sampled_from(["PNG", "JPEG", "BMP", "GIF"]))
    buffer = io.BytesIO()
    try:
        Image.new(mode, size).save(buffer, format=fmt)
    except OSError:  # a mode the format cannot hold
        buffer = io.BytesIO()
        Image.new(mode, size).save(buffer, format="PNG")
    data = buffer.getvalue()
    change = draw(st.sampled_from(["none", "truncate", "pad", "junk"]))
    if change == "truncate":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if change == "pad":
        return data + draw(st.binary(max_size=50))
    if change == "junk":
        return draw(st.binary(max_size=200))
    return data


@HOSTILE
@given(data=st.data())
def test_hostile_images(client: TestClient, data: st.DataObject):
    count = data.draw(st.integers(0, 4))
    images = [_image(data.draw) for _ in range(count)]
    names = data.draw(st.lists(st.text(max_size=12), min_size=count, max_size=count))
    if data.draw(st.booleans()):
        response = (
            client.post(
                "/v1/fashion_mnist/predict",
                files=[
                    ("images", (name or "x", image, "application/octet-stream"))
                    for name, image in zip(names, images, strict=True)
                ],
            )
            if images
            else client.post(
                "/v1/fashion_mnist/predict",
                content=b"",
                headers={"content-type": "multipart/form-data; boundary=x"},
            )
        )
    else:
        encoded = [
            {
                "name": name,
                "data": data.draw(
                    st.just(base64.b64encode(image).decode()) | st.text(max_size=20)
                ),
            }
            for name, image in zip(names, images, strict=True)
        ]
        response = client.post("/v1/fashion_mnist/predict", json={"images": encoded})
    assert_answered(response, count)


def test_a_real_image_among_hostile_ones_fails_the_request_whole(client: TestClient):
    good = example_images()[0].read_bytes()
    response = client.post(
        "/v1/fashion_mnist/predict",
        files=[
            ("images", ("good.png", good, "image/png")),
            ("images", ("cut.png", good[:100], "image/png")),
        ],
    )
    body = assert_answered(response)
    assert response.status_code == 400
    assert [problem["image"] for problem in body["problems"]] == ["cut"]


def test_reject_mode_in_the_parameters_still_refuses_the_whole_request(
    served_project: Path,
):
    """With ``on_invalid: reject`` a predict run scores the valid rows and lists
    the bad ones; a request is answered whole or not at all."""
    reject = {"predict": {"on_invalid": "reject"}}
    store, session, _ = open_project(
        served_project, "test", params={"wildfire": reject, "fashion_mnist": reject}
    )
    try:
        with TestClient(create_app(store, LIMITS, reload_interval=0)) as client:
            rows = example_records("wildfire")[:3]
            rows[1] = {**rows[1], "RH": 140}
            body = assert_answered(client.post("/v1/wildfire/predict", json=rows))
            assert [(p["row"], p["field"]) for p in body["problems"]] == [(2, "RH")]
            good = example_images()[0].read_bytes()
            images = [("a.png", good), ("b.png", good[:50])]
            response = client.post(
                "/v1/fashion_mnist/predict",
                files=[("images", (name, data, "image/png")) for name, data in images],
            )
            body = assert_answered(response)
            assert response.status_code == 400
            assert [(p["row"], p["image"]) for p in body["problems"]] == [(2, "b")]
    finally:
        session.close()
