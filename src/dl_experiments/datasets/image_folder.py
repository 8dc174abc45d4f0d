"""A folder of labelled image files, ``<path>/<class name>/<file>``, as a Kedro dataset.

The layout of Keras' ``image_dataset_from_directory`` and torchvision's
``ImageFolder``. Files are listed and opened by kedro-datasets' own
``partitions.PartitionedDataset`` of ``pillow.ImageDataset``; ``kind: images``
loads that dict of relative path -> loader (nothing is decoded yet: the ingestion
node decodes, checks and names any unreadable file), ``kind: labels`` the class
folder of each file, in the same sorted order. Two entries on the same path give
an experiment its images and labels, as the two IDX files do.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from kedro.io import AbstractDataset, DatasetError
from kedro_datasets._typing import ImagePreview
from kedro_datasets.partitions import PartitionedDataset

from dl_experiments.datasets.idx_dataset import image_grid, label_bars, png_base64

FolderKind = Literal["images", "labels"]
PREVIEW_SIZE = 32


class ImageFolderDataset(AbstractDataset[None, Any]):
    """Read-only: the images or the labels of an image folder.

    Example:
        ```yaml
        fashion_mnist.train_images:
          type: dl_experiments.datasets.ImageFolderDataset
          path: data/01_raw/shapes/train
          kind: images
        fashion_mnist.train_labels:
          type: dl_experiments.datasets.ImageFolderDataset
          path: data/01_raw/shapes/train
          kind: labels
        ```
    """

    def __init__(
        self,
        *,
        path: str | os.PathLike,
        kind: FolderKind,
        filename_suffix: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create an image-folder dataset.

        Args:
            path: The folder holding one sub-folder per class.
            kind: ``images`` (relative path -> loader of a PIL image) or
                ``labels`` (each file's class folder, as strings).
            filename_suffix: Only files ending so (e.g. ``.png``); all by default.
            metadata: Ignored by Kedro; for plugins such as kedro-viz.
        """
        if kind not in ("images", "labels"):
            raise DatasetError(
                f"ImageFolderDataset '{path}': kind={kind!r}; expected 'images' or "
                "'labels'"
            )
        self._path = str(path)
        self._kind = kind
        self._partitions = PartitionedDataset(
            path=self._path,
            dataset="pillow.ImageDataset",
            filename_suffix=filename_suffix,
        )
        self.metadata = metadata

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path, "kind": self._kind}

    def _files(self) -> dict[str, Callable[[], Any]]:
        files = self._partitions.load()
        if not files:
            raise DatasetError(
                f"ImageFolderDataset '{self._path}' holds no files; expected "
                "<class name>/<image file> inside it"
            )
        loose = sorted(name for name in files if "/" not in name.replace(os.sep, "/"))
        if loose:
            raise DatasetError(
                f"ImageFolderDataset '{self._path}': files {loose[:5]} lie outside any "
                "class folder; expected <class name>/<image file>"
            )
        return {name.replace(os.sep, "/"): files[name] for name in sorted(files)}

    def load(self) -> dict[str, Callable[[], Any]] | np.ndarray:
        """Relative path -> loader (``images``), or each file's class (``labels``)."""
        files = self._files()
        if self._kind == "images":
            return files
        return np.array([name.split("/", 1)[0] for name in files], dtype=object)

    def save(self, data: None) -> None:
        raise DatasetError(f"ImageFolderDataset '{self._path}' is read-only")

    def _exists(self) -> bool:
        return bool(self._partitions.load())

    def preview(self, count: int = PREVIEW_SIZE, columns: int = 8) -> ImagePreview:
        """A PNG (base64) for kedro-viz: the first ``count`` images in a grid, or one
        bar per class folder (its count of files)."""
        files = self._files()
        if self._kind == "labels":
            names = [name.split("/", 1)[0] for name in files]
            _, codes = np.unique(names, return_inverse=True)
            return ImagePreview(png_base64(label_bars(codes)))
        shown = []
        for name in list(files)[:count]:
            image = files[name]().convert("RGB")
            shown.append(image.resize((PREVIEW_SIZE, PREVIEW_SIZE)))
        grid = image_grid(np.stack([np.asarray(image) for image in shown]), columns)
        return ImagePreview(png_base64(grid))
