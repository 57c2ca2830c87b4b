"""Which device a net trains on, and how parallel fits share the GPUs.

Three rules, each a small function that tests can drive with a mocked
``torch.cuda`` (no GPU needed):

- ``resolve_device``: ``"auto"`` is CUDA when a GPU is visible, else the CPU;
  ``"cuda"`` (no index) means "a GPU of the pool", ``"cuda:1"`` that one GPU.
  It refuses to touch CUDA in a process forked from one that had initialised
  CUDA: that context cannot be used and such a fit would fail obscurely.
- ``GPUSlots``: each fit on a pooled GPU holds a *slot*, a lock file, for as
  long as it trains. Worker processes (joblib's loky processes, Dask workers
  on one host) and threads take the first free slot, starting from the GPU
  they used last, so parallel workers spread round robin over the visible
  GPUs and never more than ``max_fits_per_gpu`` fits share one GPU; a fit
  that finds every slot taken waits for one.
- ``check_parallel_fits``: before a search dispatches, a warning when more
  parallel workers than GPU slots would train on this machine's GPUs.

The device is always chosen in the process that trains, at fit: a parent never
creates a CUDA context that a worker would inherit.
"""

import os
import tempfile
import threading
import time
import warnings

import torch

try:  # POSIX advisory locks; on other platforms slots are per process only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

#: Environment variable naming the folder that holds the GPU slot lock files.
LOCK_DIR_ENV = "SKBAYES_GPU_LOCK_DIR"

_last_gpu = {}  # thread id -> index of the GPU this thread trained on last
_last_gpu_lock = threading.Lock()


def cuda_device_count():
    """Number of CUDA devices this process can use (0 without CUDA)."""
    if not torch.cuda.is_available():
        return 0
    return int(torch.cuda.device_count())


def _check_not_bad_fork():
    if torch.cuda._is_in_bad_fork():
        raise RuntimeError(
            "This process was forked from a process that had already initialised "
            "CUDA, so it cannot use the GPU. Run parallel searches over nets with "
            "joblib's default 'loky' backend (or a Dask cluster), or set the "
            "multiprocessing start method to 'spawn'; never fork after CUDA is "
            "initialised."
        )


def resolve_device(device):
    """The device a net asks for, made concrete for this process.

    Parameters
    ----------
    device : str, torch.device or None
        ``"auto"``: ``"cuda"`` when a GPU is available, else ``"cpu"``.
        Anything else is returned as given (``None`` means "do not move").

    Returns
    -------
    device : str, torch.device or None
        ``"cpu"``, ``"cuda"`` (any GPU of the pool, chosen by
        :class:`GPUSlots` at fit), or the value given.

    Raises
    ------
    RuntimeError
        When CUDA is asked for in a process forked after CUDA was initialised.
    """
    if isinstance(device, str) and device == "auto":
        _check_not_bad_fork()
        return "cuda" if cuda_device_count() > 0 else "cpu"
    if _is_cuda(device):
        _check_not_bad_fork()
    return device


def _is_cuda(device):
    if device is None:
        return False
    return torch.device(device).type == "cuda"


def is_pooled_cuda(device):
    """Whether ``device`` means "any GPU" (``"cuda"`` without an index)."""
    return device is not None and _is_cuda(device) and torch.device(device).index is None


def physical_gpu_ids(n_gpus):
    """Names of the visible GPUs that stay the same in every process of a host.

    With ``CUDA_VISIBLE_DEVICES`` set, device ``i`` of this process is its
    ``i``-th entry; two processes that see different subsets then still agree
    on which physical GPU a lock file stands for.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible:
        names = [v.strip() for v in visible.split(",") if v.strip()]
        if len(names) >= n_gpus:
            return names[:n_gpus]
    return [str(i) for i in range(n_gpus)]


def lock_dir():
    """The folder of GPU slot lock files (``$SKBAYES_GPU_LOCK_DIR`` or a temp folder)."""
    path = os.environ.get(LOCK_DIR_ENV)
    if not path:
        uid = os.getuid() if hasattr(os, "getuid") else "user"
        path = os.path.join(tempfile.gettempdir(), f"skbayes-gpu-slots-{uid}")
    os.makedirs(path, exist_ok=True)
    return path


def round_robin_order(n_gpus, start):
    """GPU indices to try, beginning at ``start`` and wrapping around."""
    return [(start + k) % n_gpus for k in range(n_gpus)]


class GPULease:
    """A GPU slot held by one fit; release it (or leave the ``with`` block) when done.

    Attributes
    ----------
    index : int
        The GPU's index in this process (``torch.device("cuda", index)``).
    device : str
        ``"cuda:<index>"``.
    waited : float
        Seconds the fit waited for a free slot (0.0 when one was free at once).
    """

    def __init__(self, index, handle=None, waited=0.0):
        self.index = index
        self.device = f"cuda:{index}"
        self.waited = waited
        self._handle = handle

    def release(self):
        if self._handle is not None:
            try:
                fcntl.flock(self._handle, fcntl.LOCK_UN)
            finally:
                self._handle.close()
                self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class GPUSlots:
    """The GPUs of this host as slots, at most ``max_fits_per_gpu`` fits each.

    Parameters
    ----------
    n_gpus : int
        Number of visible GPUs (``torch.cuda.device_count()``).
    max_fits_per_gpu : int or None, default=1
        Fits that may train on one GPU at the same time, across every process
        and thread of the host. ``None``: no limit (round robin only).
    poll : float, default=0.05
        Seconds between two looks for a free slot while waiting.
    """

    def __init__(self, n_gpus, max_fits_per_gpu=1, *, poll=0.05):
        if n_gpus < 1:
            raise ValueError(f"GPUSlots needs at least one GPU, got n_gpus={n_gpus}.")
        self.n_gpus = n_gpus
        self.max_fits_per_gpu = max_fits_per_gpu
        self.poll = poll

    def acquire(self, only=None):
        """Wait for a free slot and hold it.

        Parameters
        ----------
        only : int or None
            Take a slot of this GPU only (a net asked for ``"cuda:<only>"``
            or continues training where its module lives).

        Returns
        -------
        GPULease
        """
        key = threading.get_ident()
        with _last_gpu_lock:
            start = _last_gpu.get(key, 0) % self.n_gpus
        order = [only] if only is not None else round_robin_order(self.n_gpus, start)
        if self.max_fits_per_gpu is None or fcntl is None:
            index = order[0] if only is not None else self._next_unlocked(key, start)
            return GPULease(index)
        names = physical_gpu_ids(self.n_gpus)
        folder = lock_dir()
        began, waited = time.monotonic(), False
        while True:
            # slots outer, GPUs inner: fits spread over the GPUs before sharing one
            for slot in range(self.max_fits_per_gpu):
                for index in order:
                    handle = _try_lock(os.path.join(folder, f"gpu-{names[index]}-slot-{slot}.lock"))
                    if handle is not None:
                        with _last_gpu_lock:
                            _last_gpu[key] = index
                        return GPULease(index, handle, time.monotonic() - began if waited else 0.0)
            waited = True
            time.sleep(self.poll)

    def _next_unlocked(self, key, start):
        # Without cross-process locks: plain round robin within this process.
        with _last_gpu_lock:
            index = _last_gpu.get(key, start - 1) + 1
            _last_gpu[key] = index % self.n_gpus
        return index % self.n_gpus


def _try_lock(path):
    handle = open(path, "a+")  # noqa: SIM115 - kept open while the slot is held
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


_LOCAL_BACKENDS = ("LokyBackend", "MultiprocessingBackend", "ThreadingBackend", "SequentialBackend")


def check_parallel_fits(n_workers, device, max_fits_per_gpu, *, n_gpus=None, backend=None):
    """Warn when parallel workers would oversubscribe this machine's GPUs.

    Called in the parent process before a search dispatches; it only counts
    GPUs (through NVML where possible) and never initialises CUDA.

    Parameters
    ----------
    n_workers : int
        Parallel workers of the search (``effective_n_jobs(n_jobs)``).
    device : str, torch.device or None
        The net's ``device`` parameter.
    max_fits_per_gpu : int or None
        The net's ``max_fits_per_gpu`` parameter.
    n_gpus : int, optional
        Visible GPUs; counted when not given.
    backend : str, optional
        Class name of the active joblib backend; looked up when not given.
        Remote backends (Dask, Ray) run workers on other machines with their
        own GPUs, so nothing is checked there.

    Returns
    -------
    concurrent : int or None
        How many fits can train on GPUs at once (``None`` when no limit
        applies or the net does not use a GPU).
    """
    if backend is None:
        from joblib.parallel import get_active_backend

        backend = type(get_active_backend()[0]).__name__
    if backend not in _LOCAL_BACKENDS or n_workers <= 1:
        return None
    if isinstance(device, str) and device == "auto":
        uses_pool = True
    elif device is None or not _is_cuda(device):
        return None
    else:
        uses_pool = is_pooled_cuda(device)
    if n_gpus is None:
        n_gpus = int(torch.cuda.device_count())
    if n_gpus == 0:
        return None
    if max_fits_per_gpu is None:
        return None
    gpus = n_gpus if uses_pool else 1
    concurrent = gpus * max_fits_per_gpu
    if n_workers > concurrent:
        warnings.warn(
            f"{n_workers} parallel workers will train nets on {gpus} GPU(s) with "
            f"max_fits_per_gpu={max_fits_per_gpu}: at most {concurrent} fits train at "
            f"a time and the other workers wait for a free GPU. Use n_jobs={concurrent}, "
            f"or raise max_fits_per_gpu if several nets fit in one GPU's memory.",
            UserWarning,
            stacklevel=3,
        )
    return concurrent
