"""A progress bar over the candidates of a search (tqdm, optional)."""

import numpy as np

from ._base import Callback

class ProgressBar(Callback):
    """A tqdm progress bar: candidates evaluated out of planned, best score so far.

    Needs tqdm (``pip install "skbayes[progress]"``), imported when the search
    begins.

    Parameters
    ----------
    desc : str, default=None
        Label of the bar; the search's class name by default.
    leave : bool, default=True
        Keep the bar on screen once the search ends.
    file : file-like, default=None
        Where to draw the bar (tqdm's default, standard error, if None).

    Examples
    --------
    >>> from skbayes.callbacks import ProgressBar
    >>> bar = ProgressBar(desc="SVC")
    """

    def __init__(self, desc=None, *, leave=True, file=None):
        self.desc = desc
        self.leave = leave
        self.file = file

    def on_search_begin(self, state):
        try:
            from tqdm.auto import tqdm
        except ImportError as exc:
            raise ImportError(
                'ProgressBar needs tqdm: pip install "skbayes[progress]" (or pip install tqdm).'
            ) from exc
        self._bar = tqdm(
            total=state.n_planned,
            initial=state.n_evaluated,
            desc=self.desc or type(state.search).__name__,
            unit="cand",
            leave=self.leave,
            file=self.file,
        )
        self._shown = state.n_evaluated

    def on_batch_end(self, state):
        bar = getattr(self, "_bar", None)
        if bar is None:
            return False
        if state.n_planned is not None and bar.total != state.n_planned:
            bar.total = state.n_planned
        if np.isfinite(state.best_score):
            bar.set_postfix(best=f"{state.best_score:.4g}", refresh=False)
        bar.update(state.n_evaluated - self._shown)
        self._shown = state.n_evaluated
        return False

    def on_search_end(self, state):
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
        self._bar = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_bar", None)  # a live bar neither pickles nor copies
        return state
