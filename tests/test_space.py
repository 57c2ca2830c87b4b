"""Search spaces: dimensions, compilation and unit-cube transforms."""

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from skbayes.space import Categorical, Distribution, Integer, Real, Space, compile_search_spaces

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
units = st.lists(unit, min_size=1, max_size=20)


@st.composite
def reals(draw):
    log = draw(st.booleans())
    if log:
        low = draw(st.floats(min_value=1e-8, max_value=1e6))
        high = low * draw(st.floats(min_value=1.001, max_value=1e6))
        return Real(low, high, prior="log-uniform")
    low = draw(st.floats(min_value=-1e6, max_value=1e6))
    high = low + draw(st.floats(min_value=1e-3, max_value=1e6))
    return Real(low, high)


@st.composite
def integers(draw):
    log = draw(st.booleans())
    low = draw(st.integers(min_value=1 if log else -1000, max_value=1000))
    high = low + draw(st.integers(min_value=1, max_value=10_000))
    return Integer(low, high, prior="log-uniform" if log else "uniform")


# -- properties of the transforms --------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(reals(), units)
def test_real_values_in_bounds_and_round_trip(dim, u):
    values = dim.from_unit(u)
    assert all(type(v) is float for v in values)
    assert all(dim.low <= v <= dim.high for v in values)
    back = dim.to_unit(values)
    assert np.all((back >= 0) & (back <= 1))
    np.testing.assert_allclose(dim.from_unit(back), values, rtol=1e-9)


@settings(max_examples=200, deadline=None)
@given(reals())
def test_real_bounds_are_exact(dim):
    assert dim.from_unit([0.0, 1.0]) == [dim.low, dim.high]


@settings(max_examples=200, deadline=None)
@given(integers(), units)
def test_integer_values_are_python_ints_in_bounds_and_round_trip(dim, u):
    values = dim.from_unit(u)
    assert all(type(v) is int for v in values)
    assert all(dim.low <= v <= dim.high for v in values)
    assert dim.from_unit(dim.to_unit(values)) == values
    assert dim.from_unit([0.0, 1.0]) == [dim.low, dim.high]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none(), st.booleans()), min_size=2, max_size=8, unique_by=repr), units)
def test_categorical_returns_the_very_objects(categories, u):
    dim = Categorical(categories)
    values = dim.from_unit(u)
    assert all(any(v is c for c in categories) for v in values)
    assert dim.from_unit(dim.to_unit(values)) == values


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(reals(), units), min_size=1, max_size=4))
def test_space_round_trip(dims_and_units):
    space = Space({f"x{i}": d for i, (d, _) in enumerate(dims_and_units)})
    U = np.random.default_rng(0).random((5, space.n_dims))
    params = space.from_unit(U)
    np.testing.assert_allclose(space.from_unit(space.to_unit(params))[0]["x0"], params[0]["x0"], rtol=1e-9)


# -- spread and priors -------------------------------------------------------------------


def test_integer_cells_are_equal_under_uniform_prior():
    dim = Integer(0, 3)
    u = (np.arange(4000) + 0.5) / 4000
    counts = np.bincount(dim.from_unit(u))
    assert counts.tolist() == [1000] * 4


def test_log_uniform_integer_follows_the_log_law():
    dim = Integer(1, 99, prior="log-uniform")
    u = (np.arange(100_000) + 0.5) / 100_000
    values = np.array(dim.from_unit(u))
    # P(value < 10) = log(10) / log(100) = 0.5
    assert np.mean(values < 10) == pytest.approx(0.5, abs=1e-3)


def test_log_uniform_real_is_linear_in_log():
    dim = Real(1e-3, 1e3, prior="log-uniform")
    assert dim.from_unit([0.5])[0] == pytest.approx(1.0)
    assert dim.to_unit([10.0])[0] == pytest.approx(4 / 6)


def test_categorical_prior_sets_cell_widths():
    dim = Categorical(["a", "b"], prior=[0.25, 0.75])
    u = (np.arange(1000) + 0.5) / 1000
    assert dim.from_unit(u).count("a") == 250


def test_categorical_keeps_none_and_estimators():
    from sklearn.linear_model import Ridge

    r = Ridge()
    dim = Categorical([None, r, "x"])
    assert dim.from_unit([0.1, 0.5, 0.9]) == [None, r, "x"]
    assert dim.from_unit([0.5])[0] is r
    assert dim.to_unit([r, None]).tolist() == pytest.approx([0.5, 1 / 6])


# -- scipy.stats distributions ------------------------------------------------------


def test_loguniform_distribution_behaves_like_log_real():
    dist = Distribution(stats.loguniform(1e-3, 1e3))
    real = Real(1e-3, 1e3, prior="log-uniform")
    u = np.linspace(0, 1, 11)
    np.testing.assert_allclose(dist.from_unit(u), real.from_unit(u), rtol=1e-9)


def test_discrete_distribution_gives_ints_over_its_support():
    dist = Distribution(stats.randint(1, 10))
    values = dist.from_unit(np.linspace(0, 1, 50))
    assert all(type(v) is int for v in values)
    assert min(values) == 1 and max(values) == 9
    assert dist.cardinality == 9 and dist.is_finite
    assert dist.from_unit(dist.to_unit(values)) == values


def test_unbounded_distribution_stays_finite():
    dist = Distribution(stats.norm(0, 1))
    values = dist.from_unit([0.0, 0.5, 1.0])
    assert all(math.isfinite(v) for v in values) and values[1] == 0.0


# -- compiling user input ---------------------------------------------------------------


def test_compile_accepts_every_form():
    (space,) = compile_search_spaces(
        {
            "a": Real(0.0, 1.0),
            "b": (1, 5),
            "c": (0.1, 10.0, "log-uniform"),
            "d": ["x", "y"],
            "e": stats.uniform(0, 2),
            "f": ["fixed"],
            "g": range(3),
        }
    )
    assert space.names == ["a", "b", "c", "d", "e", "g"]
    assert space.fixed == {"f": "fixed"}
    assert space.dimensions[1] == Integer(1, 5)
    assert space.dimensions[2] == Real(0.1, 10.0, prior="log-uniform")
    params = space.from_unit(np.full((1, space.n_dims), 0.5))[0]
    assert params["f"] == "fixed" and type(params["b"]) is int


def test_list_of_dicts_gives_subspaces():
    spaces = compile_search_spaces([{"kernel": ["linear"], "C": (0.1, 1.0)}, {"kernel": ["rbf"], "gamma": (0.1, 1.0)}])
    assert [s.names for s in spaces] == [["C"], ["gamma"]]
    assert spaces[1].fixed == {"kernel": "rbf"}


def test_space_cardinality_and_enumeration():
    (space,) = compile_search_spaces({"a": Integer(1, 3), "b": ["x", "y"]})
    assert space.cardinality == 6 and space.is_finite
    params = space.from_unit(space.enumerate_unit())
    assert {(p["a"], p["b"]) for p in params} == {(a, b) for a in (1, 2, 3) for b in "xy"}


def test_keys_identify_candidates():
    (space,) = compile_search_spaces({"a": Integer(1, 3), "b": ["x", "y"]})
    keys = space.keys(np.array([[0.01, 0.1], [0.3, 0.4], [0.9, 0.9]]))
    assert keys[0] == keys[1] != keys[2]


def test_one_hot_encoding():
    (space,) = compile_search_spaces({"a": Real(0.0, 1.0), "b": ["x", "y", "z"]})
    X = space.one_hot(np.array([[0.2, 0.5]]))
    np.testing.assert_allclose(X, [[0.2, 0.0, 1.0, 0.0]])


def test_dimensions_are_immutable_values():
    dim = Real(0.0, 1.0)
    with pytest.raises(AttributeError, match="immutable"):
        dim.low = 5.0
    assert dim == Real(0.0, 1.0) and hash(dim) == hash(Real(0.0, 1.0))
    assert dim != Real(0.0, 1.0, prior="log-uniform")
    assert repr(dim) == "Real(low=0.0, high=1.0, prior='uniform', hard_bounds=False)"
    assert pickle.loads(pickle.dumps(dim)) == dim
    assert pickle.loads(pickle.dumps(Categorical(["a", None]))) == Categorical(["a", None])


def test_dimension_constructors_only_store():
    # bad arguments are reported at fit, where the parameter's name is known
    Real(5, 1)
    Integer(0.5, "x")
    Categorical([])
    with pytest.raises(ValueError, match=r"search_spaces\['C'\]: low must be < high"):
        compile_search_spaces({"C": Real(5, 1)})


@pytest.mark.parametrize(
    "value, error, match",
    [
        (Categorical(["a"], prior=[0.5]), ValueError, "sum to 1"),
        (Categorical(["a", "b"], prior=[1.0]), ValueError, "one non-negative probability per category"),
        (Real(0.0, math.inf), ValueError, "finite"),
        (Integer(True, 5), TypeError, "integers"),
        (object(), TypeError, "expected a Real, Integer or Categorical"),
        ({"a": 1}, TypeError, "expected a Real"),
    ],
)
def test_bad_dimensions(value, error, match):
    with pytest.raises(error, match=match):
        compile_search_spaces({"p": value})


def test_distribution_without_ppf_is_refused():
    class OnlyRvs:
        def rvs(self, random_state=None):
            return 1.0

    with pytest.raises(TypeError, match=r"search_spaces\['p'\]: a distribution needs `ppf` and `cdf`"):
        compile_search_spaces({"p": OnlyRvs()})


def test_bad_top_level():
    with pytest.raises(TypeError, match="must be a dict"):
        compile_search_spaces("C")
    with pytest.raises(TypeError, match=r"search_spaces\[0\] must be a dict"):
        compile_search_spaces(["C"])
    with pytest.raises(TypeError, match="parameter names must be str"):
        compile_search_spaces({1: [1, 2]})


def test_column_kinds_follow_each_encoding():
    space = Space({"a": Real(0.0, 1.0), "b": Categorical(["x", "y", "z"]), "c": Integer(1, 5)})
    kinds = space.column_kinds()
    assert kinds == ("real", "categorical", "categorical", "categorical", "integer")
    assert len(kinds) == space.one_hot(space.sample_unit(2, np.random.default_rng(0))).shape[1]
    assert space.column_kinds("unit") == ("real", "categorical", "integer")
    with pytest.raises(ValueError, match="encoding must be 'one_hot' or 'unit'; got 'onehot'"):
        space.column_kinds("onehot")
