"""Fit-time checks of what a user gives a search: the space, callbacks, estimator parameters."""

import numpy as np
from sklearn.base import clone

from .._suggest import close_matches, hint_for
from ..space import compile_search_spaces


def _check_search_spaces(search_spaces, estimator):
    """The compiled subspaces, each checked to hold parameters the estimator takes."""
    spaces = compile_search_spaces(search_spaces)
    for i, space in enumerate(spaces):
        where = "search_spaces" if isinstance(search_spaces, dict) else f"search_spaces[{i}]"
        sample = space.from_unit(np.full((1, space.n_dims), 0.5))[0]
        _check_estimator_accepts(estimator, sample, where)
    return spaces


def _check_callbacks(callbacks):
    if callbacks is None:
        return []
    for i, cb in enumerate(callbacks):
        if not callable(cb):
            raise TypeError(
                f"callbacks[{i}] must be a skbayes.callbacks.Callback or a function "
                f"taking the search state and returning True to stop; got {cb!r}."
            )
    return list(callbacks)


def _check_parallel_fits(estimator, n_workers):
    """Let estimators that train on scarce devices check the number of workers.

    An estimator (or a step or parameter of it) with a ``_check_parallel_fits``
    method is called with ``n_workers`` before the first batch; skbayes.nets
    warns there when more workers than GPU slots would train at once.
    """
    seen = [estimator]
    if hasattr(estimator, "get_params") and not isinstance(estimator, type):
        seen += list(estimator.get_params(deep=True).values())
    done = set()
    for est in seen:
        hook = getattr(est, "_check_parallel_fits", None)
        if id(est) in done or isinstance(est, type) or not callable(hook):
            continue
        done.add(id(est))
        hook(n_workers)


def _check_estimator_accepts(estimator, sample, where):
    """Raise a clear error if the estimator does not take a parameter of ``sample``.

    ``set_params`` is the test (not ``get_params``): skorch nets accept
    ``module__*`` parameters that are not listed until they are set.
    """
    # the candidate's values are the user's own objects (estimators of a
    # Categorical, say): set_params would change them, so check on clones
    sample = {name: clone(value, safe=False) for name, value in sample.items()}
    try:
        clone(estimator).set_params(**sample)
        return
    except Exception as exc:  # noqa: BLE001 - re-raised below with context
        original = exc
    valid = sorted(clone(estimator).get_params(deep=True))
    for name, value in sample.items():
        try:
            clone(estimator).set_params(**{name: value})
        except Exception:  # noqa: BLE001
            hint = _suggest(estimator, name, value, valid)
            raise ValueError(
                f"{where}: {name!r} is not a parameter of "
                f"{type(estimator).__name__}{hint}. Valid parameters are: {valid}."
            ) from original
    raise ValueError(
        f"{where}: the estimator refused a candidate {sample!r}: {original}"
    ) from original


def _suggest(estimator, name, value, valid):
    """A name close to ``name`` that the estimator accepts, as a hint."""
    prefixes = {v.split("__")[0] for v in valid if "__" in v}
    prefixes |= set(getattr(estimator, "prefixes_", ()))  # skorch's routed prefixes
    guesses = [
        p + "__" + name[len(p) + 1 :]
        for p in sorted(prefixes, key=len, reverse=True)
        if name.startswith(p + "_") and not name.startswith(p + "__") and len(name) > len(p) + 1
    ]
    guesses += close_matches(name, valid, n=3, cutoff=0.5)
    for guess in guesses:
        try:
            clone(estimator).set_params(**{guess: value})
        except Exception:  # noqa: BLE001
            continue
        return hint_for(guess)
    return ""
