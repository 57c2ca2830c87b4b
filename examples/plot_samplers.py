"""
Low-discrepancy designs side by side
====================================

The six samplers of :class:`~skbayes.LowDiscrepancySearchCV`, 64 candidates of
a two-parameter space each, with their centred L2 discrepancy (lower is more
uniform; ``scipy.stats.qmc.discrepancy``). Sobol', Halton and Hammersley fill
the square evenly; the Latin hypercube stratifies each axis; Poisson-disk
sampling keeps every pair of candidates apart but covers the square about as
unevenly as random search.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import qmc

from skbayes.sampling import SAMPLERS, unit_design
from skbayes.space import Real, Space

space = Space({"x": Real(0.0, 1.0), "y": Real(0.0, 1.0)})
fig, axes = plt.subplots(2, 3, figsize=(10, 6.8), sharex=True, sharey=True)
for ax, sampler in zip(axes.ravel(), SAMPLERS):
    U = unit_design(space, 64, sampler=sampler, rng=0)
    distances = np.sqrt(((U[:, None] - U[None]) ** 2).sum(-1))[np.triu_indices(len(U), 1)]
    ax.scatter(U[:, 0], U[:, 1], s=14)
    ax.set_title(f"{sampler}\ndiscrepancy {qmc.discrepancy(U):.1e}, closest pair {distances.min():.3f}", fontsize=10)
    ax.set_aspect("equal")
fig.suptitle("64 candidates of each design")
fig.tight_layout()
plt.show()
