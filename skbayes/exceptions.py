"""Warnings that skbayes emits, so that a user can filter them by class.

Examples
--------
Silence the warning a search emits when its best candidate lies at a bound of
the search space:

>>> import warnings
>>> from skbayes.exceptions import BoundaryWarning
>>> warnings.filterwarnings("ignore", category=BoundaryWarning)
>>> warnings.resetwarnings()
"""

__all__ = ["BoundaryWarning"]


class BoundaryWarning(UserWarning):
    """The best candidate of a search lies at (or next to) a bound of its range.

    Emitted once after ``fit`` when the best candidate's value of a
    :class:`~skbayes.space.Real` or :class:`~skbayes.space.Integer` dimension
    is within 1 % of the dimension's range from one of its bounds (measured in
    the scale of the dimension's prior: in ``log(value)`` for
    ``prior="log-uniform"``). The better values may lie beyond the bound:
    widen the range. A bound that the parameter cannot cross (a probability
    cannot exceed 1) is marked as hard with ``hard_bounds`` and never warned
    about.

    Silence it with ``warnings.filterwarnings("ignore", category=BoundaryWarning)``.
    """
