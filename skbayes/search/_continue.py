"""Warm-started rungs: fold models kept between rungs, and the fits that continue them.

When the halving resource is an estimator parameter that the estimator can
extend (boosting rounds, trees, epochs), a candidate promoted to the next
rung continues, on each fold, from the model it trained at the previous
rung, so that the rung costs ``r_k - r_(k-1)`` of resource instead of
``r_k``. Three pieces do it:

- :func:`how_to_continue`: whether, and how, an estimator continues over a
  resource (:class:`Way`): by ``warm_start`` to a larger total
  (``n_estimators``, boosting's ``max_iter``), by ``warm_start`` for more
  epochs (``max_iter`` of ``MLP*`` and ``SGD*``), or by skorch's
  ``partial_fit`` (``max_epochs``).
- :class:`FoldModelStore`: the fold models of the live candidates, known by
  value (a hash of the candidate's parameters without the resource, and a
  hash of the training data of the fold), never by object identity. In
  memory when the fits run in the search's process, else in a temporary
  folder the search owns.
- :class:`ContinuingFit`: what every fit of a rung starts from: it looks up
  the fold model of its candidate and fold, continues it (or trains from
  scratch when there is none), and hands the new fold model back to the
  store.
"""

import hashlib
import numbers
import os
import pickle
import shutil
import tempfile
import time
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.utils import get_tags

__all__ = [
    "Way",
    "how_to_continue",
    "FoldModelStore",
    "ContinuingFit",
    "candidate_key",
    "fold_key",
    "fits_run_here",
]


# -- how an estimator continues ------------------------------------------------


@dataclass(frozen=True)
class Way:
    """How an estimator continues a fit over its resource.

    Attributes
    ----------
    kind : {"total", "more", "partial_fit"}
        ``"total"``: ``warm_start=True`` and the resource set to the new
        total trains only what is missing (boosting, forests). ``"more"``:
        with ``warm_start=True`` each ``fit`` trains ``resource`` more epochs
        (``MLP*``, ``SGD*``), so it is set to the difference. ``"partial_fit"``:
        skorch's ``partial_fit`` trains ``max_epochs`` more epochs.
    resource : str
        The resource as the search sets it (``"clf__max_iter"`` in a pipeline).
    warm_start : str or None
        The ``warm_start`` parameter to switch on (routed in a pipeline).
    claim : {"exact", "close"}
        Whether continuing gives the model that training from scratch gives
        (see :class:`~skbayes.HalvingBayesSearchCV`'s ``resume``).
    """

    kind: str
    resource: str
    warm_start: str = None
    claim: str = "exact"


def _known():
    """``(classes, resource, kind, claim)`` of the estimators known to continue."""
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        ExtraTreesRegressor,
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import SGDClassifier, SGDRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    return [
        ((HistGradientBoostingClassifier, HistGradientBoostingRegressor), "max_iter", "total", "exact"),
        ((GradientBoostingClassifier, GradientBoostingRegressor), "n_estimators", "total", "exact"),
        (
            (RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier, ExtraTreesRegressor),
            "n_estimators",
            "total",
            "exact",
        ),
        ((MLPClassifier, MLPRegressor), "max_iter", "more", "close"),
        ((SGDClassifier, SGDRegressor), "max_iter", "more", "close"),
    ]


def _is_skorch_net(estimator):
    try:
        from skorch import NeuralNet
    except ImportError:
        return False
    return isinstance(estimator, NeuralNet)


def how_to_continue(estimator, resource):
    """How ``estimator`` continues a fit over the parameter ``resource``.

    Parameters
    ----------
    estimator : estimator object
        Not changed. A :class:`~sklearn.pipeline.Pipeline` continues when the
        resource is a parameter of its last step and that step continues.
    resource : str
        The parameter that grows from rung to rung.

    Returns
    -------
    way : Way or None
        None when the estimator is not known to continue over ``resource``.
    reason : str
        Why not (empty when ``way`` is not None).
    """
    name = type(estimator).__name__
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and steps and hasattr(estimator, "_final_estimator"):
        last, final = steps[-1]
        prefix = f"{last}__"
        if not resource.startswith(prefix):
            return None, (
                f"the resource {resource!r} is not a parameter of the pipeline's last step "
                f"{last!r}, the only step that continues"
            )
        way, reason = how_to_continue(final, resource[len(prefix) :])
        if way is None:
            return None, f"its last step {last!r}: {reason}"
        if way.kind == "partial_fit":
            return None, f"its last step {last!r} continues by partial_fit, which a Pipeline lacks"
        return Way(way.kind, resource, prefix + way.warm_start, way.claim), ""
    if _is_skorch_net(estimator):
        if resource == "max_epochs":
            return Way("partial_fit", resource, None, "close"), ""
        return None, f"a skorch net continues over 'max_epochs' only, not {resource!r}"
    for classes, param, kind, claim in _known():
        if isinstance(estimator, classes):
            if resource != param:
                return None, f"{name} continues over {param!r} only, not {resource!r}"
            return Way(kind, resource, "warm_start", claim), ""
    known = sorted(f"{c.__name__} ({p})" for classes, p, _, _ in _known() for c in classes)
    return None, (
        f"{name} is not among the estimators known to continue a fit: "
        f"{', '.join(known)}, and skorch nets (max_epochs)"
    )


def _fit(model, X, y, fit_params):
    if y is None:
        return model.fit(X, **fit_params)
    return model.fit(X, y, **fit_params)


def _stopped_early(model, done):
    """Whether a boosting model trained for ``done`` rounds stopped before (early stopping)."""
    while isinstance(getattr(model, "steps", None), list):
        model = model.steps[-1][1]
    for attribute in ("n_iter_", "n_estimators_"):  # HistGradientBoosting*, GradientBoosting*
        n = getattr(model, attribute, None)
        if isinstance(n, numbers.Integral) and hasattr(model, "train_score_"):
            return n < done
    return False


def go_on(way, model, X, y, fit_params, done, target):
    """Train ``model``, fitted with ``done`` of the resource, on to ``target`` (in place)."""
    if way.kind == "partial_fit":
        model.set_params(**{way.resource: target - done})
        try:
            if y is None:
                model.partial_fit(X, **fit_params)
            else:
                model.partial_fit(X, y, **fit_params)
        finally:
            model.set_params(**{way.resource: target})
        return model
    if way.kind == "total" and _stopped_early(model, done):
        # retraining from scratch stops at the same round: nothing to add
        model.set_params(**{way.resource: target})
        return model
    before = model.get_params()[way.warm_start]
    more = target - done if way.kind == "more" else target
    model.set_params(**{way.warm_start: True, way.resource: more})
    try:
        _fit(model, X, y, fit_params)
    finally:
        model.set_params(**{way.warm_start: before, way.resource: target})
    return model


# -- keys ------------------------------------------------------------------------


def _canonical(value):
    """A plain, comparable description of a parameter value (numbers by value)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, numbers.Integral):
        return ("int", int(value))
    if isinstance(value, numbers.Real):
        return ("float", repr(float(value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    if hasattr(value, "get_params") and not isinstance(value, type):
        # an estimator: by class and parameters (a clone is the same candidate)
        params = value.get_params(deep=False)
        return ("estimator", type(value).__module__, type(value).__qualname__, _canonical(params))
    try:
        return ("object", joblib.hash(value))
    except Exception:  # noqa: BLE001 - unpicklable: described, never matched by chance
        return ("object", type(value).__qualname__, repr(value))


def candidate_key(params, resource):
    """A hash of a candidate's parameters, the resource left out.

    The same candidate at the next rung (and its copy in a worker process,
    its estimators cloned) has the same key; numbers compare by value.
    """
    items = sorted((str(k), _canonical(v)) for k, v in params.items() if k != resource)
    return hashlib.sha1(repr(items).encode()).hexdigest()[:24]


def fold_key(X, y, fit_params):
    """A hash of the training data of a fold (or None if it cannot be hashed).

    A fold model is known by the data it was trained on, so it never reaches
    another fold; two folds with equal training data share their models.
    """
    try:
        return joblib.hash((X, y, sorted(fit_params.items())))
    except Exception:  # noqa: BLE001 - unhashable data: that fold retrains
        return None


# -- where the fold models live -----------------------------------------------------


def fits_run_here(n_jobs):
    """Whether ``Parallel(n_jobs=n_jobs)`` runs its tasks in this process.

    True for the sequential and threading backends, and for loky or
    multiprocessing with one job; False otherwise (process pools with more
    jobs, Dask, Ray, or a backend this does not know).
    """
    try:
        from joblib.parallel import get_active_backend

        backend, _ = get_active_backend()
    except Exception:  # noqa: BLE001 - unknown joblib: keep the models in a folder
        return False
    name = type(backend).__name__
    if name in ("SequentialBackend", "ThreadingBackend"):
        return True
    if name in ("LokyBackend", "MultiprocessingBackend"):
        return joblib.effective_n_jobs(n_jobs) == 1
    return False


class FoldModelStore:
    """The fold models of the live candidates, by candidate and fold.

    Each entry is ``(resource, model, continued)``: the model of one
    candidate on one fold, trained with ``resource``, and whether that fit
    continued an earlier one. In memory (``folder=None``) when every fit
    runs in the search's process; otherwise one pickle file per entry in
    ``folder``, written atomically. A store sent to another process carries
    only its folder: an in-memory store is empty there (its fits then train
    from scratch and keep nothing).

    Parameters
    ----------
    folder : str or None, default=None
        A folder the store owns: :meth:`close` removes it.
    measure : bool, default=False
        Also measure the pickled size of in-memory models (for benchmarks).

    Attributes
    ----------
    peak_models : int
        Most entries kept at once (counted when :meth:`keep_only` is called,
        after every rung).
    peak_bytes : int
        Their size, pickled (in memory: only with ``measure=True``).
    """

    def __init__(self, folder=None, *, measure=False):
        self.folder = folder
        self.measure = measure
        self._models = {} if folder is None else None
        self.peak_models = 0
        self.peak_bytes = 0

    @classmethod
    def open(cls, *, in_memory, measure=False):
        """A new store: in memory, or in a new temporary folder (``tempfile``'s, honouring TMPDIR)."""
        if in_memory:
            return cls(measure=measure)
        return cls(tempfile.mkdtemp(prefix="skbayes-rungs-"), measure=measure)

    def __getstate__(self):
        return {"folder": self.folder, "measure": self.measure, "peak_models": 0, "peak_bytes": 0}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._models = None  # another process: an in-memory store is not here

    # -- files ---------------------------------------------------------------
    @staticmethod
    def _name(cand, fold, resource, continued, has_model):
        flags = ("c" if continued else "s") + ("m" if has_model else "")
        return f"{cand}-{fold}-{int(resource)}-{flags}.pkl"

    def _entries(self):
        """``{(cand, fold): (resource, continued, file name)}`` of the folder."""
        try:
            names = os.listdir(self.folder)
        except OSError:
            return {}
        out = {}
        for name in names:
            parts = name[: -len(".pkl")].split("-") if name.endswith(".pkl") else ()
            if len(parts) == 4 and parts[2].isdigit():
                cand, fold, resource, flag = parts
                out[(cand, fold)] = (int(resource), flag.startswith("c"), name)
        return out

    def _remove(self, name):
        try:
            os.remove(os.path.join(self.folder, name))
        except OSError:
            pass

    # -- what a fit does -----------------------------------------------------
    def get(self, cand, fold):
        """``(resource, model)`` kept for ``(cand, fold)``, or None."""
        if self.folder is None:
            entry = (self._models or {}).get((cand, fold))
            return None if entry is None or entry[1] is None else entry[:2]
        entry = self._entries().get((cand, fold))
        if entry is None or not entry[2].endswith("m.pkl"):
            return None
        try:
            with open(os.path.join(self.folder, entry[2]), "rb") as f:
                model = pickle.load(f)
        except Exception:  # noqa: BLE001 - gone or unreadable: train from scratch
            return None
        return None if model is None else (entry[0], model)

    def put(self, cand, fold, resource, model, continued):
        """Keep ``model`` for ``(cand, fold)`` in place of what was kept.

        ``model=None`` keeps only the record of the fit (its resource and
        whether it continued), for the ``continued`` column.
        """
        if self.folder is None:
            if self._models is not None:
                self._models[(cand, fold)] = (int(resource), model, bool(continued))
            return
        old = self._entries().get((cand, fold))
        name = self._name(cand, fold, resource, continued, model is not None)
        tmp = os.path.join(self.folder, f".{name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            # never creates the folder: once the search has removed it (a
            # worker still running after an interruption), nothing is written
            with open(tmp, "xb") as f:
                pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, os.path.join(self.folder, name))
        except OSError:
            self._remove(os.path.basename(tmp))
            return
        if old is not None and old[2] != name:
            self._remove(old[2])

    def discard(self, cand, fold):
        """Forget what is kept for ``(cand, fold)`` (a fit that failed half-way)."""
        if self.folder is None:
            if self._models is not None:
                self._models.pop((cand, fold), None)
            return
        entry = self._entries().get((cand, fold))
        if entry is not None:
            self._remove(entry[2])

    # -- what the search does ------------------------------------------------
    def table(self):
        """``{cand: [(resource, continued), ...]}``, one item per fold kept."""
        if self.folder is None:
            items = ((k, (r, c)) for k, (r, _, c) in (self._models or {}).items())
        else:
            items = ((k, (r, c)) for k, (r, c, _) in self._entries().items())
        out = {}
        for (cand, _), entry in items:
            out.setdefault(cand, []).append(entry)
        return out

    def keep_only(self, cands):
        """Forget the fold models of every candidate not in ``cands``."""
        cands = set(cands)
        if self.folder is None:
            models = self._models or {}
            n = sum(m is not None for _, m, _ in models.values())
            size = sum(len(pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL))
                       for _, m, _ in models.values() if m is not None) if self.measure else 0
            for key in [k for k in models if k[0] not in cands]:
                del models[key]
        else:
            entries = self._entries()
            n = sum(name.endswith("m.pkl") for _, _, name in entries.values())
            size = 0
            for (cand, _), (_, _, name) in entries.items():
                try:
                    size += os.path.getsize(os.path.join(self.folder, name))
                except OSError:
                    pass
                if cand not in cands:
                    self._remove(name)
        self.peak_models = max(self.peak_models, n)
        self.peak_bytes = max(self.peak_bytes, size)

    def __len__(self):
        return sum(len(v) for v in self.table().values())

    def close(self):
        """Forget everything; remove the folder (retried while late writes land)."""
        if self._models is not None:
            self._models.clear()
        if self.folder is None:
            return
        for _ in range(5):
            shutil.rmtree(self.folder, ignore_errors=True)
            if not os.path.exists(self.folder):
                return
            time.sleep(0.05)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ContinuedColumn:
    """The ``continued`` column of a rung, read from the store once its fits are done.

    ``evaluate_candidates`` reads its ``more_results`` after the fits; a row
    continued when each of its ``n_folds`` fold models was continued at
    ``resource``.
    """

    def __init__(self, store, cands, resource, n_folds):
        self.store = store
        self.cands = list(cands)
        self.resource = int(resource)
        self.n_folds = n_folds

    def __iter__(self):
        table = self.store.table()
        for cand in self.cands:
            folds = [c for r, c in table.get(cand, []) if r == self.resource]
            yield len(folds) >= self.n_folds and all(folds)


# -- the fit that continues -----------------------------------------------------


class ContinuingFit:
    """The estimator every fit of a rung starts from while rungs continue.

    It stands for ``estimator`` in scikit-learn's ``_fit_and_score``: its
    parameters, tags, predictions and scores are the estimator's (those of
    the fold model once fitted). :meth:`fit` continues the fold model that
    ``store`` keeps for the candidate and the fold, or trains from scratch
    when there is none, then hands the new fold model to ``store``.

    Parameters
    ----------
    estimator : estimator object
        Unfitted; its clones receive each candidate's parameters.
    store : FoldModelStore
    way : Way
    load : bool, default=True
        Look for a fold model to continue (False on a bracket's first rung).
    keep : bool, default=True
        Keep the new fold model (False on a bracket's last rung).
    """

    def __init__(self, estimator, store, way, *, load=True, keep=True):
        self.estimator = estimator
        self.store = store
        self.way = way
        self.load = load
        self.keep = keep
        self._params = {}

    def __sklearn_clone__(self):
        return ContinuingFit(clone(self.estimator), self.store, self.way, load=self.load, keep=self.keep)

    def __sklearn_tags__(self):
        return get_tags(self.estimator)

    def get_params(self, deep=True):
        return self.estimator.get_params(deep=deep)

    def set_params(self, **params):
        self.estimator.set_params(**params)
        self._params.update(params)
        return self

    def __getattr__(self, name):
        # only called for what the instance lacks: the estimator's methods
        # and fitted attributes (predict, classes_, ...)
        if name.startswith("__") or name in ("estimator", "fitted_", "way", "store", "_params"):
            raise AttributeError(name)
        target = self.__dict__.get("fitted_", self.__dict__.get("estimator"))
        if target is None:
            raise AttributeError(name)
        return getattr(target, name)

    def fit(self, X, y=None, **fit_params):
        way, store = self.way, self.store
        target = self._params.get(way.resource)
        if target is None:
            target = self.estimator.get_params()[way.resource]
        cand = candidate_key(self._params, way.resource)
        fold = fold_key(X, y, fit_params) if (self.load or self.keep) else None
        found = store.get(cand, fold) if (self.load and fold is not None) else None
        model, continued = None, False
        try:
            if found is not None and found[0] <= target:
                done, model = found
                if done < target:
                    go_on(way, model, X, y, fit_params, done, target)
                continued = True
            else:
                model = self.estimator
                _fit(model, X, y, fit_params)
        except BaseException:
            if fold is not None:
                store.discard(cand, fold)  # an in-memory model may be half trained
            raise
        self.fitted_ = model
        if fold is not None:
            # on a bracket's last rung only what the fit did is kept, not the model
            store.put(cand, fold, target, model if self.keep else None, continued)
        return self
