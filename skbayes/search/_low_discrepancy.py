"""LowDiscrepancySearchCV: a quasi-random design evaluated with cross-validation."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..sampling import SAMPLERS
from ..strategies._design import LowDiscrepancyDesign
from ._base import BaseSearch


class LowDiscrepancySearchCV(BaseSearch):
    """Search over a low-discrepancy design (Sobol, Halton, Hammersley, LHS...).

    Like :class:`~sklearn.model_selection.RandomizedSearchCV`, but the
    ``n_iter`` candidates come from a quasi-random design of the search space
    (``scipy.stats.qmc``) that covers it far more evenly than independent
    draws: fewer candidates are wasted next to each other and fewer regions are
    left unexplored. Integer and categorical dimensions keep the design's
    spread (each value owns a cell of the unit cube as wide as its
    probability), and in a space of integers and categoricals only no candidate
    is evaluated twice.

    Parameters
    ----------
    estimator : estimator object
        An object of the scikit-learn estimator interface to tune.

    search_spaces : dict or list of dict
        Parameter name -> :class:`~skbayes.space.Real`,
        :class:`~skbayes.space.Integer`, :class:`~skbayes.space.Categorical`,
        a ``(low, high)`` or ``(low, high, prior)`` tuple, a list of values, or
        a frozen ``scipy.stats`` distribution (as ``RandomizedSearchCV``
        takes). A list of dicts gives conditional subspaces; ``n_iter`` is
        then split evenly between them (a subspace with fewer distinct
        candidates than its share gets them all and passes the rest on).

    n_iter : int, default=16
        Number of candidates evaluated. A space with fewer distinct candidates
        is evaluated whole, with a warning.

    sampler : {"sobol", "halton", "hammersley", "lhs", "poisson-disk", "random"}, \
default="sobol"
        The design. ``"sobol"``: a Sobol' sequence, whose first ``2**m``
        points are balanced; when ``n_iter`` is not a power of two the design
        is the first ``n_iter`` points of the sequence (balanced up to the
        largest power of two below ``n_iter``, the rest starting the next
        balanced block), so prefer powers of two. With few points in many
        dimensions it ties the leading digits of some pairs of coordinates:
        two booleans at some positions of a 6-D space are evaluated tied in
        8 or 16 points (the combinations they miss are never tried); from 32
        points on, up to 10 dimensions, none are. ``"halton"``: a Halton
        sequence, low-discrepancy at any length. ``"hammersley"``: the
        Hammersley set of ``n_iter`` points (one coordinate a regular grid,
        the others a Halton sequence), more uniform than Halton for that
        ``n_iter`` but not extensible (a ``warm_start`` continues with a new
        set). ``"lhs"``: a Latin hypercube (every dimension stratified into
        ``n_iter`` equal slices, one point each). ``"poisson-disk"``:
        :class:`scipy.stats.qmc.PoissonDisk`, candidates kept apart by a
        minimal distance; that engine may place fewer points than asked, so
        the radius is shrunk until it places ``n_iter`` (the last missing
        points, if any, are uniform draws), exactly ``n_iter`` candidates
        are evaluated; it is refused beyond about 8 dimensions, where its
        grid would not fit in memory, and it is barely more uniform than
        random search (its point is that no two candidates are near each
        other). ``"random"``: independent uniform draws (random search).
        :mod:`skbayes.sampling` says what each design guarantees.

    scramble : bool, default=True
        Randomise the design (scipy's linear matrix scrambling and digital
        shift for Sobol, Owen-type scrambling for Halton and the Halton part
        of Hammersley, random positions in the strata for LHS).
        Unscrambled designs are deterministic and start at the corner of the
        space. Poisson-disk and random designs are random whatever its value.

    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`. With several
        metrics, ``refit`` names the one that is reported as best (and that
        adaptive searches optimise; with a callable ``refit``, the first
        metric).

    n_jobs : int, default=None
        Number of jobs to run in parallel (``-1``: all processors). Candidates
        are evaluated in batches of as many as there are workers, so a joblib
        backend such as Dask (``with joblib.parallel_backend("dask")``) widens
        the batches to the cluster.

    refit : bool, str or callable, default=True
        Refit the best candidate on the whole dataset, as in ``GridSearchCV``.

    cv : int, cross-validation generator or iterable, default=None
        Cross-validation splitting strategy, as in ``GridSearchCV``.

    verbose : int, default=0
        Verbosity, as in ``GridSearchCV``.

    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.

    random_state : int, RandomState instance or None, default=None
        Seeds the scrambling: the same seed gives the same candidates.

    error_score : "raise" or numeric, default=np.nan
        Score given to a fit that fails. With a number, the search goes on even
        when every fit of a batch fails; ``fit_errors_`` lists the failures.

    return_train_score : bool, default=False
        Also compute training scores, as in ``GridSearchCV``.

    callbacks : list of callable, default=None
        Called after every batch with a :class:`~skbayes.callbacks.SearchState`;
        one returning True stops the search. See :mod:`skbayes.callbacks`:
        ``DeadlineStopper``, ``NoImprovementStopper``, ``TargetScoreStopper``,
        ``ProgressBar``, ``CheckpointSaver`` (resume after a crash).

    warm_start : bool, default=False
        When the search is already fitted (or its ``CheckpointSaver`` file
        exists), continue from what it evaluated instead of starting over:
        with a larger ``n_iter``, only the new candidates are evaluated, on
        the same CV splits, and ``cv_results_`` holds the old rows followed by
        the new ones.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``GridSearchCV``, one row per candidate in evaluation order. If
        ``fit`` is interrupted (``KeyboardInterrupt`` or an exception) after
        some batches, it holds every candidate evaluated before the
        interruption: catch the exception and read it.

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_
        As in ``GridSearchCV``.

    fit_errors_ : dict of int -> str
        Candidates (row of ``cv_results_``) for which at least one fit failed,
        with the number of failed folds and the error.

    strategy_ : skbayes.sampling.LowDiscrepancyDesign
        The design; ``strategy_.history`` holds each evaluated candidate's
        point of the unit cube and score.

    stop_reason_ : str
        Why the search stopped: the message of the callback that stopped it,
        the budget spent, every candidate of a finite space proposed, or the
        exception that interrupted ``fit``.

    n_replayed_ : int
        Candidates taken from a checkpoint or the previous fit
        (``warm_start``) without being refitted.

    parameter_importances_ : dict of str -> float
        Estimated share of the score's variance that each parameter explains
        on its own, largest first (computed when first read; see
        :func:`skbayes.plots.plot_importances` and the user guide's
        *Diagnostics*). After ``fit``, a
        :class:`~skbayes.exceptions.BoundaryWarning` says when the best
        candidate lies at a bound of its range.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : Independent random candidates.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skbayes import LowDiscrepancySearchCV
    >>> from skbayes.space import Real
    >>> X, y = load_iris(return_X_y=True)
    >>> search = LowDiscrepancySearchCV(
    ...     SVC(), {"C": Real(1e-2, 1e2, prior="log-uniform"), "kernel": ["rbf", "linear"]},
    ...     n_iter=8, random_state=0)
    >>> bool(search.fit(X, y).best_score_ > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "sampler": [StrOptions(set(SAMPLERS))],
        "scramble": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        search_spaces,
        *,
        n_iter=16,
        sampler="sobol",
        scramble=True,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        callbacks=None,
        warm_start=False,
    ):
        super().__init__(
            estimator,
            search_spaces,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
            callbacks=callbacks,
            warm_start=warm_start,
        )
        self.n_iter = n_iter
        self.sampler = sampler
        self.scramble = scramble

    def _make_strategy(self, spaces, rng):
        return LowDiscrepancyDesign(
            spaces, self.n_iter, sampler=self.sampler, scramble=self.scramble, rng=rng
        )
