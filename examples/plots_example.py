"""
Plots of real searches: tune an SVM on the breast cancer data and save every plot
=================================================================================

Runs the four skbayes searches on the same problem (an RBF or sigmoid SVM in
a pipeline with a scaler, 5-fold CV), then saves, as PNG files:

- convergence.png: best accuracy so far, all four searches on one Axes;
- evaluations.png: where BayesSearchCV sampled, for each pair of dimensions;
- objective.png: partial dependence from BayesSearchCV's Gaussian process;
- fitness.png: EvolutionarySearchCV's fitness by generation;
- rungs.png: HalvingBayesSearchCV's candidates followed up the rungs.

Usage::

    python examples/plots_example.py                # writes docs/images/*.png
    python examples/plots_example.py --quick --out /tmp/plots
"""

import argparse
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skbayes import (  # noqa: E402
    BayesSearchCV,
    EvolutionarySearchCV,
    HalvingBayesSearchCV,
    LowDiscrepancySearchCV,
)
from skbayes.plots import (  # noqa: E402
    plot_convergence,
    plot_evaluations,
    plot_fitness,
    plot_objective,
    plot_rungs,
)
from skbayes.space import Real  # noqa: E402

SPACE = {
    "svc__C": Real(1e-2, 1e3, prior="log-uniform"),
    "svc__gamma": Real(1e-5, 1e0, prior="log-uniform"),
    "svc__kernel": ["rbf", "sigmoid"],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "images"))
    parser.add_argument("--quick", action="store_true", help="smaller budgets (a few seconds)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), SVC())
    n_iter = 12 if args.quick else 40
    common = dict(cv=5, n_jobs=1, random_state=args.seed)
    searches = {
        "LowDiscrepancySearchCV": LowDiscrepancySearchCV(model, SPACE, n_iter=n_iter, **common),
        "BayesSearchCV": BayesSearchCV(model, SPACE, n_iter=n_iter, **common),
        "EvolutionarySearchCV": EvolutionarySearchCV(
            model, SPACE, population_size=8 if not args.quick else 4, generations=n_iter // 8 if not args.quick else 3, **common
        ),
        "HalvingBayesSearchCV": HalvingBayesSearchCV(
            model, SPACE, resource="n_samples", factor=3, brackets=2 if args.quick else 3, **common
        ),
    }
    for name, search in searches.items():
        search.fit(X, y)
        print(f"{name}: {len(search.cv_results_['params'])} evaluations, best {search.best_score_:.4f}")

    def save(ax, filename):
        fig = (ax.flat[0] if hasattr(ax, "flat") else ax).figure
        path = os.path.join(args.out, filename)
        fig.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(fig)
        print("saved", os.path.normpath(path))

    ax = plot_convergence(*searches.items())
    best = max(s.best_score_ for s in searches.values())
    ax.set_ylim(best - 0.03, best + 0.005)  # zoom on the race at the top
    save(ax, "convergence.png")
    save(plot_evaluations(searches["BayesSearchCV"]), "evaluations.png")
    save(plot_objective(searches["BayesSearchCV"]), "objective.png")
    save(plot_fitness(searches["EvolutionarySearchCV"]), "fitness.png")
    save(plot_rungs(searches["HalvingBayesSearchCV"]), "rungs.png")


if __name__ == "__main__":
    main()
