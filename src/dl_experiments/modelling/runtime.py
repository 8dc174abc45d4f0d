"""Starting TensorFlow: quietly, once, with the configured CPU threads."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field

from dl_experiments.config.base import Strict

logger = logging.getLogger(__name__)


class RuntimeConfig(Strict):
    """``params:runtime``: TensorFlow's CPU thread pools (0: TensorFlow decides)."""

    intra_op_threads: Annotated[int, Field(ge=0)] = 0
    inter_op_threads: Annotated[int, Field(ge=0)] = 0


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (C++ logs included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def tensorflow() -> Any:
    """The ``tensorflow`` module, imported without its start-up noise.

    On a machine without a GPU, TensorFlow's C++ runtime prints CUDA-driver probes
    and oneDNN notices on import, and a failed ``cuInit`` when it first looks for
    devices, before any log level applies. Unless the user chose a level
    (``TF_CPP_MIN_LOG_LEVEL``), both happen with stderr silenced and later C++
    messages below ERROR are filtered; Python exceptions propagate normally.
    Listing the devices does not start TensorFlow's runtime, so thread settings
    applied afterwards still take effect.
    """
    if "tensorflow" not in sys.modules and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        with _stderr_silenced():
            import tensorflow as tf  # noqa: PLC0415 - the one quiet import

            tf.config.list_physical_devices()
    import tensorflow as tf  # noqa: PLC0415

    return tf


def configure_threads(config: RuntimeConfig) -> None:
    """Set TensorFlow's thread pools; a warning if TensorFlow already runs."""
    if not (config.intra_op_threads or config.inter_op_threads):
        return
    tf = tensorflow()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(config.intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(config.inter_op_threads)
    except RuntimeError as exc:
        logger.warning(
            "TensorFlow already started in this process; runtime threads "
            "(intra=%d, inter=%d) not applied: %s",
            config.intra_op_threads,
            config.inter_op_threads,
            exc,
        )
