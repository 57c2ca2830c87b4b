"""
Successive halving over training epochs: many nets briefly, few nets long
=========================================================================

``HalvingBayesSearchCV`` with ``resource="<step>__max_epochs"`` trains every
candidate of a rung for a few epochs, keeps the best third, trains those three
times longer, and so on (Hyperband brackets); later brackets draw their
candidates from a model of the scores already seen (BOHB). Epochs are the
natural budget of a net: a bad learning rate shows after 3 epochs, there is no
need to pay for 27.

Runs in about a minute on a CPU. Run: ``python examples/nets_halving_epochs.py``
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbayes import HalvingBayesSearchCV
from skbayes.nets import MLPNetClassifier
from skbayes.space import Categorical, Integer, Real

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = make_pipeline(StandardScaler(), MLPNetClassifier(batch_size=64, random_state=0))
space = {
    "mlpnetclassifier__hidden_units": Integer(16, 128, prior="log-uniform"),
    "mlpnetclassifier__n_layers": Integer(1, 2),
    "mlpnetclassifier__dropout": Real(0.0, 0.5),
    "mlpnetclassifier__activation": Categorical(["relu", "tanh"]),
    "mlpnetclassifier__lr": Real(1e-4, 1e-1, prior="log-uniform"),
}
search = HalvingBayesSearchCV(
    pipe,
    space,
    resource="mlpnetclassifier__max_epochs",
    min_resources=2,
    max_resources=18,
    factor=3,
    brackets=2,
    cv=3,
    random_state=0,
)

if __name__ == "__main__":
    start = time.perf_counter()
    search.fit(X_train, y_train)
    results = search.cv_results_
    for epochs in np.unique(results["n_resources"]):
        rung = results["n_resources"] == epochs
        print(f"{rung.sum():3d} candidates trained for {epochs:2d} epochs, "
              f"best CV accuracy {np.nanmax(results['mean_test_score'][rung]):.3f}")
    print("best parameters:", {k.split("__")[1]: v for k, v in search.best_params_.items()})
    print(f"held-out accuracy: {search.score(X_test, y_test):.3f}, "
          f"{time.perf_counter() - start:.1f} s")
