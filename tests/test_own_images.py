"""Images as they come, by configuration alone: a folder of 32x32 colour PNG and
JPEG files (the test set split from it) and a folder of 8x8 grayscale digits with a
test folder beside, each described in a conf/<env> with the YAML that
docs/own_data.md shows (copied from the page as it is), conf/base untouched.

Each, and the shipped IDX files, trains, reports, classifies a folder of new
images, runs a tiny study and a seeds run; on the digits the CNN beats logistic
regression on the pixels.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw
from sklearn.datasets import load_digits

from dl_experiments.config import ImageDataConfig
from dl_experiments.datasets import ImageFolderDataset
from dl_experiments.preprocessing.image_folders import decode_files, folder_labels
from dl_experiments.validation import DataValidationError
from tests.conftest import PROJECT_ROOT, make_project, run_kedro
from tests.helpers import (
    conf_digest,
    guide_section,
    latest,
    latest_json,
    own_raw_folder,
)
from tests.test_browser import browser, open_page, served  # noqa: F401 - fixture

ENV = "own_images"
SHAPES = ["circle", "square", "triangle"]
COLOUR_HEADING = "fashion_mnist: a folder of colour images"
DIGITS_HEADING = "fashion_mnist: small grayscale images"
TINY_STUDY = {
    "n_trials": 2,
    "max_epochs": 2,
    "sampler": {"n_startup_trials": 1},
    "pruner": {"type": "none"},
    "seeds": [0, 1],
}


def write_env(project: Path, files: dict[str, str]) -> None:
    env = project / "conf" / ENV
    env.mkdir()
    (env / "wandb.yml").write_text("mode: disabled\n")
    for name, body in files.items():
        (env / name).write_text(body)


def shape(kind: str, rng: np.random.Generator, size: int = 32) -> Image.Image:
    """A filled circle, square or triangle of a random colour, size and place on a
    background of another random colour."""
    background = tuple(int(v) for v in rng.integers(0, 256, 3))
    colour = tuple(int(v) for v in (np.array(background) + 128) % 256)
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    side = int(rng.integers(size // 2, size - 4))
    left, top = (int(v) for v in rng.integers(1, size - side, 2))
    box = (left, top, left + side, top + side)
    if kind == "circle":
        draw.ellipse(box, fill=colour)
    elif kind == "square":
        draw.rectangle(box, fill=colour)
    else:
        draw.polygon(
            [(left + side // 2, top), (left, top + side), (left + side, top + side)],
            fill=colour,
        )
    return image


def write_shapes(root: Path, per_class: int, seed: int, labelled: bool = True) -> None:
    """PNG and JPEG files by turns, one folder per class (or none, unlabelled)."""
    rng = np.random.default_rng(seed)
    for kind in SHAPES:
        folder = root / kind if labelled else root
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(per_class):
            image = shape(kind, rng)
            if index % 2:
                image.save(folder / f"{kind}_{index:03d}.jpg", quality=92)
            else:
                image.save(folder / f"{kind}_{index:03d}.png")


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    digits = load_digits()
    return (digits.images * 16).clip(0, 255).astype(np.uint8), digits.target


def write_digits(root: Path, images: np.ndarray, labels: np.ndarray) -> None:
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(folder / f"{index:04d}.png")


def train_predict_study(project: Path) -> None:
    run_kedro(project, "fashion_mnist", env=ENV)
    run_kedro(project, "fashion_mnist_predict", env=ENV)
    tiny = {"fashion_mnist_tune": TINY_STUDY}
    run_kedro(project, "fashion_mnist_tune", env=ENV, params=tiny)
    run_kedro(project, "fashion_mnist_seeds", env=ENV, params=tiny)


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where the guide's colour-folder example trained, predicted and ran
    a tiny study and its seeds."""
    project = make_project(tmp_path_factory.mktemp("shapes") / "project")
    raw = own_raw_folder(project)
    write_shapes(raw / "shapes", per_class=120, seed=0)
    write_shapes(raw / "new_shapes", per_class=2, seed=1, labelled=False)
    # New images may come in another size and mode: converted, not refused.
    shape("circle", np.random.default_rng(2), size=48).convert("RGBA").save(
        raw / "new_shapes" / "big_circle.png"
    )
    base = conf_digest(project)
    write_env(project, guide_section(COLOUR_HEADING))
    train_predict_study(project)
    assert conf_digest(project) == base
    return project


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where the guide's 8x8 digits example trained, predicted and ran a
    tiny study and its seeds."""
    project = make_project(tmp_path_factory.mktemp("digits") / "project")
    raw = own_raw_folder(project)
    images, labels = digit_images()
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[:1497], order[1497:]
    write_digits(raw / "digits" / "train", images[train], labels[train])
    write_digits(raw / "digits" / "test", images[test], labels[test])
    (raw / "new_digits").mkdir()
    for index in test[:5]:
        Image.fromarray(images[index], mode="L").save(raw / "new_digits" / f"{index}.png")
    base = conf_digest(project)
    write_env(project, guide_section(DIGITS_HEADING))
    train_predict_study(project)
    assert conf_digest(project) == base
    return project


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project where the shipped IDX files trained (the test environment's
    subsample), classified the shipped folder of new PNG images, and ran the test
    environment's tiny study and its seeds."""
    project = make_project(tmp_path_factory.mktemp("shipped") / "project")
    for pipeline in ("", "_predict", "_tune", "_seeds"):
        run_kedro(project, f"fashion_mnist{pipeline}", env="test")
    return project


@pytest.mark.e2e
def test_the_shipped_idx_files_train_report_and_predict(shipped):
    metrics = latest_json(shipped, "data/08_reporting/fashion_mnist/metrics.json")
    assert metrics["model"]["n_samples"] == 500
    assert len(metrics["model"]["per_class"]) == 10
    history = latest_json(
        shipped, "data/07_model_output/fashion_mnist/training_history.json"
    )
    assert history["batch_norm_momentum"] == 0.99  # pinned by conf/test
    scored = pd.read_csv(
        latest(shipped, "data/07_model_output/fashion_mnist/predictions.csv")
    )
    shipped_images = PROJECT_ROOT / "data/09_predict_examples/fashion_mnist_images"
    assert len(scored) == len(list(shipped_images.glob("*.png")))


@pytest.mark.e2e
def test_a_colour_folder_trains_on_its_split_and_reports(shapes):
    metrics = latest_json(shapes, "data/08_reporting/fashion_mnist/metrics.json")
    model = metrics["model"]
    assert list(model["per_class"]) == SHAPES
    assert model["n_samples"] == 72  # a fifth of 360, stratified
    logistic = metrics["baselines"]["logistic_regression"]["accuracy"]
    assert model["accuracy"] > 0.8, (model["accuracy"], logistic)
    assert model["accuracy"] > logistic
    for figure in ("misclassified", "confusion_matrix", "training_history"):
        png = latest(shapes, f"data/08_reporting/fashion_mnist/{figure}.png")
        assert png.read_bytes().startswith(b"\x89PNG"), figure


@pytest.mark.e2e
def test_a_colour_folder_classifies_new_images_of_any_size(shapes):
    scored = pd.read_csv(
        latest(shapes, "data/07_model_output/fashion_mnist/predictions.csv")
    )
    assert len(scored) == 7
    assert set(scored["predicted_class"]) <= set(SHAPES)
    circle = scored.set_index("image").loc["big_circle.png"]
    assert circle["predicted_class"] == "circle"


@pytest.mark.e2e
@pytest.mark.parametrize("which", ["shapes", "digits", "shipped"])
def test_studies_and_seeds_run_on_image_folders_and_idx(request, which):
    project = request.getfixturevalue(which)
    trials = pd.read_csv(latest(project, "data/08_reporting/fashion_mnist_tune/trials.csv"))
    assert len(trials) == 2
    seeds = pd.read_csv(
        latest(project, "data/08_reporting/fashion_mnist_tune/seed_runs.csv")
    )
    assert sorted(seeds["seed"].unique()) == [0, 1]


@pytest.mark.e2e
def test_small_grayscale_digits_beat_the_pixel_baseline(digits):
    metrics = latest_json(digits, "data/08_reporting/fashion_mnist/metrics.json")
    model = metrics["model"]
    assert model["n_samples"] == 300
    logistic = metrics["baselines"]["logistic_regression"]["accuracy"]
    assert model["accuracy"] > logistic > 0.9, (model["accuracy"], logistic)
    history = latest_json(
        digits, "data/07_model_output/fashion_mnist/training_history.json"
    )
    assert history["batch_norm_momentum"] == pytest.approx(1 - 4 / 11, abs=1e-6)
    scored = pd.read_csv(
        latest(digits, "data/07_model_output/fashion_mnist/predictions.csv")
    )
    assert len(scored) == 5


@pytest.mark.e2e
@pytest.mark.parametrize("which", ["shapes", "digits", "shipped"])
def test_their_reports_render_every_figure_in_a_browser(browser, request, which):  # noqa: F811
    project = request.getfixturevalue(which)
    reporting = project / "data" / "08_reporting"
    report = latest(project, "data/08_reporting/fashion_mnist/report.html")
    html = report.read_text(encoding="utf-8")
    with served(reporting) as base:
        watched = open_page(browser, base + report.relative_to(reporting).as_posix())
        assert watched.image_count() == html.count("<figure") >= 6
        assert watched.broken_images() == []
        assert watched.errors() == []
        watched.page.close()


# -- unit tests of the folder dataset and its decoding ---------------------------


def test_guide_shows_both_image_folders_as_catalog_and_parameters():
    for heading in (COLOUR_HEADING, DIGITS_HEADING):
        files = guide_section(heading)
        assert set(files) == {
            "catalog_fashion_mnist.yml",
            "parameters_fashion_mnist.yml",
        }, heading
        for path in re.findall(r"path: (\S+)", files["catalog_fashion_mnist.yml"]):
            assert path.startswith("data/01_raw/"), path


def test_a_folder_gives_labels_by_folder_name_in_file_order(tmp_path):
    write_shapes(tmp_path, per_class=2, seed=0)
    files = ImageFolderDataset(path=str(tmp_path), kind="images").load()
    folders = ImageFolderDataset(path=str(tmp_path), kind="labels").load()
    assert list(files) == sorted(files)
    assert list(folders) == [name.split("/")[0] for name in files]
    labels = folder_labels(folders, ["triangle", "circle", "square"], "shapes")
    assert labels.tolist() == [1, 1, 2, 2, 0, 0]
    data = ImageDataConfig(image_shape=(32, 32), channels=3, class_names=SHAPES)
    images = decode_files(files, list(files), data, "shapes")
    assert images.shape == (6, 32, 32, 3) and images.dtype == np.uint8
    preview = ImageFolderDataset(path=str(tmp_path), kind="images").preview()
    assert len(preview) > 100  # noqa: PLR2004 - a base64 PNG


def test_unknown_and_missing_class_folders_are_named(tmp_path):
    with pytest.raises(DataValidationError, match=r"\['oval'\] are not in") as error:
        folder_labels(["circle", "oval"], ["circle", "square"], "shapes")
    assert "no folder for the classes ['square']" in str(error.value)


def test_a_truncated_file_is_an_error_naming_it(tmp_path):
    write_shapes(tmp_path, per_class=2, seed=0)
    cut = tmp_path / "square" / "square_000.png"
    cut.write_bytes(cut.read_bytes()[:60])
    files = ImageFolderDataset(path=str(tmp_path), kind="images").load()
    data = ImageDataConfig(image_shape=(32, 32), channels=3, class_names=SHAPES)
    with pytest.raises(DataValidationError, match=r"file 'square/square_000.png' cannot"):
        decode_files(files, list(files), data, "shapes")


def test_another_size_or_mode_is_named_unless_converted(tmp_path):
    write_shapes(tmp_path, per_class=1, seed=0)
    shape("circle", np.random.default_rng(0), 40).convert("L").save(
        tmp_path / "circle" / "grey.png"
    )
    files = ImageFolderDataset(path=str(tmp_path), kind="images").load()
    data = ImageDataConfig(image_shape=(32, 32), channels=3, class_names=SHAPES)
    with pytest.raises(
        DataValidationError,
        match=r"file 'circle/grey.png' has mode L and size 40x40; expected 32x32 RGB",
    ):
        decode_files(files, list(files), data, "shapes")
    converted = decode_files(files, list(files), data.model_copy(update={"convert": True}), "s")
    assert converted.shape == (4, 32, 32, 3)


def test_a_test_split_takes_disjoint_stratified_shares_of_one_folder(tmp_path):
    from dl_experiments.config import ImageClassification  # noqa: PLC0415
    from dl_experiments.templates import images as template  # noqa: PLC0415

    write_shapes(tmp_path, per_class=10, seed=0)
    files = ImageFolderDataset(path=str(tmp_path), kind="images").load()
    folders = ImageFolderDataset(path=str(tmp_path), kind="labels").load()
    params = ImageClassification.model_validate(
        {
            "seed": 3,
            "data": {
                "image_shape": [32, 32],
                "channels": 3,
                "class_names": SHAPES,
                "test_split": 0.2,
            },
            "model": {"conv_blocks": [{"filters": 4}]},
        }
    )
    train, train_labels = template.validate_training_images(files, folders, params)
    test, test_labels = template.validate_test_images(files, folders, params.data, 3)
    assert (len(train), len(test)) == (24, 6)
    assert np.bincount(test_labels).tolist() == [2, 2, 2]
    pixels = {image.tobytes() for image in train}
    assert not any(image.tobytes() in pixels for image in test)
    few = params.data.model_copy(update={"test_split": 0.05})
    expected = r"(?s)shapes.test_labels.*data.test_split=0.05 \(28 training, 2 test"
    with pytest.raises(DataValidationError, match=expected):
        template.validate_test_images(files, folders, few, 3, "shapes")
