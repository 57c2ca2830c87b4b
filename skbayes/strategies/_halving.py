"""Successive halving and Hyperband: the rung schedule and the bracket strategy.

The schedule of one successive-halving *bracket* is scikit-learn's
(``HalvingRandomSearchCV``): for the same number of candidates, factor, and
minimum and maximum resources it gives the same number of rungs, the same
candidates per rung and the same resource per rung, including scikit-learn's
floating-point ``floor(log(n, factor))`` and ``aggressive_elimination`` rule.

Hyperband (Li et al., 2018) runs several brackets that trade the number of
candidates against the resource they start with; bracket ``b`` starts at
``min_resources * factor**b`` with about ``factor**b`` times fewer candidates
(scaled so that every bracket spends about as much as the first).

:class:`HalvingStrategy` is the ask/tell strategy: each ``ask`` returns a whole
rung (one ``evaluate_candidates`` call), ``tell`` promotes the best
``ceil(n / factor)`` candidates to the next rung. The candidates of the first
bracket come from a low-discrepancy design; those of every later bracket from a
proposer fitted on the highest resource level that has enough observations,
with a random fraction kept for exploration (BOHB: Falkner, Klein and Hutter,
2018), or, with ``model_levels="all"``, from a proposer fitted on every
configuration evaluated so far, ranked as successive halving ranks them.
"""

from dataclasses import dataclass, field
from math import ceil, floor, log

import numpy as np
from scipy.stats import rankdata

from ._base import Strategy
from ._design import LowDiscrepancyDesign

__all__ = ["BracketPlan", "halving_plan", "hyperband_plans", "HalvingStrategy"]


@dataclass
class BracketPlan:
    """The schedule of one successive-halving bracket.

    Attributes
    ----------
    n_candidates : int
        Candidates of the first rung.
    n_resources : list of int
        Resource of each rung.
    min_resources, max_resources : int
    n_required_iterations : int
        Rungs needed for the last one to hold fewer than ``factor`` candidates.
    n_possible_iterations : int
        Rungs that fit between ``min_resources`` and ``max_resources``.
    """

    n_candidates: int
    n_resources: list = field(default_factory=list)
    min_resources: int = 1
    max_resources: int = 1
    n_required_iterations: int = 1
    n_possible_iterations: int = 1

    @property
    def n_iterations(self):
        return len(self.n_resources)

    def rung_sizes(self, factor):
        """Candidates per rung when every candidate can be promoted."""
        sizes = [self.n_candidates]
        for _ in range(1, self.n_iterations):
            sizes.append(ceil(sizes[-1] / factor))
        return sizes


def halving_plan(
    n_candidates,
    min_resources,
    max_resources,
    factor,
    *,
    exhaust_min_resources=False,
    aggressive_elimination=False,
):
    """The rungs of one successive-halving bracket, as scikit-learn defines them.

    Parameters
    ----------
    n_candidates : int or "exhaust"
        Candidates of the first rung. ``"exhaust"``:
        ``max_resources // min_resources``, so that the last rung uses about
        ``max_resources``.
    min_resources : int
        Resource of the first rung (before ``exhaust_min_resources``).
    max_resources : int
        No rung uses more.
    factor : float
        Each rung keeps ``ceil(n / factor)`` candidates and multiplies the
        resource by ``factor``. Must be greater than 1.
    exhaust_min_resources : bool, default=False
        Raise ``min_resources`` as far as possible so that the last required
        rung uses as much of ``max_resources`` as it can (scikit-learn's
        ``min_resources="exhaust"``).
    aggressive_elimination : bool, default=False
        When ``max_resources`` does not allow enough rungs to bring the
        candidates below ``factor``, repeat the first resource level until it
        does (scikit-learn's ``aggressive_elimination``).

    Returns
    -------
    plan : BracketPlan
    """
    if factor <= 1:
        raise ValueError(f"factor must be greater than 1; got {factor!r}.")
    if n_candidates == "exhaust":
        if exhaust_min_resources:
            raise ValueError("n_candidates and min_resources cannot be both set to 'exhaust'.")
        n_candidates = max_resources // min_resources
    n_candidates = int(n_candidates)
    if n_candidates < 1:
        raise ValueError(f"n_candidates must be at least 1; got {n_candidates}.")
    # scikit-learn's own floating-point expressions, so that borderline cases
    # (log(243, 3) = 4.999...) give the same number of rungs.
    n_required = 1 + floor(log(n_candidates, factor))
    if exhaust_min_resources:
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
    min_resources = int(min_resources)
    if min_resources < 1:
        raise ValueError(f"min_resources must be at least 1; got {min_resources}.")
    if min_resources > max_resources:
        raise ValueError(
            f"min_resources_={min_resources} is greater than max_resources_={max_resources}."
        )
    n_possible = 1 + floor(log(max_resources // min_resources, factor))
    n_iterations = n_required if aggressive_elimination else min(n_possible, n_required)
    n_resources = []
    for itr in range(n_iterations):
        power = itr
        if aggressive_elimination:
            power = max(0, itr - n_required + n_possible)
        n_resources.append(min(int(factor**power * min_resources), max_resources))
    return BracketPlan(
        n_candidates=n_candidates,
        n_resources=n_resources,
        min_resources=min_resources,
        max_resources=int(max_resources),
        n_required_iterations=n_required,
        n_possible_iterations=n_possible,
    )


def hyperband_plans(first, factor, *, aggressive_elimination=False):
    """Hyperband's brackets, the first being ``first``.

    Bracket ``b`` (``b = 0 .. s``, ``s = first.n_possible_iterations - 1``)
    starts at ``first.min_resources * factor**b`` with
    ``ceil(first.n_candidates * (s + 1) / ((s + 1 - b) * factor**b))``
    candidates, so that each bracket costs about as much as the first; the
    last bracket evaluates a few candidates at ``max_resources`` only.

    Parameters
    ----------
    first : BracketPlan
        The most aggressive bracket (what plain successive halving runs).
    factor : float
    aggressive_elimination : bool, default=False

    Returns
    -------
    plans : list of BracketPlan
    """
    s = first.n_possible_iterations - 1
    plans = [first]
    for b in range(1, s + 1):
        n = ceil(first.n_candidates * (s + 1) / ((s + 1 - b) * factor**b))
        plans.append(
            halving_plan(
                max(1, n),
                min(int(factor**b * first.min_resources), first.max_resources),
                first.max_resources,
                factor,
                aggressive_elimination=aggressive_elimination,
            )
        )
    return plans


@dataclass
class Rung:
    """One rung being evaluated: what the search passes to ``evaluate_candidates``."""

    iter: int
    bracket: int
    rung: int
    n_resources: int
    n_candidates: int


class HalvingStrategy(Strategy):
    """Successive-halving brackets whose new candidates come from a proposer.

    Each :meth:`ask` returns every candidate of the next rung (``n`` is
    ignored) and sets :attr:`rung`; :meth:`tell` records the scores and
    promotes the ``ceil(n / factor)`` best candidates (failed ones rank last,
    as in scikit-learn) to the next rung. A rung whose every candidate failed
    ends its bracket: there is nothing to promote.

    Parameters
    ----------
    spaces : list of Space
    plans : list of BracketPlan
        One per bracket, in order.
    factor : float
    proposer : object
        Has ``propose(space, U, scores, n, rng) -> ndarray (n, space.n_dims)``
        (see :mod:`skbayes.strategies`).
    resource : str, default="n_samples"
        Set on every candidate to the rung's resource, unless ``"n_samples"``
        (then the search subsamples the data instead).
    random_fraction : float, default=1/3
        Probability that a candidate of a later bracket is drawn uniformly
        instead of proposed by the model.
    min_observations : int or None, default=None
        Finite scores needed at a resource level before a model is fitted on
        it. ``None``: the number of model columns plus 2 (``d + 1`` good and
        bad points, as BOHB requires), at least 3.
    sampler : str, default="sobol"
        Low-discrepancy design of the first bracket.
    cost_aware : bool, default=False
        Hand the proposer the log cost of every observation of its level
        (see :meth:`note_costs`), so that it trades expected improvement
        against expected cost.
    model_levels : {"highest", "all"}, default="highest"
        What the proposer is fitted on. ``"highest"``: the observations of
        the highest resource level with ``min_observations`` finite scores
        (BOHB). ``"all"``: every configuration evaluated so far, once, by
        the highest resource it reached with a finite score: configurations
        are ranked first by that resource, then by their score there (the
        order in which successive halving promotes them), and the proposer
        is given, as scores, the index of that resource level plus the
        score's quantile within the level (in ``(0, 1)``); a cost is the
        one at that level scaled, in proportion, to the largest resource
        evaluated so far.
    rng : numpy.random.Generator

    Attributes
    ----------
    rung : Rung or None
        The rung last asked.
    rungs : list of Rung
        Every rung asked, in order.
    observations : dict
        ``n_resources -> list of (subspace, unit point, score)``: every
        evaluation at that resource level, all brackets pooled.
    proposed_by : list of str
        For each candidate that started a bracket: ``"design"``, ``"model"``
        or ``"random"``.
    costs : dict
        ``n_resources -> list of float``, aligned with :attr:`observations`:
        the log of what fitting each candidate to that level cost (``nan``
        when the search did not say, see :meth:`note_costs`).
    """

    def __init__(
        self,
        spaces,
        plans,
        factor,
        proposer,
        *,
        resource="n_samples",
        random_fraction=1 / 3,
        min_observations=None,
        sampler="sobol",
        cost_aware=False,
        model_levels="highest",
        rng=None,
    ):
        super().__init__(spaces)
        self.plans = list(plans)
        self.factor = factor
        self.proposer = proposer
        self.resource = resource
        self.random_fraction = random_fraction
        self.min_observations = min_observations
        self.sampler = sampler
        self.cost_aware = cost_aware
        if model_levels not in ("highest", "all"):
            raise ValueError(f"model_levels must be 'highest' or 'all'; got {model_levels!r}.")
        self.model_levels = model_levels
        self.rng = np.random.default_rng(rng)
        self.costs = {}
        self._noted_costs = None
        self.rung = None
        self.rungs = []
        self.observations = {}
        self.proposed_by = []
        self.history["n_resources"] = []
        self.history["bracket"] = []
        self._bracket = -1
        self._rung_index = 0
        self._current = []  # (subspace, unit) of the rung to ask next
        self._iter = 0
        self._done = False

    # -- the bracket machinery ---------------------------------------------
    _STATE = (
        "history", "rung", "rungs", "observations", "costs", "proposed_by", "rng",
        "subsample_seed", "_bracket", "_rung_index", "_current", "_iter", "_done",
    )

    def warm_start(self, previous):
        """Continue ``previous`` (an earlier fit's strategy) with this one's brackets.

        The brackets that ``previous`` ran are kept as they were; the ones this
        strategy plans beyond them are run next, their candidates proposed
        from every observation so far.
        """
        n_done = len(previous.plans)
        if self.plans[:n_done] != previous.plans:
            raise ValueError(
                "warm_start can only add brackets to the previous fit's: its "
                "schedule differs."
            )
        for name in self._STATE:
            if hasattr(previous, name):
                setattr(self, name, previous.__dict__[name])
        if self._done:  # the previous fit ran all its brackets: go on
            self._done = False
            self._bracket = n_done - 1
            self._current = []

    @property
    def n_remaining(self):
        return 0 if self._done else None

    def _start_next_bracket(self):
        self._bracket += 1
        self._rung_index = 0
        if self._bracket >= len(self.plans):
            self._done = True
            self._current = []
            return
        n = self.plans[self._bracket].n_candidates
        if self._bracket == 0:
            design = LowDiscrepancyDesign(self.spaces, n, sampler=self.sampler, rng=self.rng)
            self._current = list(design.plan)
            self.proposed_by += ["design"] * len(self._current)
        else:
            candidates, labels = self._new_candidates(n)
            kept = self._distinct(candidates)
            self._current = [candidates[i] for i in kept]
            self.proposed_by += [labels[i] for i in kept]

    def _propose(self, n):
        if self._done:
            return []
        while not self._current:
            self._start_next_bracket()
            if self._done:
                return []
        plan = self.plans[self._bracket]
        self.rung = Rung(
            iter=self._iter,
            bracket=self._bracket,
            rung=self._rung_index,
            n_resources=plan.n_resources[self._rung_index],
            n_candidates=len(self._current),
        )
        self.rungs.append(self.rung)
        self._iter += 1
        return list(self._current)

    def ask(self, n=1):
        params = super().ask(n)
        if self.resource != "n_samples" and self.rung is not None:
            params = [{**p, self.resource: self.rung.n_resources} for p in params]
        return params

    def tell(self, params, scores):
        if self.resource != "n_samples":
            # the resource is the rung's, not a dimension of the space
            params = [{k: v for k, v in p.items() if k != self.resource} for p in params]
        super().tell(params, scores)

    def _observe(self, subspaces, units, scores):
        rung = self.rung
        n = len(scores)
        self.history["n_resources"].extend([rung.n_resources] * n)
        self.history["bracket"].extend([rung.bracket] * n)
        level = self.observations.setdefault(rung.n_resources, [])
        level.extend(zip(subspaces, units, scores))
        costs = self.__dict__.setdefault("costs", {}).setdefault(rung.n_resources, [])
        costs.extend([np.nan] * (len(level) - n - len(costs)))  # (a strategy pickled before costs)
        noted, self._noted_costs = self.__dict__.get("_noted_costs"), None
        costs.extend(noted if noted is not None and len(noted) == n else [np.nan] * n)
        order = self.promotion(scores)
        if not order:
            self._current = []  # the bracket ends
            return
        self._current = [(subspaces[i], units[i]) for i in order]
        self._rung_index += 1

    def note_costs(self, log_costs):
        """Say what the rung last asked cost, before :meth:`tell` gives its scores.

        Parameters
        ----------
        log_costs : array-like of float
            Per candidate, in the order asked: the log of the seconds that
            training it to the rung's resource takes (``nan`` if unknown).
            Kept in :attr:`costs`; proposals use them with ``cost_aware``.
        """
        self._noted_costs = [float(c) for c in np.asarray(log_costs, dtype=float).reshape(-1)]

    @property
    def ends_bracket(self):
        """Whether the rung last asked is the last one its bracket plans.

        A rung before it may still end the bracket, when every one of its
        candidates fails.
        """
        rung = self.rung
        return rung is None or rung.rung + 1 >= self.plans[rung.bracket].n_iterations

    def promotion(self, scores):
        """Which candidates of the rung last asked go on to the next rung.

        The best ``ceil(n / factor)`` by score, best first; failed candidates
        (``nan``) rank last and are promoted only when too few others are
        left, as in scikit-learn. None is promoted from a bracket's last rung
        or from a rung whose every candidate failed. The strategy's state is
        not changed: :meth:`tell` promotes these same candidates.

        Parameters
        ----------
        scores : array-like of float
            The scores of the rung's candidates, in the order asked.

        Returns
        -------
        indices : list of int
            Positions in the rung of the promoted candidates, best first.
        """
        scores = np.asarray(scores, dtype=float)
        finite = np.isfinite(scores)
        if self.ends_bracket or not finite.any():
            return []
        k = ceil(len(scores) / self.factor)
        return np.argsort(np.where(finite, -scores, np.inf), kind="stable")[:k].tolist()

    # -- proposals for a new bracket ---------------------------------------
    def _min_observations(self, space):
        if self.min_observations is not None:
            return self.min_observations
        n_cols = space.one_hot(np.full((1, space.n_dims), 0.5)).shape[1]
        return max(3, n_cols + 2)

    def _model_level(self):
        """Observations ``(subspace, unit, score, log cost)`` of the highest
        resource level with enough finite scores."""
        need = min(self._min_observations(s) for s in self.spaces)
        costs = self.__dict__.get("costs", {})
        for level in sorted(self.observations, reverse=True):
            known = costs.get(level, [])
            obs = [
                (*o, known[i] if i < len(known) else np.nan)
                for i, o in enumerate(self.observations[level])
                if np.isfinite(o[2])
            ]
            if len(obs) >= need:
                return obs
        return None

    def _model_all_levels(self):
        """Every configuration once, ``(subspace, unit, rank score, log cost)``,
        by the highest resource level it reached with a finite score; None if
        fewer than the proposer needs.

        The rank score is the level's index plus the score's quantile among
        the level's finite scores, so that it orders configurations as
        successive halving does: by the resource reached, then by score.
        """
        need = min(self._min_observations(s) for s in self.spaces)
        costs = self.__dict__.get("costs", {})
        levels = sorted(self.observations)
        if not levels:
            return None
        top = levels[-1]
        latest = {}
        for index, level in enumerate(levels):
            obs = self.observations[level]
            scores = np.array([o[2] for o in obs], dtype=float)
            finite = np.flatnonzero(np.isfinite(scores))
            if not len(finite):
                continue
            # mid-rank quantiles in (0, 1), ties sharing their mean rank
            quantile = (rankdata(scores[finite]) - 0.5) / len(finite)
            known = costs.get(level, [])
            for q, i in zip(quantile, finite):
                s, u, _ = obs[i]
                cost = known[i] if i < len(known) else np.nan
                key = (s, self.spaces[s].keys(u[None, :])[0])
                # ascending levels: a higher level's entry replaces a lower one's
                latest[key] = (s, u, index + q, cost + np.log(top / level))
        if len(latest) < need:
            return None
        return list(latest.values())

    def _distinct(self, candidates):
        """Replace candidates already evaluated at the bracket's first resource.

        A candidate for which no new one is found (a small finite space, or
        one with no free dimension) is dropped: the bracket is then smaller,
        or empty, rather than evaluating a candidate twice at one resource.

        Returns the indices of the candidates kept; ``candidates`` is updated
        in place with the replacements.
        """
        level = self.plans[self._bracket].n_resources[0]
        seen = [set() for _ in self.spaces]
        for s, u, _ in self.observations.get(level, []):
            seen[s].update(self.spaces[s].keys(u[None, :]))
        kept = []
        for i, (s, u) in enumerate(candidates):
            space = self.spaces[s]
            key = space.keys(u[None, :])[0]
            if key in seen[s] and space.n_dims:
                for v in space.sample_unit(32, self.rng):
                    if space.keys(v[None, :])[0] not in seen[s]:
                        u, key = v, space.keys(v[None, :])[0]
                        break
            if key in seen[s]:
                continue
            seen[s].add(key)
            candidates[i] = (s, u)
            kept.append(i)
        return kept

    def _new_candidates(self, n):
        rng = self.rng
        if self.__dict__.get("model_levels", "highest") == "all":
            obs = self._model_all_levels()
        else:
            obs = self._model_level()
        n_random = n if obs is None else int(rng.binomial(n, self.random_fraction))
        n_model = n - n_random
        out = []
        if n_model:
            out += self._model_candidates(obs, n_model)
        labels = ["model"] * len(out)
        n_random = n - len(out)
        if n_random:
            counts = _split_evenly(n_random, len(self.spaces), rng)
            for s, c in enumerate(counts):
                if c:
                    out += [(s, u) for u in self.spaces[s].sample_unit(c, rng)]
            labels += ["random"] * n_random
        return out, labels

    def _model_candidates(self, obs, n):
        """``n`` proposals from models fitted per subspace on ``obs``."""
        subs = np.array([o[0] for o in obs])
        scores = np.array([o[2] for o in obs])
        # share of each subspace among the best observations (plus one)
        n_top = max(1, int(np.ceil(0.15 * len(obs))))
        top = subs[np.argsort(-scores, kind="stable")[:n_top]]
        weights = np.array([1 + np.sum(top == s) for s in range(len(self.spaces))], float)
        usable = [np.sum(subs == s) >= self._min_observations(sp) for s, sp in enumerate(self.spaces)]
        weights[~np.asarray(usable)] = 0.0
        counts = _allocate_by_weight(n, weights)
        out = []
        for s, c in enumerate(counts):
            if not c:
                continue
            mask = subs == s
            U = np.asarray([o[1] for o, m in zip(obs, mask) if m])
            kwargs = {}
            if self.__dict__.get("cost_aware", False):
                kwargs["log_costs"] = np.array([o[3] for o, m in zip(obs, mask) if m], dtype=float)
            U_new = np.asarray(
                self.proposer.propose(self.spaces[s], U, scores[mask], c, self.rng, **kwargs),
                dtype=float,
            ).reshape(c, self.spaces[s].n_dims)
            out += [(s, np.clip(u, 0.0, 1.0)) for u in U_new]
        return out


def _split_evenly(n, k, rng):
    counts = np.full(k, n // k)
    counts[rng.permutation(k)[: n % k]] += 1
    return counts.tolist()


def _allocate_by_weight(n, weights):
    """Largest-remainder split of ``n`` in proportion to ``weights``."""
    weights = np.asarray(weights, float)
    if weights.sum() <= 0:
        return [0] * len(weights)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return counts.tolist()
