"""End-to-end: the real service (``kedro serve``) on a trained project copy, on a
free loopback port: every route, the same answers as the predict pipelines, bad
inputs, concurrent clients."""

from __future__ import annotations

import base64
import io
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.conftest import run_kedro
from tests.helpers import FASHION_MNIST_CLASSES, latest, use_catalog, versions
from tests.serve.conftest import Service, example_images, example_records

pytestmark = pytest.mark.e2e

TABLES = ("wildfire", "housing")
ID_COLUMN = {"wildfire": "reading_id", "housing": "district_id"}


def _predictions(project: Path, experiment: str) -> pd.DataFrame:
    return pd.read_csv(
        latest(project, f"data/07_model_output/{experiment}/predictions.csv")
    )


def _compare(answer: list[dict], expected: pd.DataFrame) -> None:
    """Service records against the predict pipeline's CSV: same columns, same
    order, text equal, numbers equal to float tolerance."""
    served = pd.DataFrame(answer)
    assert list(served.columns) == list(expected.columns)
    assert len(served) == len(expected)
    for column in expected.columns:
        if pd.api.types.is_float_dtype(expected[column]):
            np.testing.assert_allclose(
                served[column].to_numpy(dtype=float),
                expected[column].to_numpy(),
                rtol=1e-6,
                atol=1e-7,
                err_msg=column,
            )
        else:
            assert (
                served[column].astype(str).tolist()
                == expected[column].astype(str).tolist()
            ), column


def _multipart(paths: list[Path]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("images", (path.name, path.read_bytes(), "application/octet-stream"))
        for path in paths
    ]


def test_every_route_answers(service: Service, served_project: Path):
    with service.client() as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        experiments = client.get("/v1/experiments").json()
        assert sorted(experiments) == ["fashion_mnist", "housing", "wildfire"]
        for name, status in experiments.items():
            (version,) = versions(served_project, f"data/06_models/{name}/model.keras")
            assert status["status"] == "serving" and status["run_id"] == version
            assert status["versions"]["model"] == version

        wildfire = client.get("/v1/wildfire/schema").json()
        assert wildfire["input"] == "table" and wildfire["id_columns"] == ["reading_id"]
        assert "area" not in wildfire["fields"]  # the label
        assert (
            wildfire["fields"]["RH"]["min"] == 0
            and wildfire["fields"]["RH"]["max"] == 100
        )
        assert wildfire["fields"]["month"]["allowed"][:2] == ["jan", "feb"]
        assert wildfire["limits"] == {"max_body_bytes": 300000, "max_rows": 50}
        housing = client.get("/v1/housing/schema").json()
        assert "MedHouseVal" not in housing["fields"]
        assert (
            housing["fields"]["Latitude"]["expected"]
            == "a number, 32 <= Latitude <= 42"
        )
        images = client.get("/v1/fashion_mnist/schema").json()
        assert images["input"] == "images" and images["image_shape"] == [28, 28]
        assert images["class_names"] == FASHION_MNIST_CLASSES
        assert images["predict"]["top_k"] == 3

        assert "swagger" in client.get("/docs").text.lower()
        paths = client.get("/openapi.json").json()["paths"]
        for name in experiments:
            assert "post" in paths[f"/v1/{name}/predict"]
            assert "get" in paths[f"/v1/{name}/schema"]
        for path in ("/health", "/ready", "/v1/reload", "/v1/experiments"):
            assert path in paths

        reload = client.post("/v1/reload").json()
        assert reload["changed"] == [] and reload["experiments"] == experiments
    assert "Scoring service on http://127.0.0.1" in service.output()
    assert "3 of 3 experiments served" in service.output()
    access = (served_project / "logs" / "info.log").read_text()
    assert '"GET /v1/wildfire/schema" 200' in access  # through Kedro's logging


@pytest.mark.parametrize("experiment", TABLES)
def test_rows_score_as_the_predict_pipeline_scores_them(
    service: Service, served_project: Path, experiment: str
):
    rows = example_records(experiment)
    with service.client() as client:
        response = client.post(f"/v1/{experiment}/predict", json=rows)
    assert response.status_code == 200, response.text
    answer = response.json()
    (version,) = versions(served_project, f"data/06_models/{experiment}/model.keras")
    assert answer["run_id"] == version
    assert answer["versions"] == {"model": version, "preprocessor": version}

    run_kedro(served_project, f"{experiment}_predict")
    expected = _predictions(served_project, experiment)
    assert expected[ID_COLUMN[experiment]].tolist() == [
        row[ID_COLUMN[experiment]] for row in rows
    ]
    _compare(answer["predictions"], expected)


def test_images_score_as_the_predict_pipeline_scores_them(
    service: Service, served_project: Path, tmp_path: Path
):
    paths = example_images()
    with service.client() as client:
        # sent in reverse order: the answer keeps the order of the request
        uploaded = client.post(
            "/v1/fashion_mnist/predict", files=_multipart(paths[::-1])
        )
        encoded = client.post(
            "/v1/fashion_mnist/predict",
            json={
                "images": [
                    {
                        "name": path.name,
                        "data": base64.b64encode(path.read_bytes()).decode(),
                    }
                    for path in paths
                ]
            },
        )
    assert uploaded.status_code == 200, uploaded.text
    assert encoded.status_code == 200, encoded.text
    assert [row["image"] for row in uploaded.json()["predictions"]] == [
        path.stem for path in paths[::-1]
    ]
    assert encoded.json()["predictions"] == uploaded.json()["predictions"][::-1]

    run_kedro(served_project, "fashion_mnist_predict")
    _compare(
        encoded.json()["predictions"], _predictions(served_project, "fashion_mnist")
    )

    # a colour JPEG of another size is converted as the pipeline converts a file
    folder = tmp_path / "photos"
    folder.mkdir()
    with Image.open(paths[0]) as image:
        image.convert("RGB").resize((57, 43)).save(folder / "photo.jpg", quality=90)
    with service.client() as client:
        photo = client.post(
            "/v1/fashion_mnist/predict", files=_multipart([folder / "photo.jpg"])
        )
    assert photo.status_code == 200, photo.text
    entry = {
        "type": "partitions.PartitionedDataset",
        "path": str(folder),
        "dataset": "pillow.ImageDataset",
        "filename_suffix": ".jpg",
    }
    env = use_catalog(served_project, "photos", {"fashion_mnist.new_images": entry})
    run_kedro(served_project, "fashion_mnist_predict", env=env)
    _compare(photo.json()["predictions"], _predictions(served_project, "fashion_mnist"))
    shutil.rmtree(served_project / "conf" / env)


def _png(size: tuple[int, int] = (28, 28)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 128).save(buffer, format="PNG")
    return buffer.getvalue()


def _reading(**changes: object) -> dict:
    row = dict(example_records("wildfire")[0])
    row.update(changes)
    return {key: value for key, value in row.items() if value is not ...}


def test_bad_rows_get_a_422_naming_row_field_and_expectation(service: Service):
    with service.client() as client:
        bad = client.post(
            "/v1/wildfire/predict",
            json=[_reading(), _reading(RH=140, month="mars"), _reading(rain=...)],
        )
        assert bad.status_code == 422
        body = bad.json()
        assert "predictions" not in body  # never a partial answer
        assert body["error"] == "invalid_input"
        assert body["message"] == "2 of 3 records are invalid; nothing was scored"
        assert body["problems"] == [
            {
                "row": 2,
                "field": "RH",
                "value": "140",
                "problem": "is outside the plausible range",
                "expected": "0 <= RH <= 100",
            },
            {
                "row": 2,
                "field": "month",
                "value": "mars",
                "problem": "is not an allowed value",
                "expected": "one of ['apr', 'aug', 'dec', 'feb', 'jan', 'jul', 'jun', "
                "'mar', 'may', 'nov', 'oct', 'sep']",
            },
            {
                "row": 3,
                "field": "rain",
                "problem": "is missing",
                "expected": "a number, 0 <= rain <= 500",
            },
        ]
        wrong_types = client.post(
            "/v1/housing/predict",
            json=[{**example_records("housing")[0], "MedInc": [1], "HouseAge": True}],
        ).json()
        assert [(p["field"], p["problem"]) for p in wrong_types["problems"]] == [
            ("HouseAge", "is a boolean"),
            ("MedInc", "is an array"),
        ]
        for body, words in (
            ([], "no records"),
            ({"X": 1}, "an object; expected a JSON array"),
            ([1], None),
        ):
            response = client.post("/v1/wildfire/predict", json=body)
            assert response.status_code == 422, body
            if words:
                assert words in response.json()["message"]


def test_limits_content_types_and_undecodable_images(service: Service):
    paths = example_images()
    truncated = paths[0].read_bytes()[:60]
    with service.client() as client:
        checks = [
            (client.post("/v1/wildfire/predict", json=[_reading()] * 51), 413),
            (
                client.post(
                    "/v1/wildfire/predict",
                    content=b"[" + b" " * 300_000 + b"]",
                    headers={"content-type": "application/json"},
                ),
                413,
            ),
            (
                client.post(  # streamed without Content-Length
                    "/v1/wildfire/predict",
                    content=iter([b"[", b" " * 200_000, b" " * 200_000, b"]"]),
                    headers={"content-type": "application/json"},
                ),
                413,
            ),
            (client.post("/v1/wildfire/predict", content=b"[]"), 415),
            (
                client.post(
                    "/v1/wildfire/predict",
                    content=json.dumps([_reading()]),
                    headers={"content-type": "text/csv"},
                ),
                415,
            ),
            (
                client.post(
                    "/v1/wildfire/predict",
                    content=b'[{"X": 1,',
                    headers={"content-type": "application/json"},
                ),
                400,
            ),
            (
                client.post(
                    "/v1/fashion_mnist/predict",
                    files=[("images", ("a.png", truncated, "image/png"))],
                ),
                400,
            ),
            (
                client.post(
                    "/v1/fashion_mnist/predict",
                    json={"images": [{"name": "a", "data": "not base64!"}]},
                ),
                400,
            ),
            (
                client.post(
                    "/v1/fashion_mnist/predict",
                    files=[
                        ("images", (f"{i}.png", _png(), "image/png")) for i in range(21)
                    ],
                ),
                413,
            ),
            (
                client.post(
                    "/v1/fashion_mnist/predict",
                    files=[("images", ("big.png", _png((600, 600)), "image/png"))],
                ),
                413,
            ),
            (
                client.post(
                    "/v1/fashion_mnist/predict",
                    files=[("image", ("a.png", _png(), "image/png"))],
                ),
                422,
            ),
            (client.post("/v1/fashion_mnist/predict", content=b"x"), 415),
            (client.post("/v1/nope/predict", json=[]), 404),
            (client.get("/v1/wildfire/predict"), 405),
        ]
        good = client.post(
            "/v1/fashion_mnist/predict",
            files=[("images", ("good.png", _png(), "image/png"))]
            + [("images", ("bad.png", truncated, "image/png"))],
        )
    for response, status in checks:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["status"] == status and body["error"] and body["message"]
    unreadable = checks[6][0].json()
    assert unreadable["error"] == "undecodable_image"
    assert unreadable["problems"][0]["image"] == "a"
    assert unreadable["problems"][0]["problem"].startswith("cannot be read as an image")
    assert checks[9][0].json()["problems"][0]["problem"] == "has 600x600 pixels"
    # one unreadable file fails the whole request: no partial answer
    assert good.status_code == 400 and "predictions" not in good.json()
    assert [p["image"] for p in good.json()["problems"]] == ["bad"]


def test_concurrent_clients_get_their_own_answers(service: Service):
    """8 clients at once, each sending single rows and images; every answer equals
    the one the same input gets alone."""
    requests = [
        ("wildfire", {"json": [row]}) for row in example_records("wildfire")[:12]
    ] + [("housing", {"json": [row]}) for row in example_records("housing")[:12]]
    requests += [
        ("fashion_mnist", {"files": _multipart([path])})
        for path in example_images()[:8]
    ]

    def send(item: tuple[str, dict]) -> dict:
        experiment, body = item
        with service.client() as client:
            response = client.post(f"/v1/{experiment}/predict", **body)
        assert response.status_code == 200, response.text
        return response.json()["predictions"]

    alone = [send(item) for item in requests]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(send, requests * 3))
    assert together == alone * 3
