"""dl_experiments: three deep-learning experiments as reproducible Kedro pipelines."""

import contextlib
import os
import sys

__version__ = "0.1.0"


@contextlib.contextmanager
def _stderr_silenced():
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


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow without its start-up noise.

    On a machine without a GPU, TensorFlow's C++ runtime prints CUDA-driver probes
    and oneDNN notices on import, and a failed ``cuInit`` when it first looks for
    devices, before any log level applies. Unless the user chose a level
    (``TF_CPP_MIN_LOG_LEVEL``), both happen here with stderr silenced and later C++
    messages below ERROR are filtered; Python exceptions still propagate normally.
    Listing the devices does not start TensorFlow's runtime, so thread settings
    applied later by the project's hook still take effect.
    """
    if "tensorflow" in sys.modules or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    with _stderr_silenced():
        import tensorflow  # noqa: PLC0415

        tensorflow.config.list_physical_devices()


_import_tensorflow_quietly()
