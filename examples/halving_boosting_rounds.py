"""
Hyperband over boosting rounds, with a model choosing each new bracket (BOHB)
=============================================================================

``HalvingBayesSearchCV(resource="max_iter")`` fits every candidate of a rung
with a few boosting rounds, keeps the best third and gives them three times
more rounds, as scikit-learn's ``HalvingRandomSearchCV`` does. With Hyperband
brackets (the default), later brackets start with fewer candidates at more
rounds, and their candidates are proposed by a density model of the best
scores seen so far instead of being drawn at random.

The printout shows, per bracket, where its candidates came from and how good
its first rung was: model-proposed brackets start from better candidates.

Runs in about a minute on one CPU core. Run:
``python examples/halving_boosting_rounds.py``
"""

import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from skbayes import HalvingBayesSearchCV
from skbayes.space import Integer, Real

X, y = make_classification(n_samples=2000, n_features=20, n_informative=8, flip_y=0.05,
                           random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)

search = HalvingBayesSearchCV(
    HistGradientBoostingClassifier(early_stopping=False, random_state=0),
    {
        "learning_rate": Real(0.01, 1.0, prior="log-uniform"),
        "max_leaf_nodes": Integer(4, 128, prior="log-uniform"),
        "min_samples_leaf": Integer(2, 200, prior="log-uniform"),
        "l2_regularization": Real(1e-6, 10.0, prior="log-uniform"),
    },
    resource="max_iter",
    min_resources=10,
    max_resources=90,
    factor=3,
    n_candidates=18,
    brackets="hyperband",
    cv=3,
    random_state=0,
)

if __name__ == "__main__":
    start = time.perf_counter()
    search.fit(X_train, y_train)
    res = search.cv_results_
    print("rung  bracket  candidates  rounds  best CV accuracy")
    for itr, (n_res, n_cand) in enumerate(zip(search.n_resources_, search.n_candidates_)):
        rows = res["iter"] == itr
        print(f"{itr:4d}  {res['bracket'][rows][0]:7d}  {n_cand:10d}  {n_res:6d}  "
              f"{np.nanmax(res['mean_test_score'][rows]):.3f}")
    origin = search.strategy_.proposed_by
    print("first-rung candidates:", {k: origin.count(k) for k in ("design", "model", "random")})
    print("best:", search.best_params_)
    print(f"held-out accuracy {search.score(X_test, y_test):.3f} "
          f"in {time.perf_counter() - start:.0f} s")
