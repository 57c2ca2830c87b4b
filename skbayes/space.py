"""Search spaces: dimensions, compiled spaces and their unit-cube transforms.

A *dimension* describes the values one hyperparameter may take. A *space* is a
dict ``name -> dimension`` compiled from what a user passes as
``search_spaces``; a list of such dicts describes conditional subspaces, as
scikit-learn's ``GridSearchCV`` takes.

Every strategy works on the unit cube ``[0, 1]^d`` with **one coordinate per
dimension** (categoricals included: category ``i`` of ``k`` owns the cell
``[i/k, (i+1)/k)``, or a cell as wide as its prior probability). Log priors are
linear in the cube. Models that need a numeric encoding of categoricals use
:meth:`Space.one_hot`.

Dimensions only store their arguments: they are validated when a space is
compiled (at ``fit``), so that the error can name the parameter at fault.
This module imports no other module of skbayes.
"""

import itertools
import math
import numbers
from abc import ABC, abstractmethod

import numpy as np

__all__ = [
    "Real",
    "Integer",
    "Categorical",
    "Distribution",
    "Dimension",
    "Space",
    "compile_search_spaces",
]

_PRIORS = ("uniform", "log-uniform")
# How far from 0 and 1 we query the ppf of a distribution with infinite support.
_PPF_EPS = 1e-12


class Dimension(ABC):
    """Base class of the dimensions of a search space.

    Subclasses are immutable value objects: two dimensions built from the same
    arguments compare equal, and no search ever modifies one.
    """

    #: Whether the dimension has finitely many values.
    is_finite = False
    #: Whether its values are numbers with an order (Real, Integer,
    #: distributions) as opposed to unordered categories.
    is_numeric = True

    _fields = ()

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(
                f"{type(self).__name__} is immutable; build a new one instead of "
                f"setting {name!r}."
            )
        object.__setattr__(self, name, value)

    def _freeze(self):
        object.__setattr__(self, "_frozen", True)

    def _key(self):
        return tuple(_hashable(getattr(self, f)) for f in self._fields)

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"

    def __reduce__(self):
        return (type(self)._rebuild, (tuple(getattr(self, f) for f in self._fields),))

    @classmethod
    def _rebuild(cls, values):
        return cls(*values)

    # -- interface -------------------------------------------------------
    def _validate(self, where):
        """Raise a clear error, naming ``where``, if the arguments are illegal."""

    @property
    def cardinality(self):
        """Number of distinct values, ``math.inf`` for continuous dimensions."""
        return math.inf

    @abstractmethod
    def from_unit(self, u):
        """Map unit-cube coordinates (1-D array) to a list of values."""

    @abstractmethod
    def to_unit(self, values):
        """Map values to unit-cube coordinates (1-D float array)."""

    def values(self):
        """All values of a finite dimension, in order."""
        raise TypeError(f"{self!r} has infinitely many values.")

    def _why_not(self, value):
        """None if ``value`` is a legal value of the dimension, else why not."""
        return None


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


def _is_number(x, kind=numbers.Real):
    return isinstance(x, kind) and not isinstance(x, (bool, np.bool_))


def _why_not_in_range(value, low, high, integral):
    """Why ``value`` is not a number of ``[low, high]`` (None if it is)."""
    if not _is_number(value):
        return f"not a number (got {type(value).__name__})"
    if not math.isfinite(value):
        return "not finite"
    if integral and not (_is_number(value, numbers.Integral) or float(value).is_integer()):
        return "not an integer"
    # a value computed back from the bounds (10 ** log10(high)) may be off by
    # a rounding error: tolerate that much, not more
    tol = 1e-12 * max([abs(float(b)) for b in (low, high) if math.isfinite(b)] + [1.0])
    if not (low - tol <= value <= high + tol):
        low, high = (b.item() if isinstance(b, np.generic) else b for b in (low, high))
        return f"outside the bounds [{low!r}, {high!r}]"
    return None


def _check_bounds(dim, where, kind, kind_name):
    if not (_is_number(dim.low, kind) and _is_number(dim.high, kind)):
        raise TypeError(
            f"{where}: {type(dim).__name__} bounds must be {kind_name}; got "
            f"low={dim.low!r} ({type(dim.low).__name__}) and high={dim.high!r} "
            f"({type(dim.high).__name__})."
        )
    if not (math.isfinite(dim.low) and math.isfinite(dim.high)):
        raise ValueError(f"{where}: bounds must be finite; got {dim!r}.")
    if dim.low >= dim.high:
        raise ValueError(
            f"{where}: low must be < high; got low={dim.low!r}, high={dim.high!r}. "
            "To fix a parameter to one value, pass a one-element list instead."
        )
    if dim.prior not in _PRIORS:
        raise ValueError(
            f"{where}: prior must be one of {list(_PRIORS)}; got {dim.prior!r}."
        )
    if dim.prior == "log-uniform" and dim.low <= 0:
        raise ValueError(
            f"{where}: a log-uniform prior needs low > 0; got low={dim.low!r}."
        )


_HARD_BOUNDS = (False, True, "low", "high")


def _check_hard_bounds(dim, where):
    hard = dim.hard_bounds
    if not any(hard is h or (isinstance(hard, str) and hard == h) for h in _HARD_BOUNDS):
        raise ValueError(
            f"{where}: hard_bounds must be False, True, 'low' or 'high'; got {hard!r}."
        )


class Real(Dimension):
    """A continuous hyperparameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Inclusive bounds, ``low < high``.
    prior : {"uniform", "log-uniform"}, default="uniform"
        ``"log-uniform"`` spreads values evenly in ``log(value)``; it needs
        ``low > 0``. Both bounds are reached exactly.
    hard_bounds : {False, True, "low", "high"}, default=False
        Bounds that the parameter cannot cross (a probability cannot exceed
        1): the search never warns that its best value lies at a hard bound
        (see :class:`~skbayes.exceptions.BoundaryWarning`). True marks both
        bounds, ``"low"`` or ``"high"`` one of them. It changes nothing else.

    Examples
    --------
    >>> from skbayes.space import Real
    >>> Real(1e-3, 1e3, prior="log-uniform").from_unit([0.0, 0.5, 1.0])
    [0.001, 1.0..., 1000.0]
    """

    _fields = ("low", "high", "prior", "hard_bounds")

    def __init__(self, low, high, prior="uniform", hard_bounds=False):
        self.low = low
        self.high = high
        self.prior = prior
        self.hard_bounds = hard_bounds
        self._freeze()

    def _validate(self, where):
        _check_bounds(self, where, numbers.Real, "real numbers")
        _check_hard_bounds(self, where)

    def _why_not(self, value):
        return _why_not_in_range(value, self.low, self.high, integral=False)

    def _log(self):
        return self.prior == "log-uniform"

    def from_unit(self, u):
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        low, high = float(self.low), float(self.high)
        if self._log():
            lo, hi = math.log(low), math.log(high)
            x = np.exp(lo + u * (hi - lo))
        else:
            x = low + u * (high - low)
        x = np.where(u <= 0.0, low, np.where(u >= 1.0, high, x))
        return np.clip(x, low, high).tolist()

    def to_unit(self, values):
        x = np.asarray(values, dtype=float)
        low, high = float(self.low), float(self.high)
        if self._log():
            lo, hi = math.log(low), math.log(high)
            u = (np.log(np.clip(x, low, high)) - lo) / (hi - lo)
        else:
            u = (x - low) / (high - low)
        return np.clip(u, 0.0, 1.0)


class Integer(Dimension):
    """An integer hyperparameter in ``[low, high]`` (both included).

    Each integer owns a cell of the unit cube as wide as its probability under
    the prior, so a low-discrepancy design over the cube keeps its spread over
    the integers. Values come back as Python ``int``.

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``low < high``.
    prior : {"uniform", "log-uniform"}, default="uniform"
        ``"log-uniform"`` gives integer ``k`` the probability of
        ``[k, k + 1)`` under a log-uniform law on ``[low, high + 1)``; it needs
        ``low > 0``.
    hard_bounds : {False, True, "low", "high"}, default=False
        Bounds that the parameter cannot cross (``n_neighbors`` cannot go
        below 1), as in :class:`Real`.

    Examples
    --------
    >>> from skbayes.space import Integer
    >>> Integer(1, 4).from_unit([0.0, 0.3, 0.99])
    [1, 2, 4]
    """

    _fields = ("low", "high", "prior", "hard_bounds")
    is_finite = True

    def __init__(self, low, high, prior="uniform", hard_bounds=False):
        self.low = low
        self.high = high
        self.prior = prior
        self.hard_bounds = hard_bounds
        self._freeze()

    def _validate(self, where):
        _check_bounds(self, where, numbers.Integral, "integers")
        _check_hard_bounds(self, where)

    def _why_not(self, value):
        return _why_not_in_range(value, self.low, self.high, integral=True)

    @property
    def cardinality(self):
        return int(self.high) - int(self.low) + 1

    def values(self):
        return list(range(int(self.low), int(self.high) + 1))

    def _log_edges(self):
        return math.log(int(self.low)), math.log(int(self.high) + 1)

    def from_unit(self, u):
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        low, high = int(self.low), int(self.high)
        if self.prior == "log-uniform":
            lo, hi = self._log_edges()
            x = np.floor(np.exp(lo + u * (hi - lo)))
        else:
            x = low + np.floor(u * (high - low + 1))
        return [int(v) for v in np.clip(x, low, high)]

    def to_unit(self, values):
        x = np.clip(np.asarray(values, dtype=float), int(self.low), int(self.high))
        if self.prior == "log-uniform":
            lo, hi = self._log_edges()
            centre = 0.5 * (np.log(x) + np.log(x + 1.0))
            u = (centre - lo) / (hi - lo)
        else:
            u = (x - int(self.low) + 0.5) / self.cardinality
        return np.clip(u, 0.0, 1.0)


class Categorical(Dimension):
    """A hyperparameter that takes one of a list of values.

    Values can be any objects (strings, numbers, ``None``, estimators, ...);
    a search returns the very objects given, never copies or casts.

    Parameters
    ----------
    categories : sequence
        The values, at least one. A single value makes a fixed parameter.
    prior : sequence of float or None, default=None
        Probabilities of the categories (summing to 1); uniform if None.

    Examples
    --------
    >>> from skbayes.space import Categorical
    >>> Categorical(["rbf", "poly", None]).from_unit([0.1, 0.5, 0.9])
    ['rbf', 'poly', None]
    """

    _fields = ("categories", "prior")
    is_finite = True
    is_numeric = False

    def __init__(self, categories, prior=None):
        if not isinstance(categories, (str, bytes, dict)):
            try:
                categories = tuple(categories)
            except TypeError:
                pass  # reported by _validate with the parameter's name
        self.categories = categories
        self.prior = None if prior is None else tuple(prior)
        self._freeze()

    def _validate(self, where):
        if not isinstance(self.categories, tuple):
            raise TypeError(
                f"{where}: Categorical needs a sequence of values; got "
                f"{self.categories!r}."
            )
        if len(self.categories) == 0:
            raise ValueError(f"{where}: Categorical needs at least one value; got [].")
        if self.prior is not None:
            p = np.asarray(self.prior, dtype=float)
            if p.shape != (len(self.categories),) or np.any(p < 0):
                raise ValueError(
                    f"{where}: prior must hold one non-negative probability per "
                    f"category ({len(self.categories)}); got {list(self.prior)}."
                )
            if not math.isclose(p.sum(), 1.0, rel_tol=1e-6):
                raise ValueError(
                    f"{where}: prior probabilities must sum to 1; got {p.sum():g}."
                )

    @property
    def cardinality(self):
        return len(self.categories)

    def values(self):
        return list(self.categories)

    def _edges(self):
        k = len(self.categories)
        if self.prior is None:
            return np.linspace(0.0, 1.0, k + 1)
        return np.concatenate([[0.0], np.cumsum(np.asarray(self.prior, float))])

    def from_unit(self, u):
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        return [self.categories[i] for i in self.indices_from_unit(u)]

    def indices_from_unit(self, u):
        """Index of the category owning each unit coordinate."""
        edges = self._edges()
        idx = np.searchsorted(edges, np.asarray(u, dtype=float), side="right") - 1
        return np.clip(idx, 0, len(self.categories) - 1)

    def index(self, value):
        """Position of ``value`` among the categories (identity, then equality)."""
        for i, c in enumerate(self.categories):
            if value is c:
                return i
        for i, c in enumerate(self.categories):
            if _safe_equal(value, c):
                return i
        raise ValueError(f"{value!r} is not one of the categories {list(self.categories)}.")

    def _why_not(self, value):
        try:
            self.index(value)
        except ValueError:
            return f"not one of the categories {list(self.categories)}"
        return None

    def _deduplicated(self):
        """The same dimension with each value once (the first of equal values kept)."""
        keep, prior = [], []
        for i, c in enumerate(self.categories):
            j = next((k for k, kept in enumerate(keep) if c is kept or _safe_equal(c, kept)), None)
            p = 1.0 / len(self.categories) if self.prior is None else self.prior[i]
            if j is None:
                keep.append(c)
                prior.append(p)
            else:
                prior[j] += p
        if len(keep) == len(self.categories):
            return self
        return Categorical(keep, None if self.prior is None else prior)

    def to_unit(self, values):
        edges = self._edges()
        idx = np.array([self.index(v) for v in values], dtype=int)
        return 0.5 * (edges[idx] + edges[idx + 1])


def _safe_equal(a, b):
    """``a == b`` for values of the same kind, never raising.

    Numbers are compared by value whatever their type (``np.int64(32)`` is the
    category ``32``, as read back from a DataFrame), except that booleans only
    equal booleans; strings equal strings (``np.str_`` included); any other
    values must be of the same type.
    """
    if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)):
        if not (isinstance(a, (bool, np.bool_)) and isinstance(b, (bool, np.bool_))):
            return False
    elif isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
        pass
    elif isinstance(a, str) and isinstance(b, str):
        pass
    elif type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # arrays, objects whose == is not a bool
        return False


class Distribution(Dimension):
    """A hyperparameter drawn from a frozen ``scipy.stats`` distribution.

    Unit-cube coordinates go through the distribution's ``ppf`` (and back
    through its ``cdf``), so ``scipy.stats.loguniform(1e-3, 1e3)`` behaves as
    ``Real(1e-3, 1e3, prior="log-uniform")`` and ``scipy.stats.randint(1, 10)``
    as ``Integer(1, 9)``. Discrete distributions give Python ``int``.

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Anything with ``ppf`` and ``cdf`` methods.
    """

    _fields = ("dist",)

    def __init__(self, dist):
        self.dist = dist
        self._freeze()

    def _key(self):
        d = self.dist
        name = getattr(getattr(d, "dist", None), "name", None)
        if name is None:
            return (("id", id(d)),)
        return (name, _hashable(tuple(d.args)), _hashable(tuple(sorted(d.kwds.items()))))

    @property
    def is_discrete(self):
        from scipy.stats import rv_discrete

        return isinstance(getattr(self.dist, "dist", None), rv_discrete)

    @property
    def is_finite(self):
        return self.is_discrete and math.isfinite(self.cardinality)

    def _validate(self, where):
        if not (callable(getattr(self.dist, "ppf", None)) and callable(getattr(self.dist, "cdf", None))):
            raise TypeError(
                f"{where}: a distribution needs `ppf` and `cdf` methods to be "
                f"mapped onto the unit cube (frozen scipy.stats distributions have "
                f"them); got {self.dist!r}."
            )

    def _why_not(self, value):
        lo, hi = self.dist.support()
        return _why_not_in_range(value, lo, hi, integral=self.is_discrete)

    @property
    def cardinality(self):
        if not self.is_discrete:
            return math.inf
        lo, hi = self.dist.support()
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return math.inf
        return int(hi) - int(lo) + 1

    def values(self):
        if not self.is_finite:
            return super().values()
        lo, hi = self.dist.support()
        return [k for k in range(int(lo), int(hi) + 1) if self.dist.pmf(k) > 0]

    def from_unit(self, u):
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.is_discrete:
            x = self.dist.ppf(np.clip(u, _PPF_EPS, 1.0 - _PPF_EPS))
            return [int(v) for v in x]
        x = np.asarray(self.dist.ppf(u), dtype=float)
        bad = ~np.isfinite(x)
        if np.any(bad):
            x[bad] = self.dist.ppf(np.clip(u[bad], _PPF_EPS, 1.0 - _PPF_EPS))
        return x.tolist()

    def to_unit(self, values):
        x = np.asarray(values, dtype=float)
        if self.is_discrete:
            u = 0.5 * (self.dist.cdf(x - 1) + self.dist.cdf(x))
        else:
            u = self.dist.cdf(x)
        return np.clip(np.asarray(u, dtype=float), 0.0, 1.0)


def _is_distribution(value):
    return hasattr(value, "rvs") and not isinstance(value, Dimension)


def _as_dimension(value, where):
    """Turn one user-given value of ``search_spaces`` into a Dimension."""
    if isinstance(value, Dimension):
        dim = value
    elif isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise TypeError(
                f"{where}: a tuple means (low, high) or (low, high, prior); got "
                f"{value!r}. For a list of values, pass a list."
            )
        low, high = value[:2]
        prior = value[2] if len(value) == 3 else "uniform"
        if _is_number(low, numbers.Integral) and _is_number(high, numbers.Integral):
            dim = Integer(low, high, prior)
        else:
            dim = Real(low, high, prior)
    elif isinstance(value, (list, range, np.ndarray)):
        if isinstance(value, np.ndarray) and value.ndim != 1:
            raise ValueError(
                f"{where}: an array of values must be one-dimensional; got an array "
                f"of shape {value.shape}. Pass a list of the values instead."
            )
        dim = Categorical(list(value))
    elif _is_distribution(value):
        dim = Distribution(value)
    else:
        raise TypeError(
            f"{where}: expected a Real, Integer or Categorical, a (low, high) "
            "tuple, a list of values or a scipy.stats distribution; got "
            f"{value!r} ({type(value).__name__}). To fix a parameter to one value, "
            f"wrap it in a list: [{value!r}]."
        )
    dim._validate(where)
    if isinstance(dim, Categorical):
        dim = dim._deduplicated()
    return dim


class Space:
    """A compiled search space: one dict of named dimensions.

    Parameters with a single possible value are *fixed*: they are part of every
    candidate but take no coordinate of the unit cube.

    Parameters
    ----------
    dimensions : dict of str -> Dimension or user value
        What ``search_spaces`` (or one element of a list of them) holds.
    where : str, default="search_spaces"
        How errors name the space.

    Attributes
    ----------
    names : list of str
        Names of the free (non-fixed) dimensions, one per unit-cube coordinate.
    dimensions : list of Dimension
        The free dimensions, in the order of ``names``.
    fixed : dict
        Parameters with a single value.
    """

    def __init__(self, dimensions, where="search_spaces"):
        if not isinstance(dimensions, dict):
            raise TypeError(
                f"{where} must be a dict of parameter name -> dimension; got "
                f"{type(dimensions).__name__}."
            )
        self.names, self.dimensions, self.fixed = [], [], {}
        for name, value in dimensions.items():
            if not isinstance(name, str):
                raise TypeError(f"{where}: parameter names must be str; got {name!r}.")
            dim = _as_dimension(value, f"{where}[{name!r}]")
            if dim.is_finite and dim.cardinality == 1:
                self.fixed[name] = dim.values()[0]
            else:
                self.names.append(name)
                self.dimensions.append(dim)

    def __repr__(self):
        items = [f"{n!r}: {d!r}" for n, d in zip(self.names, self.dimensions)]
        items += [f"{n!r}: [{v!r}]" for n, v in self.fixed.items()]
        return "Space({" + ", ".join(items) + "})"

    def __eq__(self, other):
        return (
            isinstance(other, Space)
            and self.names == other.names
            and self.dimensions == other.dimensions
            and set(self.fixed) == set(other.fixed)
            and all(_safe_equal(self.fixed[k], other.fixed[k]) or self.fixed[k] is other.fixed[k] for k in self.fixed)
        )

    __hash__ = None

    @property
    def n_dims(self):
        """Number of unit-cube coordinates."""
        return len(self.dimensions)

    @property
    def cardinality(self):
        """Number of distinct candidates (``math.inf`` if any dimension is continuous)."""
        return math.prod(d.cardinality for d in self.dimensions)

    @property
    def is_finite(self):
        return all(d.is_finite for d in self.dimensions)

    def as_points(self, U):
        """``U`` as a float array of unit-cube points, shape (n, n_dims).

        A 1-D array is read as points of ``n_dims`` coordinates laid end to
        end. A space with no free dimension (only fixed parameters, or none)
        has a single point, the empty one: a 1-D ``U`` of length 0 is that
        point, and a 2-D ``U`` of shape (n, 0) is n copies of it.
        """
        U = np.asarray(U, dtype=float)
        if U.ndim == 2 and U.shape[1] == self.n_dims:
            return U
        if self.n_dims == 0 and U.ndim <= 1 and U.size == 0:
            return U.reshape(1, 0)
        if self.n_dims == 0:
            raise ValueError(f"expected points of 0 coordinates; got an array of shape {U.shape}.")
        return U.reshape(-1, self.n_dims)

    def from_unit(self, U):
        """Map points of the unit cube, shape (n, n_dims), to parameter dicts."""
        U = self.as_points(U)
        columns = [dim.from_unit(U[:, j]) for j, dim in enumerate(self.dimensions)]
        out = []
        for i in range(U.shape[0]):
            params = {name: col[i] for name, col in zip(self.names, columns)}
            params.update(self.fixed)
            out.append(params)
        return out

    def mismatch(self, params):
        """Why the candidate ``params`` is not in this space (None if it is).

        A candidate is in the space when it names exactly the space's
        parameters, its fixed values are the space's (compared by value, or
        identity for objects without a value equality) and every other value is
        legal for its dimension: a number within the bounds (a point on a
        bound is fine), an integer for an :class:`Integer`, one of the
        categories for a :class:`Categorical`.

        Returns
        -------
        reason : str or None
            A sentence naming the first parameter at fault, its value and what
            is legal.
        """
        if not isinstance(params, dict):
            return f"a candidate must be a dict of parameter name -> value; got {type(params).__name__}"
        expected = set(self.names) | set(self.fixed)
        if set(params) != expected:
            missing, extra = sorted(expected - set(params)), sorted(set(params) - expected)
            parts = ([f"lacks {missing}"] if missing else []) + ([f"has unknown {extra}"] if extra else [])
            return f"the candidate {' and '.join(parts)} (parameters: {sorted(expected)})"
        for name, value in self.fixed.items():
            if not (params[name] is value or _safe_equal(params[name], value)):
                return f"{name}={params[name]!r} is not {value!r}, its only value here"
        for name, dim in zip(self.names, self.dimensions):
            reason = dim._why_not(params[name])
            if reason is not None:
                return f"{name}={params[name]!r} is {reason}"
        return None

    def to_unit(self, params):
        """Map parameter dicts to unit-cube points, shape (n, n_dims).

        Finite dimensions map to the centre of their value's cell, so
        ``to_unit(from_unit(U))`` is a canonical representative of ``U``.
        """
        params = list(params)
        U = np.empty((len(params), self.n_dims))
        for j, (name, dim) in enumerate(zip(self.names, self.dimensions)):
            U[:, j] = dim.to_unit([p[name] for p in params])
        return U

    def canonical(self, U):
        """The unit-cube point that represents the candidate of each row of ``U``."""
        return self.to_unit(self.from_unit(U))

    def keys(self, U):
        """Hashable identity of the candidate of each row of ``U``.

        Two points of the cube give the same key exactly when they decode to
        the same candidate, which is how strategies avoid refitting duplicates.
        """
        C = self.canonical(U)
        return [tuple(row) for row in np.round(C, 12)]

    def sample_unit(self, n, rng):
        """``n`` independent uniform points of the unit cube."""
        return rng.random((n, self.n_dims))

    def enumerate_unit(self):
        """Every candidate of a finite space, as unit-cube points (cell centres)."""
        if not self.is_finite:
            raise TypeError("Only a space of finite dimensions can be enumerated.")
        grids = []
        for dim in self.dimensions:
            grids.append(dim.to_unit(dim.values()))
        if not grids:
            return np.empty((1, 0))
        return np.array(list(itertools.product(*grids)), dtype=float)

    def one_hot(self, U):
        """Encoding for models: numeric coordinates as they are, categoricals one-hot.

        Returns an array of shape (n, n_model_columns); a categorical of ``k``
        values takes ``k`` columns.
        """
        U = self.as_points(U)
        cols = []
        for j, dim in enumerate(self.dimensions):
            if isinstance(dim, Categorical):
                idx = dim.indices_from_unit(U[:, j])
                cols.append(np.eye(dim.cardinality)[idx])
            else:
                cols.append(U[:, j : j + 1])
        if not cols:
            return np.empty((U.shape[0], 0))
        return np.hstack(cols)

    def column_kinds(self, encoding="one_hot"):
        """What each column of a model encoding holds: ``"real"``, ``"integer"`` or ``"categorical"``.

        Parameters
        ----------
        encoding : {"one_hot", "unit"}, default="one_hot"
            ``"one_hot"``: the columns of :meth:`one_hot` (a categorical of
            ``k`` values gives ``k`` columns of ``"categorical"``);
            ``"unit"``: the coordinates of :meth:`to_unit`, one per dimension.

        Returns
        -------
        kinds : tuple of str
        """
        if encoding not in ("one_hot", "unit"):
            raise ValueError(f"encoding must be 'one_hot' or 'unit'; got {encoding!r}.")
        kinds = []
        for dim in self.dimensions:
            if isinstance(dim, Categorical):
                kinds += ["categorical"] * (dim.cardinality if encoding == "one_hot" else 1)
            else:
                kinds.append("integer" if isinstance(dim, Integer) else "real")
        return tuple(kinds)


def compile_search_spaces(search_spaces, name="search_spaces"):
    """Compile what a user passes as ``search_spaces`` into a list of Spaces.

    Parameters
    ----------
    search_spaces : dict or list of dict
        ``name -> dimension`` where a dimension is a :class:`Real`,
        :class:`Integer`, :class:`Categorical`, a ``(low, high[, prior])`` tuple
        (Integer if both bounds are ints, Real otherwise), a list of values
        (categorical; one value fixes the parameter) or a frozen scipy.stats
        distribution. A list of dicts gives conditional subspaces.
    name : str, default="search_spaces"
        How errors name the argument.

    Returns
    -------
    spaces : list of Space
        One per subspace.

    Raises
    ------
    TypeError, ValueError
        With a message naming the parameter at fault and what is legal.
    """
    if isinstance(search_spaces, dict):
        return [Space(search_spaces, where=name)]
    if isinstance(search_spaces, (list, tuple)):
        if len(search_spaces) == 0:
            raise ValueError(f"{name} is an empty list; give at least one dict.")
        return [Space(s, where=f"{name}[{i}]") for i, s in enumerate(search_spaces)]
    raise TypeError(
        f"{name} must be a dict of parameter name -> dimension, or a list of such "
        f"dicts; got {type(search_spaces).__name__}."
    )
