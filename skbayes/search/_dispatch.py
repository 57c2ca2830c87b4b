"""The order in which a batch's candidates go to the workers: slowest first.

scikit-learn's ``evaluate_candidates`` hands the workers its fits candidate
by candidate, every fold of the first candidate, then every fold of the
second, and returns when the last fit is done. When a batch's slowest
candidate comes last, one worker finishes its last folds while the others
wait. Handing the candidates over slowest first (longest-processing-time
first, the classic rule for keeping parallel machines busy) leaves the short
fits to fill the gaps at the end. Measured (``bench_scaleout.py --part
order``, a batch per worker, fit times spread 10x or 100x): the workers'
idle time inside batches fell from 10-22 % to 5-14 % of their time on 4 and
8 workers (wall time 0.89-0.94x), and by 1-2 points on 2 workers.

A candidate's fit time is predicted from the candidates this fit has
already evaluated: a kernel-weighted mean of their ``log`` (fit + score)
seconds, by distance in the unit cube of their subspace. The order changes
nothing but the dispatch: ``cv_results_``, the scores told to the strategy,
checkpoints and everything else keep the order the strategy proposed (the
search's ``_format_results`` puts scikit-learn's rows back in that order),
so results do not depend on timings, the number of workers or the backend.
"""

import numpy as np

# kernel width in the unit cube (per coordinate): wide enough that a handful
# of observations predict the whole cube, narrow enough to follow a cost that
# grows along one parameter (an SVC's C, a forest's n_estimators)
_BANDWIDTH = 0.2


class CostModel:
    """What the candidates of one fit cost, and the dispatch order that follows.

    Parameters
    ----------
    locate : callable
        ``params -> (subspace, unit point)``, as the strategy places a
        candidate (:meth:`skbayes.strategies.Strategy.locate`).
    """

    def __init__(self, locate):
        self._locate = locate
        self._seen = {}  # subspace -> (list of unit points, list of log seconds)

    def observe(self, batch, seconds):
        """Note what each candidate of an evaluated batch took (``nan``: unknown)."""
        for params, s in zip(batch, np.asarray(seconds, dtype=float)):
            if not np.isfinite(s) or s <= 0:
                continue
            where = self._where(params)
            if where is None:
                continue
            units, costs = self._seen.setdefault(where[0], ([], []))
            units.append(where[1])
            costs.append(np.log(s))

    def order(self, batch):
        """Indices of ``batch``, the candidates predicted slowest first.

        The identity until two candidates have been timed; ties keep the
        order proposed.
        """
        n = len(batch)
        if n < 2 or sum(len(c) for _, c in self._seen.values()) < 2:
            return list(range(n))
        predicted = np.array([self._predict(p) for p in batch])
        return [int(i) for i in np.argsort(-predicted, kind="stable")]

    def _predict(self, params):
        where = self._where(params)
        known = self._seen.get(where[0]) if where is not None else None
        if not known or len(known[1]) < 2:
            # another subspace, or one barely seen: the mean of all
            return float(np.mean([c for _, costs in self._seen.values() for c in costs]))
        units, costs = np.asarray(known[0]), np.asarray(known[1])
        z = (units - where[1]) / _BANDWIDTH
        log_k = -0.5 * np.sum(z * z, axis=1)
        weights = np.exp(log_k - log_k.max())
        return float(weights @ costs / weights.sum())

    def _where(self, params):
        try:
            s, u = self._locate(params)
        except ValueError:  # not in the space (a user's callback edited it)
            return None
        return s, np.asarray(u, dtype=float)


def reorder(order, n_splits, candidate_params, out, more_results):
    """Put scikit-learn's lists back in the order the candidates were proposed.

    ``order[k]`` is the position, in scikit-learn's lists, of the ``k``-th
    candidate proposed; the lists may hold more candidates than ``order``
    covers (those handed over unordered), which keep their places after it.
    """
    n = len(order)
    if n == 0 or list(order) == list(range(n)):
        return candidate_params, out, more_results
    candidate_params = [candidate_params[i] for i in order] + list(candidate_params[n:])
    out = [o for i in order for o in out[i * n_splits : (i + 1) * n_splits]] + list(out[n * n_splits :])
    if more_results:
        more_results = {
            key: [values[i] for i in order] + list(values[n:]) for key, values in more_results.items()
        }
    return candidate_params, out, more_results
