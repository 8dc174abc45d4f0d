"""Kedro datasets for formats kedro-datasets lacks."""

from dl_experiments.datasets.figure_dataset import FigureDataset

__all__ = ["FigureDataset"]
