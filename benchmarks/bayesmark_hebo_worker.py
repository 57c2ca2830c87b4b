"""HEBO behind a pipe: run by bench_bayesmark.py in HEBO's own environment.

HEBO 0.3.6 pins ``numpy<1.25``, so it cannot share an environment with
skbayes (numpy 2); this script imports nothing of the benchmark or of
skbayes. One JSON object per line on stdin, one answer per line on stdout:

    {"op": "init", "space": [{"name", "type", "low", "high", "log", "categories"}], "seed": 0}
    {"op": "suggest", "n": 8}        -> {"params": [{...}, ...], "seconds": 1.2}
    {"op": "observe", "params": [...], "losses": [...]}   -> {"seconds": 0.0}
    {"op": "quit"}

Only proposals and observations cross; the time HEBO spends is measured here.
"""

import json
import math
import sys
import time
import warnings


def _design(space):
    from hebo.design_space.design_space import DesignSpace

    rows = []
    for d in space:
        if d["type"] == "cat":
            rows.append({"name": d["name"], "type": "cat", "categories": d["categories"]})
        elif d["type"] == "int":
            kind = "pow_int" if d["log"] else "int"
            rows.append({"name": d["name"], "type": kind, "lb": d["low"], "ub": d["high"]})
        else:
            kind = "pow" if d["log"] else "num"
            rows.append({"name": d["name"], "type": kind, "lb": d["low"], "ub": d["high"]})
    return DesignSpace().parse(rows)


def main():
    warnings.simplefilter("ignore")
    reply = sys.stdout
    sys.stdout = sys.stderr  # whatever HEBO prints must not mix with the answers
    import numpy as np
    import pandas as pd
    import torch
    from hebo.optimizers.hebo import HEBO

    torch.set_num_threads(1)
    opt = space = None
    worst = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "init":
            space = msg["space"]
            np.random.seed(msg["seed"])
            torch.manual_seed(msg["seed"])
            opt = HEBO(_design(space), scramble_seed=msg["seed"])
            out = {"ok": True}
        elif msg["op"] == "suggest":
            t0 = time.perf_counter()
            rec = opt.suggest(n_suggestions=msg["n"])
            seconds = time.perf_counter() - t0
            params = []
            for _, row in rec.iterrows():
                p = {}
                for d in space:
                    v = row[d["name"]]
                    if d["type"] == "cat":
                        v = d["categories"][[str(c) for c in d["categories"]].index(str(v))]
                    elif d["type"] == "int":
                        v = int(round(float(v)))
                    else:
                        v = float(v)
                    p[d["name"]] = v
                params.append(p)
            out = {"params": params, "seconds": seconds}
        elif msg["op"] == "observe":
            t0 = time.perf_counter()
            losses = [float(v) for v in msg["losses"]]
            finite = [v for v in losses if math.isfinite(v)]
            if finite:
                worst = max(finite + ([worst] if worst is not None else []))
            # HEBO takes no failures: a failed evaluation is told as the worst loss seen
            losses = [v if math.isfinite(v) else (worst if worst is not None else 1e6) for v in losses]
            rec = pd.DataFrame(msg["params"])[[d["name"] for d in space]]
            opt.observe(rec, np.asarray(losses, dtype=float).reshape(-1, 1))
            out = {"seconds": time.perf_counter() - t0}
        elif msg["op"] == "quit":
            break
        else:
            out = {"error": f"unknown op {msg['op']!r}"}
        reply.write(json.dumps(out) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
