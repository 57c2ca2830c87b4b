"""Multi-fidelity peers behind a pipe: run by bench_halving_compute.py in the peers' environment.

DEHB 0.1.2 pins ``numpy<2`` (syne-tune 0.16 and hpbandster 0.7.4 live beside
it here) and hpbandster-sklearn 2.0.2 does not import
beside scikit-learn >= 1.4, so the peers live in their own virtual
environment (see bench_halving_compute.py's docstring for the install). This
script imports nothing of the benchmark or of skbayes: only proposals and
observations cross, every fit is the benchmark's own (same estimator, same
scikit-learn, same process as the other searches).

One JSON object per line on stdin, one answer per line on stdout:

    {"op": "init", "method": "dehb" | "bohb" | "asha" | "synebohb", "space": [...], "min_r": 3, "max_r": 81,
     "eta": 3, "seed": 0}
    {"op": "ask"}                      -> {"id": 7, "params": {...}, "resource": 27}
    {"op": "tell", "id": 7, "loss": -0.93, "cost": 0.12}
    {"op": "quit"}

``space`` entries: {"name", "type": "real" | "int" | "cat", "low", "high", "log",
"categories"}; categorical values cross as the strings of their indices.
The CPU time the peer spends is the whole process's, read by the benchmark
from /proc.
"""

import json
import sys
import tempfile
import warnings


def _configspace(space, seed):
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=seed)
    for d in space:
        if d["type"] == "cat":
            hp = CS.CategoricalHyperparameter(d["name"], [str(i) for i in range(len(d["categories"]))])
        elif d["type"] == "int":
            hp = CS.UniformIntegerHyperparameter(d["name"], d["low"], d["high"], log=d["log"])
        else:
            hp = CS.UniformFloatHyperparameter(d["name"], d["low"], d["high"], log=d["log"])
        cs.add(hp)
    return cs


class DEHBSession:
    def __init__(self, space, min_r, max_r, eta, seed):
        from dehb import DEHB

        self._out = tempfile.mkdtemp(prefix="dehb_")
        self.opt = DEHB(cs=_configspace(space, seed), min_fidelity=min_r, max_fidelity=max_r, eta=eta,
                        n_workers=1, seed=seed, output_path=self._out, save_freq=None)
        self.jobs = {}
        self.n_asked = 0

    def ask(self):
        job = self.opt.ask()
        key = self.n_asked
        self.n_asked += 1
        self.jobs[key] = job
        return key, dict(job["config"]), job["fidelity"]

    def tell(self, key, loss, cost):
        self.opt.tell(self.jobs.pop(key), {"fitness": loss, "cost": cost})


class SyneTuneSession:
    """syne-tune's ASHA or BOHB (asynchronous successive halving) driven one trial at a time.

    A trial is reported at the rung levels ``min_r * eta**k`` (the last one
    ``max_r``); after each report the scheduler says whether it continues to
    the next level (the benchmark then fits it there, from scratch, as
    scikit-learn's halving does) or stops.
    """

    def __init__(self, space, min_r, max_r, eta, seed, kind):
        import numpy as np
        from syne_tune import config_space as sp
        from syne_tune.backend.trial_status import Trial
        from syne_tune.optimizer import baselines
        from syne_tune.optimizer.scheduler import SchedulerDecision

        np.random.seed(seed)  # ASHA draws the bracket of a trial with np.random
        cs = {}
        for d in space:
            if d["type"] == "cat":
                cs[d["name"]] = sp.choice([str(i) for i in range(len(d["categories"]))])
            elif d["type"] == "int":
                cs[d["name"]] = (sp.lograndint if d["log"] else sp.randint)(d["low"], d["high"])
            else:
                cs[d["name"]] = (sp.loguniform if d["log"] else sp.uniform)(d["low"], d["high"])
        cls = {"asha": baselines.ASHA, "synebohb": baselines.BOHB}[kind]
        self.opt = cls(cs, metric="loss", time_attr="resource", max_t=max_r, grace_period=min_r,
                       reduction_factor=eta, do_minimize=True, random_seed=seed)
        self.levels = [min_r]
        while self.levels[-1] * eta <= max_r:
            self.levels.append(self.levels[-1] * eta)
        self.levels[-1] = max_r
        self.Trial, self.STOP = Trial, SchedulerDecision.STOP
        self.trial, self.level, self.n_trials = None, 0, 0

    def ask(self):
        import datetime

        if self.trial is None:
            suggestion = self.opt.suggest()
            self.trial = self.Trial(trial_id=self.n_trials, config=suggestion.config,
                                    creation_time=datetime.datetime.now())
            self.n_trials += 1
            self.opt.on_trial_add(self.trial)
            self.level = 0
        return self.trial.trial_id, dict(self.trial.config), self.levels[self.level]

    def tell(self, key, loss, cost):
        action = self.opt.on_trial_result(self.trial, {"loss": loss, "resource": self.levels[self.level]})
        if action == self.STOP or self.level + 1 == len(self.levels):
            self.trial = None
        else:
            self.level += 1


class BOHBSession:
    """hpbandster's BOHB with one in-process worker whose ``compute`` waits for our fit."""

    def __init__(self, space, min_r, max_r, eta, seed):
        import queue
        import threading

        import numpy as np
        import hpbandster.core.nameserver as hpns
        from hpbandster.core.worker import Worker
        from hpbandster.optimizers import BOHB

        import serpent

        np.random.seed(seed)
        # ConfigSpace 1.x samples numpy scalars, which hpbandster's Pyro4/serpent cannot send
        for kind, cast in ((np.str_, str), (np.int64, int), (np.float64, float), (np.bool_, bool)):
            serpent.register_class(kind, lambda obj, ser, out, indent, cast=cast:
                                   ser._serialize(cast(obj), out, indent))
        requests, replies = queue.Queue(), queue.Queue()
        self.requests, self.replies = requests, replies

        class Relay(Worker):
            def compute(self, config, budget, **kwargs):
                requests.put((dict(config), budget))
                return {"loss": float(replies.get()), "info": {}}

        run_id = f"bench{seed}"
        self.ns = hpns.NameServer(run_id=run_id, host="127.0.0.1", port=0)
        host, port = self.ns.start()
        self.worker = Relay(run_id=run_id, nameserver=host, nameserver_port=port)
        self.worker.run(background=True)
        self.opt = BOHB(configspace=_configspace(space, seed), run_id=run_id, nameserver=host,
                        nameserver_port=port, min_budget=min_r, max_budget=max_r, eta=eta)
        threading.Thread(target=self.opt.run, kwargs={"n_iterations": 10_000}, daemon=True).start()

    def ask(self):
        config, budget = self.requests.get()
        return 0, config, budget

    def tell(self, key, loss, cost):
        self.replies.put(loss)


def main():
    warnings.simplefilter("ignore")
    reply = sys.stdout
    sys.stdout = sys.stderr  # whatever the peers print must not mix with the answers
    import logging

    logging.disable(logging.CRITICAL)
    try:
        from loguru import logger

        logger.remove()
    except ImportError:
        pass
    session = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "init":
            args = (msg["space"], msg["min_r"], msg["max_r"], msg["eta"], msg["seed"])
            if msg["method"] in ("asha", "synebohb"):
                session = SyneTuneSession(*args, kind=msg["method"])
            else:
                session = {"dehb": DEHBSession, "bohb": BOHBSession}[msg["method"]](*args)
            out = {"ok": True}
        elif msg["op"] == "ask":
            key, params, resource = session.ask()
            out = {"id": key, "params": params, "resource": float(resource)}
        elif msg["op"] == "tell":
            session.tell(msg["id"], msg["loss"], msg["cost"])
            out = {"ok": True}
        else:
            reply.write(json.dumps({"ok": True}) + "\n")
            reply.flush()
            break
        reply.write(json.dumps(out) + "\n")
        reply.flush()
    import os

    os._exit(0)  # hpbandster's threads and name server would keep the process alive


if __name__ == "__main__":
    main()
