"""scikit-learn's own estimator checks, every one of them, on both estimators."""
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from chainrule.sklearn import MLPClassifier, MLPRegressor

# scikit-learn's own MLP checks run with max_iter=100 as well; no check is skipped
ESTIMATORS = [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
