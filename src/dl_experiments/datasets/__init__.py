"""Kedro datasets for formats kedro-datasets lacks."""

from dl_experiments.datasets.figure_dataset import FigureDataset
from dl_experiments.datasets.idx_dataset import IDXDataset, IDXFormatError
from dl_experiments.datasets.image_folder import ImageFolderDataset
from dl_experiments.datasets.metrics_history import MetricsHistoryDataset
from dl_experiments.datasets.skops_dataset import SkopsDataset, UnsafeArtifactError
from dl_experiments.datasets.study_storage import StudyStorageDataset

__all__ = [
    "FigureDataset",
    "IDXDataset",
    "IDXFormatError",
    "ImageFolderDataset",
    "MetricsHistoryDataset",
    "SkopsDataset",
    "StudyStorageDataset",
    "UnsafeArtifactError",
]
