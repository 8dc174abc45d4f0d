"""The simple models fitted beside a network, so its metrics have something to beat."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dl_experiments.config.base import PositiveInt, Strict


class LogisticRegressionConfig(Strict):
    """A multinomial logistic regression (scikit-learn, lbfgs, L2 penalty).

    ``C`` is the inverse regularisation strength; ``max_iter`` caps the lbfgs
    iterations, which bounds the fit time (on all 54,000 Fashion-MNIST training
    images the fit stops there rather than at ``tol``).
    """

    C: Annotated[float, Field(gt=0)] = 1.0
    max_iter: PositiveInt = 100
    tol: Annotated[float, Field(gt=0)] = 1e-4


class ImageBaselinesConfig(Strict):
    """The baselines of an image classifier, fitted on the pixels of its training
    images (scaled to [0, 1], flattened).

    ``threads`` caps the BLAS / OpenMP threads of the fit and the predictions
    (threadpoolctl): the matrix products of a linear model on 784 pixels are small,
    and on a busy machine more threads slow them down many times over.
    """

    logistic_regression: LogisticRegressionConfig = LogisticRegressionConfig()
    threads: PositiveInt = 1
