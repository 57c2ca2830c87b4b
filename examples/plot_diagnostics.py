"""
Diagnostics: which parameters mattered, and a best value at a bound
===================================================================

After ``fit``, every skbayes search can say two things about its result:

- ``parameter_importances_``: each parameter's estimated share of the score's
  variance (the main effects of a functional ANOVA of a Gaussian process
  fitted to ``cv_results_``), drawn by :func:`skbayes.plots.plot_importances`;
- a :class:`~skbayes.exceptions.BoundaryWarning` when the best candidate's
  value lies at a bound of its range, where better values may lie beyond.

Here a gradient-boosting classifier with few boosting rounds is tuned on a
small dataset by a low-discrepancy design, which spreads the candidates over
the whole space (the importances are averages over the space, and a design
that covers it estimates them best).
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier

from skbayes import LowDiscrepancySearchCV
from skbayes.exceptions import BoundaryWarning
from skbayes.plots import plot_importances
from skbayes.space import Integer, Real

X, y = load_breast_cancer(return_X_y=True)
search = LowDiscrepancySearchCV(
    HistGradientBoostingClassifier(max_iter=20, early_stopping=False),
    {
        "learning_rate": Real(0.05, 1.0, prior="log-uniform"),
        "max_leaf_nodes": Integer(2, 64, prior="log-uniform"),
        "l2_regularization": Real(1e-6, 10.0, prior="log-uniform"),
        "max_bins": Integer(32, 255),
    },
    n_iter=32,
    cv=3,
    random_state=0,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", BoundaryWarning)
    search.fit(X, y)

print("best:", search.best_params_, f"score {search.best_score_:.3f}")
for warning in caught:
    if issubclass(warning.category, BoundaryWarning):
        print("BoundaryWarning:", warning.message)
for name, share in search.parameter_importances_.items():
    print(f"{name:>18}: {share:.2f}")

# %%
# The importances as bars; the title gives the share left to interactions.
plot_importances(search)
plt.tight_layout()
plt.show()
