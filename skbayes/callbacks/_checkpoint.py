"""Checkpoint files and the fingerprints that decide whether one can be resumed.

A checkpoint file holds one snapshot (see ``BaseSearch._snapshot``) per data
fingerprint: the searches of a nested cross-validation
(``cross_val_score(search, X, y)``), clones fitted on other data, share
the file, each resuming its own entry. A snapshot is plain data: every
candidate evaluated so far with the raw per-fold results scikit-learn
builds ``cv_results_`` from, the sizes and scores of the batches (which the
strategy is rebuilt from, by replaying them), the CV splits, the root seed,
and fingerprints of the search settings and of the data. No live object of
skbayes is stored, so a file outlives changes to our classes.

The file is written atomically: to a temporary file in the same folder,
flushed to disk, then moved over the old one with ``os.replace``, so a crash
while writing leaves the previous checkpoint whole. Searches in several
processes of one machine (an outer ``cross_val_score`` with ``n_jobs``)
take turns through a lock file in the temporary folder, so that none loses
another's entry.

The user's own objects among the values of the search space (estimators as
categories, say) are not pickled: the file names them by their place in the
space, and loading gives back the very objects of the search that resumes it
(``user_values``), as a search that never stopped would hold.

Checkpoints are pickles: load only files you wrote yourself.
"""

import contextlib
import hashlib
import io
import math
import numbers
import os
import pickle
import tempfile

import joblib
import numpy as np

from ._base import Callback

FORMAT = "skbayes-checkpoint"
VERSION = 3  # 3: one entry per data fingerprint, the strategy replayed from the batches
# 2: the root seed kept, user values by reference, no failed batches apart

# what a space value is stored as when it is one of the user's objects
_USER_VALUE = "skbayes-user-value"


class _Pickler(pickle.Pickler):
    def __init__(self, file, user_values):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._index = {id(v): i for i, v in enumerate(user_values)}

    def persistent_id(self, obj):
        i = self._index.get(id(obj))
        return None if i is None else (_USER_VALUE, i)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, user_values):
        super().__init__(file)
        self._values = list(user_values)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == _USER_VALUE):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        # a search with another space cannot resume the file (its settings
        # fingerprint differs, which is checked next): any stand-in will do
        return self._values[pid[1]] if pid[1] < len(self._values) else None

#: Constructor parameters that change how fast a search runs or what it
#: reports, never which candidates it evaluates nor their scores.
NOT_FINGERPRINTED = frozenset(
    {"n_jobs", "verbose", "pre_dispatch", "refit", "callbacks", "warm_start"}
)


def save(path, snapshot, *, fsync=True, user_values=()):
    """Write ``snapshot`` into the file ``path`` atomically, beside the others' entries.

    The snapshot becomes the file's entry for its data fingerprint
    (``snapshot["data"]``), replacing the one written before; the entries
    of other data are kept as they are.

    Parameters
    ----------
    path : str or os.PathLike
    snapshot : dict
        What ``BaseSearch._snapshot`` returns.
    fsync : bool, default=True
        Flush the file to disk before it replaces the old one, so that the
        checkpoint also survives a power cut or an OS crash (the move alone
        protects it from a crash of the process).
    user_values : sequence, default=()
        The user's objects among the space's values: stored by their index.
    """
    path = os.fspath(path)
    buffer = io.BytesIO()
    _Pickler(buffer, user_values).dump(snapshot)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with _locked(path):
        entries = dict(_entries(path))
        entries[snapshot.get("data")] = buffer.getvalue()
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump({"format": FORMAT, "version": VERSION, "entries": entries}, f,
                            protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                if fsync:
                    os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _last_written[os.path.abspath(path)] = (_signature(path), entries)


def load(path, data, user_values=()):
    """The snapshot of the file ``path`` for the data fingerprint ``data``, or None.

    ``user_values`` are the objects the file refers to by index (those of
    the search that resumes it).

    Raises
    ------
    ValueError
        If the file is not a readable skbayes checkpoint of this version.
    """
    path = os.fspath(path)
    advice = "Delete it (or use CheckpointSaver(..., resume=False)) to start the search over."
    with _locked(path):
        try:
            with open(path, "rb") as f:
                content = pickle.load(f)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means corrupted
            raise ValueError(
                f"The checkpoint {path!r} is corrupted or is not an skbayes checkpoint "
                f"({type(exc).__name__}: {exc}). {advice}"
            ) from exc
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise ValueError(f"The file {path!r} is not an skbayes checkpoint. {advice}")
    if content.get("version") != VERSION:
        raise ValueError(
            f"The checkpoint {path!r} has format version {content.get('version')!r}; this "
            f"version of skbayes reads version {VERSION}. {advice}"
        )
    entry = content["entries"].get(data)
    if entry is None:
        return None
    try:
        snapshot = _Unpickler(io.BytesIO(entry), user_values).load()
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"The checkpoint {path!r} is corrupted ({type(exc).__name__}: {exc}). {advice}"
        ) from exc
    snapshot["source"] = f"the checkpoint {path!r}"
    return snapshot


# what this process last wrote to each file: (its stat signature, its entries),
# so that a search writing after every batch reads the file again only when
# another process wrote to it in between
_last_written = {}


def _signature(path):
    st = os.stat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _entries(path):
    """The raw entries of an existing checkpoint file ({} if none or unreadable)."""
    try:
        signature = _signature(path)
    except OSError:
        return {}
    known = _last_written.get(os.path.abspath(path))
    if known is not None and known[0] == signature:
        return known[1]
    try:
        with open(path, "rb") as f:
            content = pickle.load(f)
        entries = content["entries"] if content.get("version") == VERSION else {}
    except Exception:  # noqa: BLE001 - a file that resume=False overwrites
        return {}
    return dict(entries) if isinstance(entries, dict) else {}


@contextlib.contextmanager
def _locked(path):
    """Hold an exclusive lock on ``path`` (one lock file per checkpoint, in the temp folder).

    Processes of one machine take turns (``fcntl.flock`` on POSIX,
    ``msvcrt.locking`` on Windows); a lock held by a process that dies is
    released with it.
    """
    name = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:20]
    folder = os.path.join(tempfile.gettempdir(), "skbayes-locks")
    os.makedirs(folder, exist_ok=True)
    fd = os.open(os.path.join(folder, name + ".lock"), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        import fcntl
    except ImportError:  # Windows
        fcntl = None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        else:
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    finally:
        os.close(fd)  # closing also releases a flock


# -- CV splits ----------------------------------------------------------------------


def pack_splits(splits, n_samples):
    """The CV splits in little space: sorted index arrays as bit masks.

    A sorted array of distinct indices (what ``KFold`` and most splitters
    give) becomes a packed boolean mask of ``n_samples`` bits; any other
    (shuffled order, repeats) is kept as is, in 32-bit integers when they fit,
    since the order of the training rows can change a fit.
    """
    return [(_pack(train, n_samples), _pack(test, n_samples)) for train, test in splits]


def unpack_splits(packed):
    """Inverse of :func:`pack_splits`."""
    return [(_unpack(train), _unpack(test)) for train, test in packed]


def _pack(indices, n_samples):
    idx = np.asarray(indices)
    if (
        idx.ndim == 1
        and idx.size
        and np.issubdtype(idx.dtype, np.integer)
        and idx[0] >= 0
        and idx[-1] < n_samples
        and np.all(np.diff(idx) > 0)
    ):
        mask = np.zeros(n_samples, dtype=bool)
        mask[idx] = True
        return ("mask", int(n_samples), np.packbits(mask))
    if np.issubdtype(idx.dtype, np.integer) and (idx.size == 0 or idx.max() < 2**31):
        idx = idx.astype(np.int32)
    return ("index", idx)


def _unpack(packed):
    if packed[0] == "mask":
        return np.flatnonzero(np.unpackbits(packed[2], count=packed[1]))
    return np.asarray(packed[1])


# -- fingerprints ----------------------------------------------------------------


def describe(value):
    """A plain, picklable description of ``value`` that is equal across processes.

    Estimators are described by their class and parameters, scipy frozen
    distributions by their name and arguments, functions by their qualified
    name, and other objects by their ``repr`` when it holds no memory address.
    """
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, numbers.Number):
        if isinstance(value, numbers.Real) and math.isnan(value):
            return "nan"
        return value
    if isinstance(value, dict):
        return ("dict", tuple((describe(k), describe(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(describe(v) for v in value))
    if isinstance(value, np.ndarray):
        return ("ndarray", joblib.hash(value))
    if isinstance(value, (np.random.RandomState, np.random.Generator)):
        # A stateful generator gives other results at every fit anyway.
        return type(value).__name__
    if hasattr(value, "get_params") and not isinstance(value, type):
        try:
            params = value.get_params(deep=False)
        except Exception:  # noqa: BLE001 - fall back on the repr
            params = None
        if params is not None:
            return (_qualname(type(value)), describe(params))
    dist = getattr(value, "dist", None)
    if dist is not None and hasattr(value, "ppf") and hasattr(value, "args"):
        return ("dist", getattr(dist, "name", _qualname(type(dist))), describe(value.args), describe(value.kwds))
    fields = getattr(value, "_fields", None)  # skbayes dimensions
    if isinstance(fields, tuple) and fields and all(hasattr(value, f) for f in fields):
        return (_qualname(type(value)), tuple(describe(getattr(value, f)) for f in fields))
    if callable(value) and hasattr(value, "__qualname__"):
        return ("callable", getattr(value, "__module__", None), value.__qualname__)
    text = repr(value)
    if " at 0x" in text:
        return ("object", _qualname(type(value)))
    return ("object", _qualname(type(value)), text)


def _qualname(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def settings_fingerprint(search):
    """``{parameter: hash}`` of the parameters that decide what a search evaluates."""
    return {
        name: joblib.hash(describe(value))
        for name, value in search.get_params(deep=False).items()
        if name not in NOT_FINGERPRINTED
    }


#: Arrays larger than this (in elements) are fingerprinted on evenly spaced rows.
SAMPLED_ABOVE = 2**20


def data_fingerprint(X, y, params):
    """A hash of the data and fit parameters, or None if they cannot be hashed.

    Arrays (numpy, pandas) of more than ``SAMPLED_ABOVE`` elements are hashed
    on their shape and about ``SAMPLED_ABOVE`` elements of evenly spaced rows,
    so that a fit on large data does not spend seconds hashing it.
    """
    try:
        parts = [_sampled(X), _sampled(y)]
        parts += [(k, _sampled(v)) for k, v in sorted(params.items())]
        return joblib.hash(parts)
    except Exception:  # noqa: BLE001 - unhashable input: the check is skipped
        return None


def _sampled(a):
    shape = getattr(a, "shape", None)
    if shape is None or not shape or int(np.prod(shape)) <= SAMPLED_ABOVE:
        return a
    step = math.ceil(int(np.prod(shape)) / SAMPLED_ABOVE)
    rows = a.iloc[::step] if hasattr(a, "iloc") else a[::step]
    return ("sampled", tuple(shape), step, rows)


# -- the callback ----------------------------------------------------------------


class CheckpointSaver(Callback):
    """Save the search after every batch; resume from the file when it exists.

    After every batch, writes everything evaluated so far (the candidates with
    their per-fold results, the CV splits, the batches the strategy is rebuilt
    from) to ``path``, atomically: a crash, even ``kill -9``, never leaves a
    corrupted file, and at most the batch in flight is lost. Fitting the same
    search again with the same ``path`` resumes it: the candidates in the file
    are not refitted, and ``cv_results_`` ends the same as if the search had
    never stopped. A checkpoint written by a search with other settings
    (estimator, space, scoring, cv, random_state, ...) is refused with an
    error naming what differs; one with a smaller budget (``n_iter``,
    ``generations``, ``brackets``) is extended when the search has
    ``warm_start=True``.

    The file keeps one entry per data set (``X``, ``y`` and fit parameters,
    by their fingerprint): a search fitted on other data starts its own
    entry, so that the clones of a nested cross-validation
    (``cross_val_score(search, X, y)``, also with ``n_jobs``) share one file
    and each resumes its own outer fold.

    The file is a pickle: load only checkpoints you wrote yourself.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    resume : bool, default=True
        Resume from ``path`` when it holds an entry for this data; False starts
        over and overwrites that entry.
    fsync : bool, default=True
        Flush each checkpoint to disk before it replaces the previous one (a
        few milliseconds per batch), so that it also survives a power cut or
        an OS crash. Without, it still survives any crash of the process.

    Examples
    --------
    >>> from skbayes.callbacks import CheckpointSaver
    >>> saver = CheckpointSaver("search.ckpt")
    """

    def __init__(self, path, *, resume=True, fsync=True):
        self.path = path
        self.resume = resume
        self.fsync = fsync

    def restore(self, search):
        if self.resume and os.path.exists(self.path):
            return load(self.path, search._data_key(), user_values=search._user_values())
        return None

    def on_batch_end(self, state):
        search = state.search
        save(self.path, state.snapshot(), fsync=self.fsync, user_values=search._user_values())
        return False
