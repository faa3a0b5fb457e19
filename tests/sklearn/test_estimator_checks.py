"""scikit-learn's own estimator checks, every one of them, on both estimators."""
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.sklearn import MLPClassifier, MLPRegressor

# max_iter=100, as scikit-learn runs these checks on its own MLPs; no check is marked as an
# expected failure (the only skips are the checks that need pandas when it is absent)
ESTIMATORS = [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
