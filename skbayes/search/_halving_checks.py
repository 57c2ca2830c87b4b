"""What HalvingBayesSearchCV needs beside its class: fit-time checks and rung helpers.

- :class:`_HalvingChecks`: the checks ``BaseSearchCV.fit`` runs before the
  search (``_check_input_parameters``): the resource, the aliases of
  ``min_resources`` / ``max_resources``, the resources of the schedule and
  whether fold models can continue across rungs (``resume``);
- :class:`_SubsampleSplitter`: the CV splits of a rung trained on a subsample
  (``resource="n_samples"``);
- :func:`make_proposer`: the model that proposes the candidates of later
  brackets.
"""

import copy

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import resample
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples

from ..strategies._proposers import ParzenProposer, SurrogateProposer
from ._continue import how_to_continue


class _SubsampleSplitter:
    """The splits of ``base_cv`` with a fixed fraction of each side kept.

    The same ``random_state`` gives the same subsamples at every call, so that
    every candidate of a rung sees the same data. With ``stratify`` (for
    classifiers) the subsamples keep the class proportions of their fold, so
    that small rungs still see every class.
    """

    def __init__(self, base_cv, fraction, random_state, stratify=False):
        self.base_cv = base_cv  # a splitter, or a list of (train, test)
        self.fraction = fraction
        self.random_state = random_state
        self.stratify = stratify

    def get_n_splits(self, X=None, y=None, groups=None):
        if isinstance(self.base_cv, list):
            return len(self.base_cv)
        return self.base_cv.get_n_splits(X, y, groups)

    def _subsample(self, idx, y):
        n = int(self.fraction * len(idx))
        strata = None
        if self.stratify and y is not None:
            strata = np.asarray(y)[idx]
            # (axis=0 only for 2-d targets: older numpy refuses it on object arrays)
            n_classes = len(np.unique(strata, axis=0) if strata.ndim > 1 else np.unique(strata))
            if n_classes > n:  # too few samples to stratify
                strata = None
        return resample(
            idx, replace=False, random_state=self.random_state, n_samples=n, stratify=strata
        )

    def split(self, X, y=None, **kwargs):
        splits = self.base_cv if isinstance(self.base_cv, list) else self.base_cv.split(X, y, **kwargs)
        for train, test in splits:
            yield self._subsample(train, y), self._subsample(test, y)


def make_proposer(surrogate):
    """The proposer of later brackets for ``surrogate`` (see :mod:`skbayes.strategies`).

    A proposer (an object with ``propose(space, U, scores, n, rng)``) is used
    as it is, a copy of it; a surrogate name or object is wrapped.
    """
    if isinstance(surrogate, str) and surrogate == "kde":
        return ParzenProposer()
    if callable(getattr(surrogate, "propose", None)) and not hasattr(surrogate, "fit"):
        return copy.deepcopy(surrogate)
    return SurrogateProposer(surrogate)


class _HalvingChecks:
    """Fit-time checks of :class:`~skbayes.HalvingBayesSearchCV`'s parameters."""

    def _resolve_aliases(self):
        min_r, max_r = self.min_resources, self.max_resources
        for alias, value, name, default in (
            ("min_n_samples", self.min_n_samples, "min_resources", "smallest"),
            ("max_n_samples", self.max_n_samples, "max_resources", "auto"),
        ):
            if value is None:
                continue
            if self.resource != "n_samples":
                raise ValueError(
                    f"{alias} is an alias of {name} for resource='n_samples'; "
                    f"with resource={self.resource!r} set {name} instead."
                )
            if getattr(self, name) != default:
                raise ValueError(
                    f"{alias}={value!r} and {name}={getattr(self, name)!r} both "
                    f"given; {alias} is an alias of {name}: set only one."
                )
            if name == "min_resources":
                min_r = value
            else:
                max_r = value
        return min_r, max_r

    def _check_input_parameters(self, X, y, split_params):
        if self.resource != "n_samples":
            valid = clone(self.estimator).get_params(deep=True)
            if self.resource not in valid:
                try:  # skorch nets accept routed parameters that get_params omits
                    clone(self.estimator).set_params(**{self.resource: 1})
                except (ValueError, TypeError):
                    raise ValueError(
                        f"resource={self.resource!r} is not a parameter of "
                        f"{type(self.estimator).__name__}: use 'n_samples' or one "
                        f"of {sorted(valid)}."
                    ) from None
        min_r, max_r = self._resolve_aliases()
        if min_r == "exhaust" and self.n_candidates == "exhaust":
            raise ValueError("n_candidates and min_resources cannot be both set to 'exhaust'.")
        self._n_samples_orig = _num_samples(X)
        if min_r in ("smallest", "exhaust"):
            if self.resource == "n_samples":
                n_splits = self._checked_cv_orig.get_n_splits(X, y, **split_params)
                min_r = 2 * n_splits
                if is_classifier(self.estimator) and y is not None:
                    y_ = np.asarray(y)
                    check_classification_targets(y_)
                    min_r *= np.unique(y_).shape[0]
            else:
                min_r = 1
        what = ""
        if max_r == "auto":
            if self.resource != "n_samples":
                raise ValueError(
                    f"max_resources='auto' means the number of samples; with "
                    f"resource={self.resource!r} give max_resources as an int."
                )
            max_r = self._n_samples_orig
            what = f" (the number of samples, n_samples={max_r})"
        if min_r > max_r:
            raise ValueError(
                f"min_resources_={min_r} is greater than max_resources_={max_r}"
                f"{what}: lower min_resources or raise max_resources."
            )
        self.min_resources_ = int(min_r)
        self.max_resources_ = int(max_r)
        self._resume_way = self._check_resume()

    def _check_resume(self):
        """How fold models continue across rungs in this fit (None: they do not)."""
        if self.resume is False:
            return None
        if self.resource == "n_samples":
            if self.resume is True:
                raise ValueError(
                    "resume=True continues fits over an estimator parameter, but "
                    "resource='n_samples' trains every rung on more samples: set "
                    "resource to a parameter such as 'max_iter' or 'n_estimators', or "
                    "resume to 'auto' or False."
                )
            return None
        way, reason = how_to_continue(self.estimator, self.resource)
        if way is None and self.resume is True:
            raise ValueError(
                f"resume=True, but {type(self.estimator).__name__} cannot continue a "
                f"fit over resource={self.resource!r}: {reason}. Set resume='auto' or "
                f"False to train every rung from scratch."
            )
        return way
