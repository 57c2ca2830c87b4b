"""Prototype: EI's xi = c * sqrt(fitted GP noise), as benchmark variants skbayes-gp-xin<c>.

A variant passes acquisition_kwargs={"xi": -c}; the patched maximise_acquisition
replaces a negative xi by c * sqrt(model.noise_) at every proposal.
Usage: python benchmarks/results/xi_noise_prototype.py quality|bayesmark <the script's own arguments>
"""
import os, sys, math
os.environ.setdefault("OMP_NUM_THREADS", "1"); os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
from skbayes.strategies import _bayes

_orig = _bayes.maximise_acquisition

def patched(space, model, best, U_obs, y_obs, exclude, rng, *, acquisition_kwargs=None, **kw):
    kwargs = dict(acquisition_kwargs or {})
    if kwargs.get("xi", 0.0) < 0:
        kwargs["xi"] = -kwargs["xi"] * math.sqrt(model.noise_)
    return _orig(space, model, best, U_obs, y_obs, exclude, rng, acquisition_kwargs=kwargs, **kw)

_bayes.maximise_acquisition = patched
CS = {"xin1": 1.0, "xin3": 3.0, "xin03": 0.3}
import bench_bayes_common as bc
for k, c in CS.items():
    bc.OPTIMIZERS["skbayes-gp-" + k] = (lambda c=c: bc.run_skbayes("gp", acquisition_kwargs={"xi": -c}))
import bench_bayesmark as bm
_v = bm._skbayes_variants
def variants():
    d = _v()
    for k, c in CS.items():
        d["skbayes-gp-" + k] = {"acquisition_kwargs": {"xi": -c}}
    return d
bm._skbayes_variants = variants

which = sys.argv[1]
sys.argv = [sys.argv[0]] + sys.argv[2:]
if which == "quality":
    import bench_bayes_quality as q
    q.main()
else:
    bm.main()
