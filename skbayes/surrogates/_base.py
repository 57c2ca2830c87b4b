"""The surrogate protocol: what the optimizer asks of a model.

There are two kinds of surrogates.

**Regression surrogates** (:class:`Surrogate`: the GP, the random forest, or
your own) predict a mean and a standard deviation; an acquisition function
turns them into a value to maximise. They implement::

    fit(X, y) -> self
    predict(X, return_std=False) -> mean  or  (mean, std)

- ``X`` has one row per candidate in the *model encoding* of a subspace
  (``Space.one_hot``: numeric coordinates in ``[0, 1]``, categoricals one-hot),
  unless the class sets ``encoding = "unit"`` (one coordinate per dimension,
  ``Space.to_unit``).
- ``y`` holds standardised scores (mean 0, std 1), **greater is better**.
  Failed candidates arrive already imputed (one standard deviation below the
  worst observed score), so a surrogate never sees ``nan``.
- ``fit`` may be called with zero rows (a subspace with no observation yet):
  ``predict`` must then return the prior.

Optional hooks, used when present:

- ``update(X, y) -> self``: fit on a few more (pretend) observations keeping the
  learned hyperparameters. The batch path (constant liar) calls it instead of
  ``fit`` for the 2nd, 3rd, ... point of a batch. The default is ``fit``.
- ``predict(X, return_std=True, return_grad=True)`` returning
  ``(mean, std, d_mean, d_std)`` with derivatives of shape ``X.shape``, and
  ``has_gradient = True``: the optimizer then refines the best candidates by
  L-BFGS-B on the continuous coordinates.
- ``learns_noise = True``: the model fits the noise of the scores, so its
  mean at a told point is a denoised score; the optimizer's default
  ``incumbent="auto"`` then takes the greatest such mean as the incumbent of
  EI and PI (otherwise the greatest told score).
- ``mean_incumbent = True``: the same choice of incumbent for a model that
  does not learn the noise but whose mean at the told points is a better bar
  than the greatest score (the random forest: its leaf means lie below it).
- ``set_column_kinds(kinds) -> self``: called once on each fresh copy,
  before its first ``fit``, with what each column of ``X`` holds (a tuple of
  ``"real"``, ``"integer"`` or ``"categorical"``, one per column of the
  model's encoding; ``Space.column_kinds``). The columns of a subspace never
  change, so the kinds hold for every later ``fit`` and ``update``. The GP
  reads them to bound the length scales of ordered inputs only
  (``GaussianProcess(max_ordered_lengthscale=...)``).
- ``random_state``: a parameter the optimizer seeds from its own generator
  when it is ``None``, so that searches are reproducible.

**Sampling surrogates** (:class:`SamplingSurrogate`, e.g. TPE) propose
candidates by their own rule instead of through an acquisition::

    fit(X, y) -> self
    propose(space, n_candidates, rng) -> (U, values)

where ``U`` are points of the subspace's unit cube and ``values`` their merit
(greater is better); the optimizer takes the best one not evaluated yet.

Surrogates are scikit-learn style estimators (parameters stored by
``__init__``, learned state with a trailing underscore), so that ``clone``
gives the fresh copy the optimizer fits for each subspace.
"""

from abc import ABC, abstractmethod

from sklearn.base import BaseEstimator

__all__ = ["Surrogate", "SamplingSurrogate"]


class Surrogate(BaseEstimator, ABC):
    """Base class of regression surrogates (mean and standard deviation).

    Subclasses write ``fit`` and ``predict``; see the module docstring for the
    optional ``update`` and gradient hooks.
    """

    #: "one_hot" (``Space.one_hot``) or "unit" (``Space.to_unit``).
    encoding = "one_hot"
    #: Whether ``predict`` accepts ``return_grad=True``.
    has_gradient = False

    @abstractmethod
    def fit(self, X, y):
        """Fit on encoded points ``X`` (n, n_columns) and standardised scores ``y``."""

    @abstractmethod
    def predict(self, X, return_std=False):
        """Posterior mean (and standard deviation) at encoded points ``X``."""

    def update(self, X, y):
        """Fit on ``X, y`` keeping learned hyperparameters (default: ``fit``)."""
        return self.fit(X, y)


class SamplingSurrogate(BaseEstimator, ABC):
    """Base class of surrogates that propose candidates by their own rule."""

    encoding = "unit"
    has_gradient = False

    @abstractmethod
    def fit(self, X, y):
        """Fit on unit-cube points ``X`` (n, n_dims) and standardised scores ``y``."""

    @abstractmethod
    def propose(self, space, n_candidates, rng):
        """Return ``(U, values)``: candidate unit points and their merit."""

    def update(self, X, y):
        """Fit on ``X, y`` (the batch path calls this for each further point)."""
        return self.fit(X, y)


def _for_space(model, space):
    """Tell ``model`` the kinds of its input columns in ``space`` (the optional hook); return it."""
    hook = getattr(model, "set_column_kinds", None)
    if callable(hook):
        hook(space.column_kinds(getattr(model, "encoding", "one_hot")))
    return model


def _encode(model, space, U):
    """Unit points ``U`` of ``space`` in the encoding ``model`` reads (its ``encoding``)."""
    U = space.as_points(U)
    if getattr(model, "encoding", "one_hot") == "unit":
        return U
    return space.one_hot(U)
