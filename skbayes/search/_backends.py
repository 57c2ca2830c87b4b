"""What a search needs to know about the joblib backend its fits run on.

scikit-learn sends the search itself (the ``caller`` of its callbacks) with
every fit task. While a search fits, :func:`state_for_fit_tasks` keeps that
to its parameters: not the strategy (a fitted surrogate), nor what an
earlier ``fit`` of the same object left (``cv_results_``,
``best_estimator_``: a warm start or a second ``fit`` would send them with
every task), nor the user's callbacks, which run in this process only and
may hold what cannot be pickled (a Dask client, an open file).
"""

__all__ = ["state_for_fit_tasks"]


def state_for_fit_tasks(state):
    """What a running search's fit tasks carry of it: its parameters.

    Parameters
    ----------
    state : dict
        The search's ``__getstate__`` while it fits.

    Returns
    -------
    state : dict
        A copy without the fitted attributes (names ending with ``_``, as
        :func:`sklearn.utils.validation.check_is_fitted` counts them: the
        strategy, the record and the results of an earlier fit), and with
        ``callbacks=None``: they are called in the process that runs the
        search, never in a worker. So the bytes sent per fit task do not
        grow with the candidates evaluated or the size of the models fitted.
    """
    kept = {k: v for k, v in state.items() if not (k.endswith("_") and not k.startswith("__"))}
    if "callbacks" in kept:
        kept["callbacks"] = None
    return kept
