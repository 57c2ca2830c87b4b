"""The "did you mean ...?" of error messages, one wording for the searches and the nets.

Names close to a misspelt one are found with :func:`difflib.get_close_matches`;
the hint reads ``" (did you mean 'name'?)"`` and follows the subject of the
message (``"'C_' is not a parameter of SVC (did you mean 'C'?)."``). A bottom
layer: it imports nothing else of skbayes.
"""

import difflib
from collections.abc import Mapping


def close_matches(name, choices, *, n=1, cutoff=0.6):
    """The choices that look like ``name``, closest first.

    Parameters
    ----------
    name : object
        The misspelt name (compared as ``str(name)``).
    choices : iterable of str
        The legal names.
    n : int, default=1
        At most this many matches.
    cutoff : float in [0, 1], default=0.6
        How alike a match must be (:class:`difflib.SequenceMatcher` ratio).

    Returns
    -------
    matches : list of str
        Possibly empty.
    """
    return difflib.get_close_matches(str(name), list(choices), n=n, cutoff=cutoff)


def hint_for(suggestion):
    """The hint that proposes ``suggestion``: ``" (did you mean 'suggestion'?)"``.

    Parameters
    ----------
    suggestion : str
        The name proposed instead.

    Returns
    -------
    text : str
        With a leading space, to follow the subject of a message.
    """
    return f" (did you mean {suggestion!r}?)"


def did_you_mean(name, choices, *, cutoff=0.6):
    """The hint for the choice closest to ``name``, or ``""`` when none is close.

    Parameters
    ----------
    name : object
        The misspelt name (compared as ``str(name)``).
    choices : iterable of str, or mapping of str to str
        The legal names. A mapping is matched by its keys and suggests their
        values (match ``name`` against bare names, propose ``prefix__name``).
    cutoff : float in [0, 1], default=0.6
        How alike the closest choice must be.

    Returns
    -------
    text : str
        ``" (did you mean 'choice'?)"`` or ``""``.

    Examples
    --------
    >>> from skbayes._suggest import did_you_mean
    >>> "'n_refines' is not a keyword" + did_you_mean("n_refines", ["n_refine", "n_candidates"])
    "'n_refines' is not a keyword (did you mean 'n_refine'?)"
    >>> did_you_mean("zzz", ["n_refine"])
    ''
    """
    close = close_matches(name, choices, n=1, cutoff=cutoff)
    if not close:
        return ""
    return hint_for(choices[close[0]] if isinstance(choices, Mapping) else close[0])
