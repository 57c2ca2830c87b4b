"""EvolutionarySearchCV: a genetic algorithm or CMA-ES, one generation per batch."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..strategies._cmaes import CMAESStrategy
from ..strategies._ga import GeneticAlgorithm
from ._base import BaseSearch


class EvolutionarySearchCV(BaseSearch):
    """Search with a population that evolves: a genetic algorithm or CMA-ES.

    Each generation of ``population_size`` candidates is evaluated as one
    batch of ``evaluate_candidates``, so that every candidate x fold of a
    generation runs in parallel under any joblib backend (Dask, Ray, ...); the
    results do not depend on ``n_jobs``. A candidate identical to one already
    evaluated (the same integers, categories and real values) is never fitted
    twice: its score is reused. At most ``population_size * generations``
    candidates are evaluated.

    ``algorithm="ga"``: a genetic algorithm on the search space's unit cube
    (:class:`skbayes.evolution.GeneticAlgorithm`). The first generation is a
    scrambled Sobol' design; each next one is bred by tournament selection,
    crossover (real and integer values blend between the parents,
    categories are inherited from either) and mutation (Gaussian steps for
    real and integer values, a different category for categoricals), and the
    ``elitism`` best candidates survive. Any space works, conditional
    subspaces (a list of dicts) included.

    ``algorithm="cmaes"``: the covariance matrix adaptation evolution strategy
    (:class:`skbayes.evolution.CMAES`), which learns the scales and
    correlations of good steps; it suits spaces of a few to a few tens of
    real or integer dimensions (integers get a margin so they never freeze)
    and budgets of several generations. It refuses categorical dimensions.

    Parameters
    ----------
    estimator : estimator object
        An object of the scikit-learn estimator interface to tune.

    search_spaces : dict or list of dict
        Parameter name -> :class:`~skbayes.space.Real`,
        :class:`~skbayes.space.Integer`, :class:`~skbayes.space.Categorical`,
        a ``(low, high)`` or ``(low, high, prior)`` tuple, a list of values, or
        a frozen ``scipy.stats`` distribution. A list of dicts gives
        conditional subspaces (``algorithm="ga"`` only); crossover then mixes
        parents of the same subspace.

    population_size : int, default=10
        Candidates per generation, at least 2 (lambda for CMA-ES). This, not
        ``n_jobs``, is the batch size.

    generations : int, default=8
        Number of generations, the first included.

    algorithm : {"ga", "cmaes"}, default="ga"
        The evolutionary algorithm.

    crossover_probability : float in [0, 1], default=0.8
        Probability that an offspring is the crossover of its two parents
        rather than a copy of the first (``"ga"`` only).

    mutation_probability : float in [0, 1], default=0.3
        Probability that an offspring is mutated; a mutated offspring changes
        each value with probability ``1 / n_dimensions``, at least one
        (``"ga"`` only). Offspring identical to an evaluated candidate are
        mutated in any case.

    mutation_scale : float in (0, 1], default=0.15
        Standard deviation of the Gaussian steps of mutation, in units of each
        dimension's range (of its logarithm for a log-uniform prior). With
        ``"cmaes"``, the initial step size.

    tournament_size : int, default=3
        Candidates compared in each tournament that selects a parent; larger
        values select harder (``"ga"`` only).

    elitism : int or "auto", default="auto"
        Number of best candidates of a generation kept in the next one; less
        than ``population_size`` (``"ga"`` only). ``"auto"``: 2, or
        ``population_size - 1`` for a population of 2.

    patience : int or None, default=None
        Stop after this many generations without a better best score.

    target_score : float or None, default=None
        Stop after the generation in which a candidate scores at least this
        (the refit metric, greater is better).

    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`. With several
        metrics, the search optimises the ``refit`` one.

    n_jobs : int, default=None
        Number of jobs to run in parallel (``-1``: all processors).

    refit : bool, str or callable, default=True
        Refit the best candidate on the whole dataset, as in ``GridSearchCV``.

    cv : int, cross-validation generator or iterable, default=None
        Cross-validation splitting strategy, as in ``GridSearchCV``.

    verbose : int, default=0
        Verbosity, as in ``GridSearchCV``.

    pre_dispatch : int or str, default="2*n_jobs"
        As in ``GridSearchCV``.

    random_state : int, RandomState instance or None, default=None
        Seeds the design, selection, crossover and mutation: the same seed
        gives the same candidates.

    error_score : "raise" or numeric, default=np.nan
        Score given to a fit that fails. A failed candidate ranks below every
        other in selection; the search goes on.

    return_train_score : bool, default=False
        Also compute training scores, as in ``GridSearchCV``.

    callbacks : list of callable, default=None
        Called after every generation with a
        :class:`~skbayes.callbacks.SearchState`; one returning True stops the
        search. See :mod:`skbayes.callbacks` (deadline, progress bar,
        ``CheckpointSaver`` to resume after a crash).

    warm_start : bool, default=False
        When the search is already fitted (or its ``CheckpointSaver`` file
        exists), continue from what it evaluated: with a larger
        ``generations``, the earlier generations are replayed from the record
        without refitting (they show 0 new evaluations in ``history_``) and
        only the new ones are evaluated, on the same CV splits.

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        As in ``GridSearchCV``, one row per evaluated candidate, in evaluation
        order (generation after generation). Kept when ``fit`` is
        interrupted.

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, classes_, n_features_in_, \
feature_names_in_
        As in ``GridSearchCV``.

    history_ : dict of str -> ndarray
        One entry per generation, ready for ``pandas.DataFrame(history_)``:
        ``generation``; ``best``, ``mean``, ``std``, ``min`` of the
        generation's scores (failed fits left out); ``best_so_far``;
        ``n_new_evaluations`` (candidates fitted in that generation; the others
        reused a known score); ``n_failed``.

    n_generations_ : int
        Number of generations run.

    stop_reason_ : str
        Why the search stopped: the generation budget, ``patience``,
        ``target_score``, every candidate of a finite space evaluated, or the
        message of the callback that stopped it.

    fit_errors_ : dict of int -> str
        Candidates (row of ``cv_results_``) for which at least one fit failed.

    strategy_ : GeneticAlgorithm or CMAESStrategy
        The strategy; ``strategy_.history`` holds every evaluated candidate's
        unit-cube point and score.

    parameter_importances_ : dict of str -> float
        Estimated share of the score's variance that each parameter explains
        on its own, largest first (computed when first read; see
        :func:`skbayes.plots.plot_importances` and the user guide's
        *Diagnostics*). After ``fit``, a
        :class:`~skbayes.exceptions.BoundaryWarning` says when the best
        candidate lies at a bound of its range.

    See Also
    --------
    LowDiscrepancySearchCV : A quasi-random design, no adaptation.

    Notes
    -----
    ``patience`` and ``target_score`` are checked between generations, so a
    generation is always evaluated whole. ``strategy_.should_stop()`` gives
    the same decision to a callback that runs after each batch.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skbayes import EvolutionarySearchCV
    >>> from skbayes.space import Real
    >>> X, y = load_iris(return_X_y=True)
    >>> search = EvolutionarySearchCV(
    ...     SVC(), {"C": Real(1e-2, 1e2, prior="log-uniform"), "kernel": ["rbf", "linear"]},
    ...     population_size=6, generations=3, random_state=0)
    >>> bool(search.fit(X, y).best_score_ > 0.9)
    True
    >>> search.history_["n_new_evaluations"].tolist()
    [6, 6, 6]
    """

    _parameter_constraints: dict = {
        **BaseSearch._parameter_constraints,
        "population_size": [Interval(Integral, 2, None, closed="left")],
        "generations": [Interval(Integral, 1, None, closed="left")],
        "algorithm": [StrOptions({"ga", "cmaes"})],
        "crossover_probability": [Interval(Real, 0, 1, closed="both")],
        "mutation_probability": [Interval(Real, 0, 1, closed="both")],
        "mutation_scale": [Interval(Real, 0, 1, closed="right")],
        "tournament_size": [Interval(Integral, 1, None, closed="left")],
        "elitism": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "target_score": [Real, None],
    }

    def __init__(
        self,
        estimator,
        search_spaces,
        *,
        population_size=10,
        generations=8,
        algorithm="ga",
        crossover_probability=0.8,
        mutation_probability=0.3,
        mutation_scale=0.15,
        tournament_size=3,
        elitism="auto",
        patience=None,
        target_score=None,
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
        self.population_size = population_size
        self.generations = generations
        self.algorithm = algorithm
        self.crossover_probability = crossover_probability
        self.mutation_probability = mutation_probability
        self.mutation_scale = mutation_scale
        self.tournament_size = tournament_size
        self.elitism = elitism
        self.patience = patience
        self.target_score = target_score

    def _make_strategy(self, spaces, rng):
        stop = dict(patience=self.patience, target_score=self.target_score)
        if self.algorithm == "cmaes":
            return CMAESStrategy(
                spaces,
                population_size=self.population_size,
                generations=self.generations,
                sigma0=self.mutation_scale,
                rng=rng,
                **stop,
            )
        elitism = min(2, self.population_size - 1) if self.elitism == "auto" else self.elitism
        if elitism >= self.population_size:
            raise ValueError(
                f"elitism must be less than population_size={self.population_size} "
                f"(some offspring must enter each generation) or 'auto'; got "
                f"elitism={self.elitism}."
            )
        return GeneticAlgorithm(
            spaces,
            population_size=self.population_size,
            generations=self.generations,
            crossover_probability=self.crossover_probability,
            mutation_probability=self.mutation_probability,
            mutation_scale=self.mutation_scale,
            tournament_size=self.tournament_size,
            elitism=elitism,
            rng=rng,
            **stop,
        )

    def _batch_size(self, n_workers):
        """A whole generation per batch, whatever the number of workers."""
        return self.population_size

    def _run_search(self, evaluate_candidates, *, callback_ctx=None):
        for name in ("strategy_", "history_", "n_generations_", "stop_reason_"):
            self.__dict__.pop(name, None)  # from an earlier fit
        try:
            super()._run_search(evaluate_candidates, callback_ctx=callback_ctx)
        finally:
            strategy = getattr(self, "strategy_", None)
            if isinstance(strategy, (GeneticAlgorithm, CMAESStrategy)):
                self.history_ = strategy.generation_history()
                self.n_generations_ = strategy.generation

    def _why_done(self, strategy):
        """The generation budget, ``patience``, ``target_score`` or a finite space exhausted."""
        return strategy.should_stop() or super()._why_done(strategy)
