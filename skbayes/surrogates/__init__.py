"""Surrogate models that the Bayesian optimizer fits to the observations.

A new surrogate is one file and one entry of :data:`SURROGATES`; the protocol
(what ``fit``, ``predict`` and ``propose`` receive and return) is documented
in :class:`Surrogate` and :class:`SamplingSurrogate`. An instance of your own class, following
that protocol, can also be passed directly as ``surrogate=``.

The private ``_warp`` holds the score warp: what a surrogate is fitted on
instead of the raw scores, and the way back.
"""

from ._base import SamplingSurrogate, Surrogate
from .forest import RandomForest
from .gp import GaussianProcess
from .tpe import TPE

__all__ = [
    "Surrogate",
    "SamplingSurrogate",
    "GaussianProcess",
    "RandomForest",
    "TPE",
    "SURROGATES",
    "make_surrogate",
]

#: name -> surrogate class, for ``surrogate="gp"`` and friends.
SURROGATES = {
    "gp": GaussianProcess,
    "rf": RandomForest,
    "tpe": TPE,
}


def make_surrogate(surrogate):
    """An unfitted surrogate from a registry name or a user's instance.

    Parameters
    ----------
    surrogate : {"gp", "rf", "tpe"} or object
        A name of :data:`SURROGATES`, or an object with ``fit`` and either
        ``predict`` (regression surrogate) or ``propose`` (sampling surrogate).

    Returns
    -------
    surrogate : object
        A fresh instance (a user's object is cloned when it supports
        ``get_params``, so the user's own object is never fitted).

    Raises
    ------
    ValueError
        For an unknown name or an object that follows neither protocol.
    """
    if isinstance(surrogate, str):
        if surrogate not in SURROGATES:
            raise ValueError(
                f"surrogate must be one of {sorted(SURROGATES)} or an object with "
                f"fit and predict (or propose) methods; got {surrogate!r}."
            )
        return SURROGATES[surrogate]()
    if not callable(getattr(surrogate, "fit", None)) or not (
        callable(getattr(surrogate, "predict", None)) or callable(getattr(surrogate, "propose", None))
    ):
        raise ValueError(
            "surrogate must be one of "
            f"{sorted(SURROGATES)} or an object with fit and predict (or propose) "
            f"methods; got {surrogate!r}."
        )
    if hasattr(surrogate, "get_params"):
        from sklearn.base import clone

        model = clone(surrogate)
    else:
        import copy

        model = copy.deepcopy(surrogate)
    if isinstance(model, GaussianProcess):
        model._check_params()  # bad parameters fail before the first evaluation, not after the design
    return model
