"""Callbacks of the search loop: stoppers, a progress bar, checkpoints.

Every skbayes search takes ``callbacks=[...]``. After every batch of
candidates, the loop calls each callback with a :class:`SearchState`; a
callback that returns ``True`` stops the search (the candidates evaluated so
far are kept, the best one is refitted as usual). A callback is either a plain
function ``f(state) -> bool`` or a :class:`Callback`, whose hooks also run when
the search begins and ends.

Callbacks are constructor parameters, so ``clone`` copies them: the callbacks a
search calls during ``fit`` may be copies of the ones you passed. Read what a
stopper did from the search's ``stop_reason_``.
"""

from ._base import Callback, SearchState
from ._checkpoint import CheckpointSaver
from ._progress import ProgressBar
from ._stoppers import DeadlineStopper, NoImprovementStopper, TargetScoreStopper

__all__ = [
    "SearchState",
    "Callback",
    "DeadlineStopper",
    "NoImprovementStopper",
    "TargetScoreStopper",
    "ProgressBar",
    "CheckpointSaver",
]
