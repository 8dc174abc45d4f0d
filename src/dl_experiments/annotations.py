"""Heavy libraries' types for node signatures, without importing the libraries.

Kedro reads every node's annotations (``typing.get_type_hints``) to find the
parameters it validates, and listing pipelines imports every node module: with
these names the modules import neither TensorFlow, scikit-learn nor matplotlib
until a node runs. Type checkers see the real classes.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keras import Model as KerasModel
    from matplotlib.figure import Figure
    from sklearn.compose import ColumnTransformer as Preprocessor
else:
    KerasModel = Any
    Figure = Any
    Preprocessor = Any

__all__ = ["Figure", "KerasModel", "Preprocessor"]
