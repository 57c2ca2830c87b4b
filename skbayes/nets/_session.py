"""What surrounds one training: seeded generators, and a Ctrl-C that is not lost.

``_seeded`` seeds torch, numpy and ``random`` for the block and restores them
after; ``_seed_worker`` carries the seed into DataLoader workers;
``_watch_interrupts`` notes a real SIGINT that skorch would swallow.
``_TunableNet._training_session`` puts them together.
"""

import contextlib
import random
import signal
import threading

import numpy as np
import torch


def _seed_worker(worker_id):
    """DataLoader ``worker_init_fn``: numpy and random follow torch's worker seed."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


@contextlib.contextmanager
def _seeded(seed, device):
    """Seed torch, numpy and random inside the block; restore them after.

    Yields the ``torch.Generator`` that shuffles the training batches (None
    without a seed).
    """
    if seed is None:
        yield None
        return
    cuda = []
    if device is not None and torch.device(device).type == "cuda":
        cuda = [torch.device(device).index or 0]
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        try:
            yield torch.Generator().manual_seed(seed)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)


class _InterruptWatch:
    fired = False


@contextlib.contextmanager
def _watch_interrupts():
    """Note whether a real SIGINT (Ctrl-C) arrives while the block runs.

    skorch turns every ``KeyboardInterrupt`` raised during training into "stop
    training" (its early stopping raises one), so a Ctrl-C alone would only end
    the current fit. The handler keeps the previous handler's behaviour and
    records the signal, so that ``fit`` can raise ``KeyboardInterrupt`` again
    once skorch has cleaned up. Signals reach only the main thread; elsewhere
    this does nothing.
    """
    watch = _InterruptWatch()
    if threading.current_thread() is not threading.main_thread():
        yield watch
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if previous is signal.SIG_IGN:
            return
        watch.fired = True
        if callable(previous):
            previous(signum, frame)  # the default handler raises KeyboardInterrupt
            watch.fired = False  # a custom handler chose not to interrupt
            return
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
