"""Random-forest surrogate: the mean and the spread of scikit-learn's trees.

A forest needs no kernel and no hyperparameter search, copes with many
categorical inputs and with rugged responses, and its cost grows only as
``n log n`` with the observations, so it suits large or mostly categorical
spaces. Its uncertainty is, by the law of total variance, the disagreement
between trees (each grown on a bootstrap sample) plus the mean spread of the
scores within the leaves a point falls in: the disagreement alone is largest
far from the data, at the edges of the box, where the trees' constant leaves
extrapolate differently, and it is nearly zero inside a leaf the trees share,
so expected improvement on it alone chases the box's corners while a few
evaluations are all there is.
"""

from numbers import Integral, Real

import numpy as np
from sklearn import config_context
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils._param_validation import Interval

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
    leaf_variance : bool, default=True
        Whether the predicted variance adds the mean within-leaf variance of
        the scores (the variance of the scores of the bootstrap sample in the
        leaf a point falls in, averaged over the trees) to the variance of
        the trees' means (the law of total variance). False: the variance
        between the trees only (the behaviour before 2026-12).
    random_state : int, numpy Generator or None, default=None
        Seeds the bootstrap and the feature draws.

    Attributes
    ----------
    trees_ : list of sklearn.tree.DecisionTreeRegressor
        The fitted trees, each grown on a bootstrap sample (empty when
        fitted on no observation).
    n_features_in_ : int
        Number of encoded inputs seen at fit.

    Notes
    -----
    The class attribute ``mean_incumbent = True`` makes the optimizer's
    ``incumbent="auto"`` take the greatest mean of the forest at the told
    points as the incumbent of EI and PI: a leaf mean is below the best score
    in it, so against the best told score expected improvement is only ever
    earned by uncertainty, which sent the first proposals to the edges of
    the box (docs/benchmarks.md, "Small budgets").

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

    #: ``incumbent="auto"`` of the optimizer takes the best mean at the told points.
    mean_incumbent = True

    _parameter_constraints: dict = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Real, 0.0, 1.0, closed="right")],
        "min_std": [Interval(Real, 0.0, None, closed="right")],
        "leaf_variance": ["boolean"],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        *,
        n_estimators=32,
        min_samples_leaf=2,
        max_features=0.8,
        min_std=1e-3,
        leaf_variance=True,
        random_state=None,
    ):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.min_std = min_std
        self.leaf_variance = leaf_variance
        self.random_state = random_state

    def fit(self, X, y):
        """Grow the forest on encoded points ``X`` and standardised scores ``y``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If a parameter is out of its range (the message names it).
        """
        self._validate_params()
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).reshape(-1)
        self.n_features_in_ = X.shape[1]
        if X.shape[0] == 0:
            self.trees_ = []
            return self
        rng = np.random.default_rng(self.random_state)
        n = X.shape[0]
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
                    random_state=int(rng.integers(np.iinfo(np.int32).max)),
                )
                self.trees_.append(tree.fit(X32, y, sample_weight=weights, check_input=False))
        return self

    def predict(self, X, return_std=False):
        """Mean and standard deviation of the forest's predictions.

        Parameters
        ----------
        X : ndarray of shape (n_points, n_inputs)
        return_std : bool, default=False

        Returns
        -------
        mean : ndarray of shape (n_points,)
            The mean of the trees' leaf means.
        std : ndarray of shape (n_points,)
            With ``return_std``: the square root of the variance of the
            trees' leaf means, plus their mean within-leaf variance with
            ``leaf_variance``; at least ``min_std``.
        """
        X = np.asarray(X, dtype=float)
        if not self.trees_:
            mean, std = np.zeros(X.shape[0]), np.ones(X.shape[0])
            return (mean, std) if return_std else mean
        # the leaves and their stored means and (weighted) variances, without
        # re-validating X once per tree
        X32 = np.ascontiguousarray(X, dtype=np.float32)
        leaves = [tree.apply(X32, check_input=False) for tree in self.trees_]
        per_tree = np.stack([t.tree_.value[i, 0, 0] for t, i in zip(self.trees_, leaves)])
        mean = per_tree.mean(axis=0)
        if not return_std:
            return mean
        var = per_tree.var(axis=0)
        if self.leaf_variance:
            var = var + np.stack([t.tree_.impurity[i] for t, i in zip(self.trees_, leaves)]).mean(axis=0)
        return mean, np.maximum(np.sqrt(np.maximum(var, 0.0)), self.min_std)
