import numpy as np
import pytest


@pytest.fixture(scope="session")
def blobs():
    """Three well separated classes in 4 dimensions (150 rows)."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=150, centers=3, n_features=4, random_state=0)
    return X, y


@pytest.fixture(scope="session")
def friedman():
    """make_friedman1: 200 rows, 5 features, a smooth nonlinear target."""
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=200, n_features=5, noise=0.1, random_state=0)
    return X, y


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def accuracy(est, X, y):
    return float(np.mean(est.predict(X) == y))
