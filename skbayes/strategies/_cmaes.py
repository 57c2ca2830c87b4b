"""CMA-ES: the engine :class:`CMAES`, the strategy :class:`CMAESStrategy` and :func:`check_cmaes_space`.

:class:`CMAES` is a small (mu/mu_w, lambda)-CMA-ES on the box ``[0, 1]^d``
(Hansen's tutorial, 2016), with a margin for integer coordinates (Hamano et
al., 2022) so that they never freeze on one value. :class:`CMAESStrategy`
runs it as a generational strategy (:mod:`skbayes.strategies._generational`)
over one numeric search space; :func:`check_cmaes_space` says, naming the
dimension, why a space cannot be searched so. The public path of
:class:`CMAES` and :class:`CMAESStrategy` is :mod:`skbayes.evolution`.
"""

import math

import numpy as np
from scipy.special import ndtri

from ._generational import _GenerationalStrategy
from ._operators import _fitness, reflect
from ..space import Categorical, Distribution, Integer

__all__ = ["CMAES", "CMAESStrategy", "check_cmaes_space"]

#: Above this many values an integer coordinate is treated as continuous by
#: the CMA-ES margin (its cells are then narrower than any useful step).
_MAX_MARGIN_CELLS = 1000


def _integer_edges(dim):
    """Interior cell edges of an integer coordinate in the cube, or None."""
    if isinstance(dim, Integer):
        card = dim.cardinality
        if card > _MAX_MARGIN_CELLS:
            return None
        if dim.prior == "log-uniform":
            lo, hi = dim._log_edges()
            ks = np.arange(int(dim.low) + 1, int(dim.high) + 1, dtype=float)
            return (np.log(ks) - lo) / (hi - lo)
        return np.arange(1, card) / card
    if isinstance(dim, Distribution) and dim.is_finite and dim.cardinality <= _MAX_MARGIN_CELLS:
        lo, hi = dim.dist.support()
        return np.asarray(dim.dist.cdf(np.arange(int(lo), int(hi))), dtype=float)
    return None


class CMAES:
    """A (mu/mu_w, lambda)-CMA-ES on the box ``[0, 1]^d`` (greater is better).

    The update is the one of Hansen's tutorial ("The CMA Evolution Strategy: A
    Tutorial", 2016, algorithm of appendix A, positive weights): weighted
    recombination of the best half, cumulative step-size adaptation, rank-one
    and rank-mu covariance updates. Samples that leave the box are folded back
    by :func:`reflect`; the step of a folded sample is recomputed from the
    point actually evaluated and its Mahalanobis length capped at
    ``sqrt(d) + 2d/(d+2)``, as Hansen recommends for repaired or injected
    solutions ("Injecting External Solutions Into CMA-ES", 2011).

    Coordinates listed in ``integer_edges`` get a margin (Hamano et al.,
    "CMA-ES with Margin", GECCO 2022): their marginal standard deviation is
    kept large enough that a sample crosses the cell edge nearest to the mean
    with probability at least ``1 / (d * population_size)``, so an integer
    never freezes on one value while the others converge.

    Parameters
    ----------
    mean : array-like of shape (d,)
        Initial mean, in ``[0, 1]``.
    sigma : float
        Initial step size (in unit-cube lengths), > 0.
    population_size : int or None, default=None
        Samples per generation (lambda); None: ``4 + floor(3 ln d)``.
    integer_edges : dict of int -> ndarray, default=None
        Coordinate -> interior cell edges, for integer coordinates.
    rng : numpy.random.Generator, int or None

    Attributes
    ----------
    mean, sigma, C : the distribution's state.
    generation : int
        Number of completed updates.

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes.evolution import CMAES
    >>> es = CMAES(np.full(3, 0.5), 0.2, rng=0)
    >>> for _ in range(100):
    ...     X = es.ask()
    ...     es.tell(X, -np.sum((X - 0.3) ** 2, axis=1))
    >>> bool(np.allclose(es.mean, 0.3, atol=1e-4))
    True
    """

    def __init__(self, mean, sigma, *, population_size=None, integer_edges=None, rng=None):
        mean = np.asarray(mean, dtype=float).reshape(-1)
        n = mean.size
        if n < 1:
            raise ValueError("CMA-ES needs at least one coordinate.")
        if not sigma > 0:
            raise ValueError(f"sigma must be > 0; got {sigma!r}.")
        lam = int(population_size) if population_size is not None else 4 + int(3 * math.log(n))
        if lam < 2:
            raise ValueError(f"population_size must be >= 2; got {lam}.")
        self.rng = np.random.default_rng(rng)
        self.n, self.lam = n, lam
        self.mu = lam // 2
        w = math.log((lam + 1) / 2) - np.log(np.arange(1, self.mu + 1))
        self.weights = w / w.sum()
        self.mueff = 1.0 / np.sum(self.weights**2)
        mueff = self.mueff
        self.cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
        self.cs = (mueff + 2) / (n + mueff + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + mueff)
        self.cmu = min(1 - self.c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        self.damps = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + self.cs
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n**2))
        self.mean = np.clip(mean, 0.0, 1.0)
        self.sigma = float(sigma)
        self.C = np.eye(n)
        self.B, self.D = np.eye(n), np.ones(n)
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.integer_edges = {int(j): np.asarray(e, float) for j, e in (integer_edges or {}).items()}
        self.margin_alpha = 1.0 / (n * lam)
        self.A = np.ones(n)
        self.generation = 0
        self._asked = None
        self._update_margin()

    # -- sampling ----------------------------------------------------------------
    def _inv_sqrt_C(self, y):
        return (self.B @ ((self.B.T @ y.T) / self.D[:, None])).T

    def ask(self):
        """Sample one generation, shape (population_size, d), inside ``[0, 1]^d``."""
        z = self.rng.standard_normal((self.lam, self.n))
        Y = (z * self.D) @ self.B.T
        X = reflect(self.mean + self.sigma * self.A * Y)
        Y = (X - self.mean) / (self.sigma * self.A)
        # Cap the Mahalanobis length of repaired steps (Hansen, 2011).
        norms = np.linalg.norm(self._inv_sqrt_C(Y), axis=1)
        cap = math.sqrt(self.n) + 2 * self.n / (self.n + 2)
        Y *= np.minimum(1.0, cap / np.maximum(norms, 1e-300))[:, None]
        self._asked = (X.copy(), Y)
        return X

    def tell(self, X, scores):
        """Update the distribution from the scores of the last :meth:`ask`.

        Parameters
        ----------
        X : ndarray of shape (population_size, d)
            The points :meth:`ask` returned, in the same order.
        scores : array-like of shape (population_size,)
            Greater is better; ``nan`` ranks last.
        """
        if self._asked is None or not np.array_equal(np.asarray(X, float), self._asked[0]):
            raise ValueError("tell expects the points of the last ask, in the same order.")
        Y = self._asked[1]
        self._asked = None
        fit = _fitness(scores)
        if fit.shape != (self.lam,):
            raise ValueError(f"tell expects {self.lam} scores; got {fit.shape}.")
        order = np.argsort(-fit, kind="stable")[: self.mu]
        y_w = self.weights @ Y[order]
        n = self.n
        self.mean = np.clip(self.mean + self.sigma * self.A * y_w, 0.0, 1.0)
        self.ps = (1 - self.cs) * self.ps + math.sqrt(self.cs * (2 - self.cs) * self.mueff) * self._inv_sqrt_C(
            y_w[None, :]
        )[0]
        norm_ps = np.linalg.norm(self.ps)
        g = self.generation + 1
        hsig = norm_ps / math.sqrt(1 - (1 - self.cs) ** (2 * g)) / self.chi_n < 1.4 + 2 / (n + 1)
        self.pc = (1 - self.cc) * self.pc + hsig * math.sqrt(self.cc * (2 - self.cc) * self.mueff) * y_w
        rank_mu = (Y[order].T * self.weights) @ Y[order]
        delta = (1 - hsig) * self.cc * (2 - self.cc)
        self.C = (
            (1 - self.c1 - self.cmu + self.c1 * delta) * self.C
            + self.c1 * np.outer(self.pc, self.pc)
            + self.cmu * rank_mu
        )
        self.sigma *= math.exp(min(1.0, (self.cs / self.damps) * (norm_ps / self.chi_n - 1)))
        self.generation = g
        self._decompose()
        self._update_margin()

    def _decompose(self):
        C = np.triu(self.C) + np.triu(self.C, 1).T
        eigvals, B = np.linalg.eigh(C)
        eigvals = np.maximum(eigvals, 1e-20)
        # Keep the condition number bounded so that sampling stays finite.
        eigvals = np.maximum(eigvals, eigvals.max() * 1e-14)
        self.C = (B * eigvals) @ B.T
        self.B, self.D = B, np.sqrt(eigvals)

    def _update_margin(self):
        if not self.integer_edges:
            return
        z = ndtri(1.0 - self.margin_alpha)
        std = self.sigma * np.sqrt(np.diag(self.C))
        self.A = np.ones(self.n)
        for j, edges in self.integer_edges.items():
            if edges.size == 0:
                continue
            nearest = np.min(np.abs(edges - self.mean[j]))
            needed = nearest / z
            if std[j] > 0 and needed > std[j]:
                self.A[j] = needed / std[j]

    @property
    def step_lengths(self):
        """Marginal standard deviation of each coordinate (margin included)."""
        return self.sigma * self.A * np.sqrt(np.diag(self.C))



class CMAESStrategy(_GenerationalStrategy):
    """CMA-ES (:class:`CMAES`) over one numeric search space.

    Every dimension must be numeric: :class:`~skbayes.space.Real`,
    :class:`~skbayes.space.Integer` or a scipy.stats distribution (integers
    get the margin of :class:`CMAES`). The search starts at the centre of the
    unit cube with step size ``sigma0``. Samples of a generation that decode
    to a candidate already evaluated reuse its score.

    Parameters
    ----------
    spaces : list of one Space
    population_size : int
        Samples per generation (lambda), at least 2.
    generations : int
    sigma0 : float, default=0.15
        Initial step size in unit-cube lengths.
    patience, target_score : see :meth:`should_stop`.
    rng : numpy.random.Generator, int or None
    where : str, default="search_spaces"
        How errors name the space.

    Raises
    ------
    ValueError
        If there are several subspaces, no free dimension, or a categorical
        dimension (named in the message).
    """

    def __init__(
        self,
        spaces,
        *,
        population_size,
        generations,
        sigma0=0.15,
        patience=None,
        target_score=None,
        rng=None,
        where="search_spaces",
    ):
        super().__init__(
            spaces,
            population_size=population_size,
            generations=generations,
            patience=patience,
            target_score=target_score,
        )
        check_cmaes_space(self.spaces, where)
        space = self.spaces[0]
        edges = {}
        for j, dim in enumerate(space.dimensions):
            e = _integer_edges(dim)
            if e is not None:
                edges[j] = e
        self.rng = np.random.default_rng(rng)
        self.es = CMAES(
            np.full(space.n_dims, 0.5),
            sigma0,
            population_size=self.population_size,
            integer_edges=edges,
            rng=self.rng,
        )
        self._X = None

    def _breed(self):
        self._X = self.es.ask()
        return [(0, x) for x in self._X]

    def _select(self, individuals, scores):
        self.es.tell(self._X, scores)
        self._X = None


def check_cmaes_space(spaces, where="search_spaces"):
    """Raise a ValueError, naming the dimension, if CMA-ES cannot search ``spaces``.

    CMA-ES needs one space whose every free dimension is numeric (ordered).
    """
    if len(spaces) != 1:
        raise ValueError(
            f"algorithm='cmaes' searches a single space; {where} is a list of "
            f"{len(spaces)} subspaces. Use algorithm='ga' for conditional subspaces."
        )
    space = spaces[0]
    if space.n_dims == 0:
        raise ValueError(
            f"algorithm='cmaes' needs at least one dimension with several values; "
            f"every parameter of {where} is fixed."
        )
    for name, dim in zip(space.names, space.dimensions):
        if isinstance(dim, Categorical):
            numbers = all(
                isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
                for v in dim.categories
            )
            hint = (
                f" For ordered integers, use Integer({min(dim.categories)}, {max(dim.categories)})."
                if numbers
                else ""
            )
            raise ValueError(
                f"algorithm='cmaes' handles numeric dimensions only (Real, Integer, "
                f"scipy.stats distributions); {where}[{name!r}] is categorical: "
                f"{dim!r}. Use algorithm='ga' for spaces with categorical "
                f"dimensions.{hint}"
            )
