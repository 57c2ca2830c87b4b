"""The docstring sections that every net shares: its training parameters and attributes.

A net's docstring names them ``{shared_params}`` and ``{shared_attributes}``;
``_doc`` puts the text in.
"""

_SHARED_PARAMS = """
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or \
torch.optim.Optimizer class, default="adam"
        The optimizer. Its other arguments are routed with ``optimizer__*``
        (e.g. ``optimizer__betas``), checked against its signature.

    lr : float, default=1e-3
        Learning rate.

    weight_decay : float, default=0.0
        L2 penalty, passed to optimizers that take one.

    momentum : float, default=0.9
        Momentum, passed to optimizers that take one (SGD, RMSprop).

    batch_size : int, default=32
        Mini-batch size (``-1``: the whole training set).

    max_epochs : int, default=20
        Training epochs (fewer with early stopping). A natural resource for
        successive halving.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data given to ``fit`` (under
        cross-validation: of the training fold, never the test fold), stop
        when the validation loss has not improved for ``patience`` epochs and
        restore the best epoch's weights (kept in memory, no checkpoint
        files).

    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping (stratified
        for classifiers, drawn with ``random_state``).

    patience : int, default=5
        Epochs without improvement of the validation loss before stopping.

    train_split : callable or None, default=None
        skorch's internal split, used instead of the one ``early_stopping``
        builds. ``None``: train on all the data given to ``fit``.

    device : "auto", "cpu", "cuda", "cuda:<index>" or None, default="auto"
        Resolved at fit, in the process that trains: ``"auto"`` is a GPU when
        torch sees one, else the CPU. ``"auto"`` and ``"cuda"`` take a free GPU
        of this host (round robin over the visible GPUs, one fit per GPU at a
        time, see ``max_fits_per_gpu``); ``"cuda:1"`` always that GPU.
        ``device_`` says which device was used.

    max_fits_per_gpu : int or None, default=1
        How many fits may train on one GPU at the same time, counted across
        the worker processes and threads of this host (lock files in
        ``$SKBAYES_GPU_LOCK_DIR`` or the temp folder). A fit that finds every
        slot taken waits for one; searches warn before they start when
        ``n_jobs`` exceeds the GPU slots. ``None``: no limit.

    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, dropout), numpy, ``random`` and the order of
        the training batches for each ``fit``; the global generators are
        restored afterwards. With an int, the same data gives the same net,
        whatever the process (on CPU; CUDA kernels may add run-to-run noise
        unless ``torch.use_deterministic_algorithms(True)``). ``None``: not
        seeded.

    verbose : int, default=0
        skorch's per-epoch log (0: silent).

    **kwargs
        Any other skorch parameter (``iterator_train__num_workers``,
        ``callbacks``, ``callbacks__<name>__<param>``, ...).
"""


_SHARED_ATTRIBUTES = """
    device_ : str
        The device the net trained on.

    resolved_params_ : dict
        What ``fit`` made of ``device``, ``optimizer`` and ``train_split``.
        skorch's internals read these (``net.device`` is the resolved device
        after fit; ``get_params()`` still returns what was set).

    random_seed_ : int or None
        The seed drawn from ``random_state`` for the last fit.

    module_, optimizer_, criterion_, history_
        As in skorch.
"""


def _doc(text):
    return text.replace("{shared_params}", _SHARED_PARAMS).replace(
        "{shared_attributes}", _SHARED_ATTRIBUTES
    )
