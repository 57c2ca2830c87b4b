"""Random-forest surrogate: the mean and the spread of scikit-learn's trees.

A forest needs no kernel and no hyperparameter search, copes with many
categorical inputs and with rugged responses, and its cost grows only as
``n log n`` with the observations, so it suits large or mostly categorical
spaces. Its uncertainty is the disagreement between trees (each grown on a
bootstrap sample), which is honest near the data and crude far from it.
"""

import numpy as np
from sklearn import config_context
from sklearn.tree import DecisionTreeRegressor

from ._base import Surrogate

__all__ = ["RandomForest"]


class RandomForest(Surrogate):
    """Random-forest surrogate (mean and standard deviation across trees).

    Parameters
    ----------
    n_estimators : int, default=32
        Number of trees.
    min_samples_leaf : int, default=2
        Minimum observations per leaf; more gives smoother means.
    max_features : float, default=0.8
        Fraction of the inputs tried at each split (diversity of the trees).
    min_std : float, default=1e-3
        Floor of the predicted standard deviation (standardised units), so
        that acquisitions never divide by zero where all trees agree.
    random_state : int, numpy Generator or None, default=None
        Seeds the bootstrap and the feature draws.

    Attributes
    ----------
    trees_ : list of sklearn.tree.DecisionTreeRegressor
        The fitted trees, each grown on a bootstrap sample (empty when
        fitted on no observation).

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.surrogates import RandomForest
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((40, 2))
    >>> rf = RandomForest(random_state=0).fit(X, X[:, 0])
    >>> mean, std = rf.predict(np.array([[0.9, 0.5]]), return_std=True)
    >>> bool(mean[0] > 0.5)
    True
    """

    def __init__(
        self,
        *,
        n_estimators=32,
        min_samples_leaf=2,
        max_features=0.8,
        min_std=1e-3,
        splitter="best",
        leaf_variance=False,
        log_scores=False,
        random_state=None,
    ):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_std = min_std
        self.splitter = splitter
        self.leaf_variance = leaf_variance
        self.log_scores = log_scores
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the forest on encoded points ``X`` and standardised scores ``y``.

        Returns
        -------
        self
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
        self.n_features_in_ = X.shape[1]
        if X.shape[0] == 0:
            self.trees_ = []
            return self
        rng = np.random.default_rng(self.random_state)
        n = X.shape[0]
        if self.log_scores:
            self.y_top_ = float(y.max())
            y = self._to_log(y)
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        self.trees_ = []
        # scikit-learn's trees, grown one by one on bootstrap weights: the
        # forest's own fit adds a joblib call, a clone and a parameter
        # validation per tree, which cost more than the trees at this size
        with config_context(skip_parameter_validation=True):
            for _ in range(self.n_estimators):
                weights = np.bincount(rng.integers(0, n, n), minlength=n).astype(float) if n > 2 else None
                tree = DecisionTreeRegressor(
                    min_samples_leaf=self.min_samples_leaf,
                    max_features=self.max_features,
                    splitter=self.splitter,
                    random_state=int(rng.integers(np.iinfo(np.int32).max)),
                )
                self.trees_.append(tree.fit(X32, y, sample_weight=weights, check_input=False))
        return self

    def predict(self, X, return_std=False):
        """Mean and standard deviation of the trees' predictions.

        Parameters
        ----------
        X : ndarray of shape (n_points, n_inputs)
        return_std : bool, default=False

        Returns
        -------
        mean : ndarray of shape (n_points,)
        std : ndarray of shape (n_points,)
            With ``return_std``.
        """
        X = np.asarray(X, dtype=float)
        if not self.trees_:
            mean, std = np.zeros(X.shape[0]), np.ones(X.shape[0])
        else:
            # the trees' own predict, without re-validating X once per tree
            X32 = np.ascontiguousarray(X, dtype=np.float32)
            if self.leaf_variance or self.log_scores:
                leaves = [tree.apply(X32, check_input=False) for tree in self.trees_]
                per_tree = np.stack([t.tree_.value[i, 0, 0] for t, i in zip(self.trees_, leaves)])
                within = np.stack([t.tree_.impurity[i] for t, i in zip(self.trees_, leaves)])
            else:
                per_tree = np.stack([tree.predict(X32, check_input=False) for tree in self.trees_])
                within = None
            if self.log_scores:
                per_tree = self._from_log(per_tree)
                within = None
            mean = per_tree.mean(axis=0)
            var = per_tree.var(axis=0)
            if self.leaf_variance and within is not None:
                var = var + within.mean(axis=0)
            std = np.maximum(np.sqrt(var), self.min_std)
        return (mean, std) if return_std else mean

    _LOG_DELTA = 1e-2

    def _to_log(self, y):
        return -np.log(self.y_top_ - y + self._LOG_DELTA)

    def _from_log(self, t):
        return self.y_top_ + self._LOG_DELTA - np.exp(-t)
