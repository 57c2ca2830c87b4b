"""Every plot renders (Agg backend) for every search it applies to."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402

from skbayes import plots  # noqa: E402
from skbayes.space import Real  # noqa: E402

from ._searches import SEARCHES  # noqa: E402

SPACE = {
    "C": Real(1e-3, 1e2, prior="log-uniform"),
    "tol": Real(1e-5, 1e-2, prior="log-uniform"),
    "fit_intercept": [True, False],
}
APPLIES = {
    "plot_objective": {"bayes"},
    "plot_fitness": {"evolutionary"},
    "plot_rungs": {"halving_bayes"},
}


@pytest.fixture(scope="module")
def fitted():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    out = {name: make(LogisticRegression(), SPACE, cv=2).fit(X, y) for name, make in SEARCHES.items()}
    yield out
    plt.close("all")


def _png(ax, path):
    fig = (ax.flat[0] if isinstance(ax, np.ndarray) else ax).figure
    fig.savefig(path, format="png")
    plt.close(fig)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_convergence_compares_searches_on_one_axes(fitted, tmp_path):
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    sk = RandomizedSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, n_iter=3, cv=2, random_state=0).fit(X, y)
    names = sorted(fitted)
    ax = plots.plot_convergence(*[(n, fitted[n]) for n in names], sk)
    labels = [n + " (full resources)" if n == "halving_bayes" else n for n in names] + ["RandomizedSearchCV"]
    steps = [line for line in ax.get_lines() if line.get_label() in labels]
    assert [line.get_label() for line in steps] == labels
    for line, name in zip(steps, names):
        res = fitted[name].cv_results_
        scores = np.asarray(res["mean_test_score"], dtype=float)
        if "n_resources" in res:  # halving: the best of the full-resource rows
            full = np.asarray(res["n_resources"]) == np.max(res["n_resources"])
            scores = np.where(full, scores, -np.inf)
            assert np.nanmax(line.get_ydata()) == pytest.approx(fitted[name].best_score_)
        expected = np.fmax.accumulate(scores)
        expected[np.isneginf(expected)] = np.nan
        np.testing.assert_allclose(line.get_ydata(), expected)
    _png(ax, tmp_path / "convergence.png")
    # on an Axes of one's own, with labels
    fig, own = plt.subplots()
    assert plots.plot_convergence(fitted["bayes"], ax=own, labels=["mine"]) is own
    assert own.get_legend().get_texts()[0].get_text() == "mine"
    plt.close(fig)


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_evaluations_every_search(name, fitted, tmp_path):
    search = fitted[name]
    ax = plots.plot_evaluations(search)
    assert ax.shape == (3, 3)
    scatter = ax[1, 0].collections[0]
    n = len(search.cv_results_["params"])
    assert len(scatter.get_offsets()) == n
    np.testing.assert_allclose(
        scatter.get_offsets()[:, 0], [p["C"] for p in search.cv_results_["params"]]
    )
    assert ax[1, 0].get_xscale() == "log" and ax[2, 0].get_yticks().tolist() == [0, 1]
    _png(ax, tmp_path / f"evaluations_{name}.png")
    fig, single = plt.subplots()
    assert plots.plot_evaluations(search, ["C", "fit_intercept"], ax=single) is single
    plt.close(fig)
    _png(plots.plot_evaluations(search, "tol"), tmp_path / f"evaluations_{name}_tol.png")


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_specific_plots_render_where_they_apply(name, fitted, tmp_path):
    search = fitted[name]
    for plot in ("plot_objective", "plot_fitness", "plot_rungs"):
        draw = getattr(plots, plot)
        if name in APPLIES[plot]:
            _png(draw(search), tmp_path / f"{plot}_{name}.png")
        else:
            with pytest.raises(TypeError, match=f"{plot} needs a fitted"):
                draw(search)


def test_objective_is_the_surrogates_partial_dependence(fitted):
    search = fitted["bayes"]
    axes = plots.plot_objective(search, n_points=20)
    assert len(axes) == 3
    curve = axes[0].get_lines()[0]
    assert len(curve.get_xdata()) == 20 and np.all(np.isfinite(curve.get_ydata()))
    scores = search.cv_results_["mean_test_score"]
    # the averaged prediction lies within a margin of the observed scores
    spread = scores.max() - scores.min() + 1e-9
    assert scores.min() - spread <= np.mean(curve.get_ydata()) <= scores.max() + spread
    # one dimension on one Axes; the search's strategy is left as it was
    history = list(search.strategy_.history["score"])
    fig, one = plt.subplots()
    assert plots.plot_objective(search, "fit_intercept", ax=one) is one
    assert [line.get_xdata().tolist() for line in one.get_lines()[:1]] == [[0.0, 1.0]]
    assert list(search.strategy_.history["score"]) == history
    plt.close(fig)


@pytest.mark.parametrize("n_points, bound", [(1, "prior"), (2, None)])
def test_objective_uses_the_model_the_search_proposed_with(n_points, bound):
    # one at a time the GP's ordered length scales are bounded ("auto"); the
    # plot refits that very setting, not a fresh GP's
    from skbayes import BayesSearchCV

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    search = BayesSearchCV(LogisticRegression(), SPACE, n_iter=14, n_points=n_points, cv=2, random_state=0)
    search.fit(X, y)
    assert search.strategy_.surrogates_[0].max_ordered_lengthscale == bound
    *_, model = plots._surrogate_of(search, 0)
    assert model.max_ordered_lengthscale == bound
    assert model is not search.strategy_.surrogates_[0], "the search's own model is left as it was"


def test_objective_draws_categories_as_points_not_a_line(fitted):
    search = fitted["bayes"]
    fig, (num, cat) = plt.subplots(1, 2)
    plots.plot_objective(search, ["C", "fit_intercept"], ax=[num, cat])
    assert cat.get_lines()[0].get_linestyle() == "None" and cat.get_lines()[0].get_marker() == "o"
    assert num.get_lines()[0].get_linestyle() == "-", "a continuous dimension stays a curve"
    plt.close(fig)


@pytest.mark.parametrize("name", sorted(SEARCHES))
def test_importances_render_for_every_search(name, fitted, tmp_path):
    search = fitted[name]
    ax = plots.plot_importances(search)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(search.parameter_importances_)
    widths = [bar.get_width() for bar in ax.patches]
    # largest on top: the bars are drawn from the bottom up
    top_down = [w for _, w in sorted(zip([b.get_y() for b in ax.patches], widths), reverse=True)]
    assert top_down == sorted(np.nan_to_num(widths), reverse=True)
    _png(ax, tmp_path / f"importances_{name}.png")
    with pytest.raises(ValueError, match="plot_importances needs a fitted search"):
        plots.plot_importances(type(search)(LogisticRegression(), SPACE))


def test_fitness_follows_the_generations(fitted):
    search = fitted["evolutionary"]
    ax = plots.plot_fitness(search)
    best_so_far = [line for line in ax.get_lines() if line.get_label() == "best so far"][0]
    np.testing.assert_allclose(best_so_far.get_ydata(), search.history_["best_so_far"])


def test_rungs_follow_candidates_up_the_resources(fitted):
    search = fitted["halving_bayes"]
    ax = plots.plot_rungs(search)
    assert ax.get_xscale() == "log"
    xs = np.concatenate([line.get_xdata() for line in ax.get_lines()])
    assert set(xs) <= set(np.asarray(search.cv_results_["n_resources"], dtype=float))


def test_clear_errors(fitted, monkeypatch):
    unfitted = SEARCHES["low_discrepancy"](LogisticRegression(), SPACE)
    with pytest.raises(ValueError, match="not fitted yet"):
        plots.plot_convergence(unfitted)
    with pytest.raises(ValueError, match=r"dimensions \['gamma'\] are not in the search space"):
        plots.plot_evaluations(fitted["bayes"], ["gamma"])
    with pytest.raises(ValueError, match=r"ax must be an array of shape \(3, 3\)"):
        plots.plot_evaluations(fitted["bayes"], ax=np.empty((2, 2), dtype=object))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skbayes\[plots\]"'):
        plots.plot_convergence(fitted["bayes"])


@pytest.mark.parametrize("surrogate", ["rf", "tpe"])
def test_objective_with_other_surrogates(surrogate, tmp_path):
    from skbayes import BayesSearchCV

    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    search = BayesSearchCV(
        LogisticRegression(), SPACE, n_iter=5, n_initial_points=3, surrogate=surrogate, cv=2, random_state=0
    ).fit(X, y)
    if surrogate == "tpe":  # TPE ranks candidates, it predicts no score
        with pytest.raises(TypeError, match="needs a surrogate that predicts a mean"):
            plots.plot_objective(search)
    else:
        _png(plots.plot_objective(search), tmp_path / "objective_rf.png")
