"""
Tune a PyTorch MLP inside a scikit-learn Pipeline, scored with nested CV
========================================================================

The net is a skorch estimator (``skbayes.nets.MLPNetClassifier``): its width,
depth, dropout, activation, optimizer, learning rate, weight decay and batch
size are ordinary parameters, so the search space is one dict, addressed
through the pipeline step's name as any scikit-learn parameter. Scaling is
fitted inside each training fold, and ``cross_val_score`` around the search
gives an unbiased estimate of the whole tuning procedure.

Runs in well under a minute on a CPU (``device="auto"`` takes a GPU when
there is one). Run: ``python examples/nets_mlp_pipeline.py``
"""

import time

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbayes import BayesSearchCV
from skbayes.nets import MLPNetClassifier
from skbayes.space import Categorical, Integer, Real

X, y = load_breast_cancer(return_X_y=True)

pipe = make_pipeline(
    StandardScaler(),
    MLPNetClassifier(max_epochs=10, batch_size=64, random_state=0),
)
space = {
    "mlpnetclassifier__hidden_units": Integer(8, 64, prior="log-uniform"),
    "mlpnetclassifier__n_layers": Integer(1, 3),
    "mlpnetclassifier__dropout": Real(0.0, 0.5),
    "mlpnetclassifier__activation": Categorical(["relu", "tanh", "gelu"]),
    "mlpnetclassifier__optimizer": Categorical(["adam", "sgd"]),
    "mlpnetclassifier__lr": Real(1e-4, 1e-1, prior="log-uniform"),
    "mlpnetclassifier__weight_decay": Real(1e-6, 1e-2, prior="log-uniform"),
}
search = BayesSearchCV(pipe, space, n_iter=6, n_initial_points=3, cv=3, random_state=0)

if __name__ == "__main__":
    start = time.perf_counter()
    outer = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(search, X, y, cv=outer)
    print(f"nested CV accuracy: {scores.mean():.3f} +/- {scores.std():.3f}")

    search.fit(X, y)
    net = search.best_estimator_[-1]
    print("best parameters:", {k.split("__")[1]: v for k, v in search.best_params_.items()})
    print(f"best inner CV accuracy: {search.best_score_:.3f} (trained on {net.device_})")
    print(f"total time: {time.perf_counter() - start:.1f} s")
