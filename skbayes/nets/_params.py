"""How a net's parameters are read: as the user set them or as fit resolved them.

``_ResolvedAtFit`` lets skorch read the resolved value of a parameter while
``get_params`` keeps what was set; ``_init_parameters`` reads the keyword
parameters of a module's, optimizer's or criterion's class, against which the
routed ``module__*``, ``optimizer__*`` and ``criterion__*`` names are checked.
"""

import inspect


class _ResolvedAtFit:
    """A constructor parameter that skorch reads in its resolved form.

    ``get_params`` returns what the user set (``device="auto"``,
    ``optimizer="adam"``); skorch's internals read ``self.device`` and get
    what ``fit`` resolved it to (``"cuda:1"``, ``torch.optim.Adam``), kept in
    ``resolved_params_``.
    """

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        resolved = obj.__dict__.get("resolved_params_")
        if resolved is not None and self.name in resolved:
            return resolved[self.name]
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj, value):
        obj.__dict__[self.name] = value


_RESOLVED = ("device", "optimizer", "train_split")


def _init_parameters(target):
    """Keyword parameters of a class's ``__init__`` (None: unknown or ``**kwargs``)."""
    if not isinstance(target, type):
        return None
    try:
        sig = inspect.signature(target.__init__)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())[1:]
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name: p.default for p in params if p.kind is not p.VAR_POSITIONAL}
