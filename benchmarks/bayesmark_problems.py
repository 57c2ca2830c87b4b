"""Bayesmark's scikit-learn tuning problems, re-implemented for current scikit-learn.

A problem is ``model x dataset x metric``: the nine models of Bayesmark
(kNN, SVM, DT, RF, MLP-adam, MLP-sgd, ada, lasso, linear) on the datasets
bundled with scikit-learn (breast, digits, iris, wine: classification, metrics
``nll`` and ``acc``; diabetes: regression, metrics ``mse`` and ``mae``), 90
problems in all. As in Bayesmark, the data are split 80/20 once (shuffled,
``random_state=0``) and the loss is the mean over a 5-fold cross-validation of
the 80 % part (the unshuffled folds of ``cross_val_score(cv=5)``: stratified
for classifiers), negated so that lower is better.

The search spaces are Bayesmark's, with its input warping made explicit: a
parameter that Bayesmark searches in ``"logit"`` space is shown to every
optimizer as a uniform real on ``(logit(low), logit(high))`` and mapped back
with the logistic function before it reaches the model (Bayesmark's own
wrappers hand every optimizer the warped space in the same way); ``"log"``
parameters are log-uniform dimensions (every peer takes them natively);
``"bool"`` parameters are two-valued categoricals.

What changed in scikit-learn since Bayesmark (0.0.8, scikit-learn 0.2x), and
how it is mapped:

- ``boston`` was removed from scikit-learn (1.2): dropped (so are its 18
  problems; Bayesmark had 108).
- ``LogisticRegression(multi_class="ovr")`` (lasso, linear): ``multi_class``
  was removed and liblinear no longer fits multiclass problems itself; the
  model is wrapped in ``OneVsRestClassifier`` when there are more than two
  classes (the same one-vs-rest fits and normalised probabilities).
  ``penalty="l1"/"l2"`` (deprecated in 1.8) is ``l1_ratio=1.0/0.0``.
- ``Lasso``/``Ridge(normalize=...)`` (regression lasso, linear): the argument
  was removed in 1.2; it is re-implemented exactly as it was (when
  ``fit_intercept=True``, the columns are centred and divided by their L2
  norm before the fit; ignored otherwise) by a transformer in front of the
  model, so ``normalize`` stays a searched parameter.
- ``AdaBoostClassifier(algorithm=...)``: Bayesmark used the then default
  ``"SAMME.R"``, which was removed in 1.6; the only algorithm left is
  ``"SAMME"``.
- ``MLP*(hidden_layer_sizes=n)``: one hidden layer of ``n`` units, as before.

Randomness of the models (SVC's Platt scaling, trees, forests, MLPs,
AdaBoost): Bayesmark left ``random_state`` unset, so every evaluation draws
fresh randomness and the objective is noisy. Here the caller passes
``model_seed``: the benchmark draws it from (trial seed, problem, index of the
evaluation), so a rerun is reproducible and every optimizer sees the same
stream of seeds, or fixes it (``--model-seed fixed``) for a deterministic
objective.
"""

import math
import time
import warnings

import numpy as np

from skbayes.space import Categorical, Integer, Real

CV_SPLITS = 5
TEST_SIZE = 0.2
SHUFFLE_SEED = 0

CLF_DATASETS = ("breast", "digits", "iris", "wine")
REG_DATASETS = ("diabetes",)
CLF_METRICS = ("nll", "acc")
REG_METRICS = ("mse", "mae")
_SCORER = {"nll": "neg_log_loss", "acc": "accuracy", "mse": "neg_mean_squared_error",
           "mae": "neg_mean_absolute_error"}

# -- search spaces: name -> (type, scale, range), Bayesmark's api_config ------------------

_KNN = {"n_neighbors": ("int", "linear", (1, 25)), "p": ("int", "linear", (1, 4))}
_SVM = {"C": ("real", "log", (1.0, 1e3)), "gamma": ("real", "log", (1e-4, 1e-3)),
        "tol": ("real", "log", (1e-5, 1e-1))}
_TREE = {
    "max_depth": ("int", "linear", (1, 15)),
    "min_samples_split": ("real", "logit", (0.01, 0.99)),
    "min_samples_leaf": ("real", "logit", (0.01, 0.49)),
    "min_weight_fraction_leaf": ("real", "logit", (0.01, 0.49)),
    "max_features": ("real", "logit", (0.01, 0.99)),
    "min_impurity_decrease": ("real", "linear", (0.0, 0.5)),
}
_MLP_ADAM = {
    "hidden_layer_sizes": ("int", "linear", (50, 200)),
    "alpha": ("real", "log", (1e-5, 1e1)),
    "batch_size": ("int", "linear", (10, 250)),
    "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "validation_fraction": ("real", "logit", (0.1, 0.9)),
    "beta_1": ("real", "logit", (0.5, 0.99)),
    "beta_2": ("real", "logit", (0.9, 1.0 - 1e-6)),
    "epsilon": ("real", "log", (1e-9, 1e-6)),
}
_MLP_SGD = {
    "hidden_layer_sizes": ("int", "linear", (50, 200)),
    "alpha": ("real", "log", (1e-5, 1e1)),
    "batch_size": ("int", "linear", (10, 250)),
    "learning_rate_init": ("real", "log", (1e-5, 1e-1)),
    "power_t": ("real", "logit", (0.1, 0.9)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "momentum": ("real", "logit", (0.001, 0.999)),
    "validation_fraction": ("real", "logit", (0.1, 0.9)),
}
_ADA = {"n_estimators": ("int", "linear", (10, 100)), "learning_rate": ("real", "log", (1e-4, 1e1))}
_LOGREG = {"C": ("real", "log", (1e-2, 1e2)), "intercept_scaling": ("real", "log", (1e-2, 1e2))}
_LASSO_REG = {
    "alpha": ("real", "log", (1e-2, 1e2)),
    "fit_intercept": ("bool", None, None),
    "normalize": ("bool", None, None),
    "max_iter": ("int", "log", (10, 5000)),
    "tol": ("real", "log", (1e-5, 1e-1)),
    "positive": ("bool", None, None),
}
_RIDGE_REG = {
    "alpha": ("real", "log", (1e-2, 1e2)),
    "fit_intercept": ("bool", None, None),
    "normalize": ("bool", None, None),
    "max_iter": ("int", "log", (10, 5000)),
    "tol": ("real", "log", (1e-4, 1e-1)),
}

MODELS = ("kNN", "SVM", "DT", "RF", "MLP-adam", "MLP-sgd", "ada", "lasso", "linear")
_SPACE_CLF = {"kNN": _KNN, "SVM": _SVM, "DT": _TREE, "RF": _TREE, "MLP-adam": _MLP_ADAM,
              "MLP-sgd": _MLP_SGD, "ada": _ADA, "lasso": _LOGREG, "linear": _LOGREG}
_SPACE_REG = dict(_SPACE_CLF, lasso=_LASSO_REG, linear=_RIDGE_REG)


def _logit(p):
    return math.log(p / (1.0 - p))


def _expit(z):
    return 1.0 / (1.0 + math.exp(-z))


class _OldNormalize:
    """``normalize=True`` of scikit-learn < 1.2's linear models, as a transformer.

    With ``active`` it centres the columns and divides them by their L2 norm
    (columns of zero norm are left unscaled); the model after it fits its
    intercept on the centred data, which gives the predictions of the old
    ``normalize=True`` fit.
    """

    def __init__(self, active=False):
        self.active = active

    def get_params(self, deep=True):
        return {"active": self.active}

    def set_params(self, **params):
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        norm = np.sqrt(((X - self.mean_) ** 2).sum(axis=0))
        norm[norm == 0.0] = 1.0
        self.scale_ = norm
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float)
        return (X - self.mean_) / self.scale_ if self.active else X

    def fit_transform(self, X, y=None):
        return self.fit(X, y).transform(X)


def _build(model, is_clf, params, n_classes, seed):
    """The estimator of ``model`` with Bayesmark's fixed arguments and ``params``."""
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor, RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import Lasso, LogisticRegression, Ridge
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC, SVR
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    p = dict(params)
    if model == "kNN":
        return (KNeighborsClassifier if is_clf else KNeighborsRegressor)(**p)
    if model == "SVM":
        if is_clf:
            return SVC(kernel="rbf", probability=True, random_state=seed, **p)
        return SVR(kernel="rbf", **p)
    if model == "DT":
        cls = DecisionTreeClassifier if is_clf else DecisionTreeRegressor
        return cls(max_leaf_nodes=None, random_state=seed, **p)
    if model == "RF":
        cls = RandomForestClassifier if is_clf else RandomForestRegressor
        return cls(n_estimators=10, max_leaf_nodes=None, random_state=seed, **p)
    if model in ("MLP-adam", "MLP-sgd"):
        p["hidden_layer_sizes"] = (int(p["hidden_layer_sizes"]),)
        fixed = {"solver": "adam"} if model == "MLP-adam" else {
            "solver": "sgd", "learning_rate": "invscaling", "nesterovs_momentum": True}
        if model == "MLP-sgd" and not is_clf:
            fixed["activation"] = "tanh"  # Bayesmark: "regression crashes often with relu"
        cls = MLPClassifier if is_clf else MLPRegressor
        return cls(early_stopping=True, random_state=seed, **fixed, **p)
    if model == "ada":
        return (AdaBoostClassifier if is_clf else AdaBoostRegressor)(random_state=seed, **p)
    if model in ("lasso", "linear"):
        if is_clf:
            est = LogisticRegression(l1_ratio=1.0 if model == "lasso" else 0.0, fit_intercept=True,
                                     solver="liblinear", **p)
            return OneVsRestClassifier(est) if n_classes > 2 else est
        normalize = bool(p.pop("normalize"))
        fit_intercept = bool(p["fit_intercept"])
        est = Lasso(**p) if model == "lasso" else Ridge(solver="auto", **p)
        return make_pipeline(_OldNormalize(active=normalize and fit_intercept), est)
    raise ValueError(f"unknown model {model!r}")


def _load(dataset):
    from sklearn import datasets

    loader = {"breast": datasets.load_breast_cancer, "digits": datasets.load_digits,
              "iris": datasets.load_iris, "wine": datasets.load_wine,
              "diabetes": datasets.load_diabetes}[dataset]
    X, y = loader(return_X_y=True)
    return np.asarray(X, dtype=float), y


def all_problems():
    """Every problem name ``model-dataset-metric`` (90)."""
    names = []
    for model in MODELS:
        for d in CLF_DATASETS:
            names += [f"{model}-{d}-{m}" for m in CLF_METRICS]
        for d in REG_DATASETS:
            names += [f"{model}-{d}-{m}" for m in REG_METRICS]
    return names


def parse(name):
    """``"MLP-adam-wine-nll"`` -> ``("MLP-adam", "wine", "nll")``."""
    head, dataset, metric = name.rsplit("-", 2)
    if head not in MODELS or dataset not in CLF_DATASETS + REG_DATASETS:
        raise ValueError(f"unknown problem {name!r}")
    if metric not in (CLF_METRICS if dataset in CLF_DATASETS else REG_METRICS):
        raise ValueError(f"metric {metric!r} does not apply to {dataset!r}")
    return head, dataset, metric


class Problem:
    """One Bayesmark problem: ``space`` for the optimizers, ``evaluate(params, seed)`` -> CV loss."""

    def __init__(self, name):
        from sklearn.metrics import get_scorer
        from sklearn.model_selection import train_test_split

        self.name = name
        self.model, self.dataset, self.metric = parse(name)
        self.is_clf = self.dataset in CLF_DATASETS
        self.config = (_SPACE_CLF if self.is_clf else _SPACE_REG)[self.model]
        X, y = _load(self.dataset)
        self.X, self.X_test, self.y, self.y_test = train_test_split(
            X, y, test_size=TEST_SIZE, random_state=SHUFFLE_SEED, shuffle=True)
        self.n_classes = len(np.unique(y)) if self.is_clf else 0
        self.scorer = get_scorer(_SCORER[self.metric])
        self.space = {}
        for pname, (kind, scale, rng) in self.config.items():
            if kind == "bool":
                self.space[pname] = Categorical([False, True])
            elif kind == "int":
                self.space[pname] = Integer(rng[0], rng[1], prior="log-uniform" if scale == "log" else "uniform")
            elif scale == "logit":
                self.space[pname] = Real(_logit(rng[0]), _logit(rng[1]))
            else:
                self.space[pname] = Real(rng[0], rng[1], prior="log-uniform" if scale == "log" else "uniform")

    def model_params(self, params):
        """The optimizer's point (warped space) -> the model's arguments."""
        out = {}
        for pname, (kind, scale, rng) in self.config.items():
            v = params[pname]
            if kind == "bool":
                out[pname] = bool(v)
            elif kind == "int":
                out[pname] = int(min(max(round(float(v)), rng[0]), rng[1]))
            elif scale == "logit":
                out[pname] = min(max(_expit(float(v)), rng[0]), rng[1])
            else:
                out[pname] = min(max(float(v), rng[0]), rng[1])
        return out

    def evaluate(self, params, seed=0):
        """Mean 5-fold CV loss at ``params`` (nan if the fits fail or the loss is not finite)."""
        from sklearn.model_selection import cross_val_score

        est = _build(self.model, self.is_clf, self.model_params(params), self.n_classes, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = cross_val_score(est, self.X, self.y, scoring=self.scorer, cv=CV_SPLITS,
                                     error_score=np.nan)
        loss = -float(np.mean(scores))
        return loss if math.isfinite(loss) else math.nan


def measure_cost(names, n=3, seed=0):
    """Median seconds per evaluation of each problem at ``n`` random points."""
    from skbayes.space import Space

    rows = []
    for name in names:
        prob = Problem(name)
        sp = Space(prob.space)
        pts = sp.from_unit(np.random.default_rng(seed).random((n, sp.n_dims)))
        times, losses = [], []
        for i, p in enumerate(pts):
            t0 = time.perf_counter()
            losses.append(prob.evaluate(p, seed=i))
            times.append(time.perf_counter() - t0)
        rows.append({"problem": name, "sec_per_eval": float(np.median(times)),
                     "max_sec": float(np.max(times)), "n_nan": int(np.sum(np.isnan(losses)))})
    return rows
