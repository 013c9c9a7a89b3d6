"""Benchmark the virus stage: 4PL recovery, agreement with scipy's curve_fit, speed, example.

Prints figures (not a timed test):

1. EC50 recovery on simulated plates (known 4PL, multiplicative Gaussian noise of CV 5 % and
   10 %) for the Chumakov design (7 decade dilutions 10^-8…10^-2, triplicates) and a half-log
   design (13 doses, triplicates): median |relative error|, share within 10 %, 95 % CI coverage.
2. Agreement with ``scipy.optimize.curve_fit`` (same model and bounds, fitted from a good
   start) on real-shaped curves with random parameters, and time per fit of each.
3. Wall time of ``python -m vaxmix virus example`` (the shipped example patient, with plots).

Run: ``.venv/bin/python benchmarks/virus_fit_benchmark.py [--plates 200]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from vaxmix.virus.fit import fit_4pl, four_pl

DESIGNS = {
    "decade x3 (7 doses)": (np.arange(-8.0, -1.5, 1.0), 3),
    "half-log x3 (13 doses)": (np.arange(-8.0, -1.9, 0.5), 3),
}


def recovery(n_plates: int) -> None:
    print("1. EC50 recovery (true: bottom 0, top 100, hill 1.0, EC50 10^-5)")
    print(
        f"   {'design':<24} {'CV':>4} {'median|err|':>12} {'<=10%':>7} "
        f"{'CI cover':>9} {'bias(log)':>10}"
    )
    for name, (log_doses, reps) in DESIGNS.items():
        x = np.repeat(log_doses, reps)
        for cv in (0.05, 0.10):
            errors, covered, logs, unbounded = [], 0, [], 0
            for seed in range(n_plates):
                rng = np.random.default_rng(seed)
                y = four_pl(x, 0.0, 100.0, 1.0, -5.0) * (1 + cv * rng.standard_normal(x.size))
                fit = fit_4pl(10.0**x, y)
                errors.append(abs(fit.ec50 / 1e-5 - 1))
                logs.append(fit.log_ec50 + 5.0)
                if fit.log_ec50_ci is None:  # flagged ci_unbounded: counts as not covered
                    unbounded += 1
                    continue
                lo, hi = fit.log_ec50_ci
                covered += lo <= -5.0 <= hi
            e = np.array(errors)
            print(
                f"   {name:<24} {cv:>4.0%} {np.median(e):>12.1%} {np.mean(e <= 0.1):>7.0%} "
                f"{covered / n_plates:>9.0%} {np.mean(logs):>+10.3f}"
                + (f"  ({unbounded} CI unbounded)" if unbounded else "")
            )


def agreement(n_plates: int) -> None:
    print(
        "2. Agreement with scipy.optimize.curve_fit "
        "(random real-shaped curves, CV 10 %, duplicates)"
    )
    x = np.repeat(np.arange(-7.0, -1.5, 1.0), 2)
    lower, upper = [-10.0, 0.0, 0.2, x.min() - 3], [120.0, 150.0, 10.0, x.max() + 3]
    rng = np.random.default_rng(2026)
    diffs, hill_diffs, ours_t, theirs_t, both = [], [], 0.0, 0.0, 0
    ours_lower = theirs_lower = 0
    for _ in range(n_plates):
        truth = (rng.uniform(0, 30), 100.0, rng.uniform(0.7, 2.5), rng.uniform(-6, -3))
        y = four_pl(x, *truth) * (1 + 0.10 * rng.standard_normal(x.size))
        t0 = time.perf_counter()
        ours = fit_4pl(10.0**x, y)
        t1 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                params, _ = curve_fit(
                    four_pl, x, y, p0=[y.min(), y.max(), 1.0, -4.5], bounds=(lower, upper)
                )
        except RuntimeError:
            continue
        t2 = time.perf_counter()
        ours_t += t1 - t0
        theirs_t += t2 - t1
        if ours.converged:
            both += 1
            diffs.append(abs(ours.log_ec50_relative - params[3]))
            hill_diffs.append(abs(ours.hill - params[2]))
            sse_ours = np.sum(
                (four_pl(x, ours.bottom, ours.top, ours.hill, ours.log_ec50_relative) - y) ** 2
            )
            sse_theirs = np.sum((four_pl(x, *params) - y) ** 2)
            if sse_ours < sse_theirs * (1 - 1e-6):
                ours_lower += 1
            elif sse_theirs < sse_ours * (1 - 1e-6):
                theirs_lower += 1
    d = np.array(diffs)
    print(f"   curves both converged: {both}/{n_plates}")
    print(
        f"   |Δ log10 EC50| median {np.median(d):.2e}, "
        f"99th pct {np.percentile(d, 99):.2e}, max {d.max():.2e}"
    )
    print(f"   |Δ hill| median {np.median(hill_diffs):.2e}, max {np.max(hill_diffs):.2e}")
    print(
        f"   where they differ: vaxmix lower residual SS on {ours_lower}, "
        f"curve_fit lower on {theirs_lower} curves (others equal to 1e-6)"
    )
    print(
        f"   time per fit: vaxmix {1e3 * ours_t / both:.2f} ms (5 starts, analytic Jacobian), "
        f"curve_fit {1e3 * theirs_t / both:.2f} ms (1 start); ratio {ours_t / theirs_t:.2f}x"
    )


def example(repeats: int = 3) -> None:
    print("3. Example patient end to end (`python -m vaxmix virus example`, with plots)")
    times, cpu = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "vaxmix", "virus", "example", "--out", f"{tmp}/virus"],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(
        f"   wall time: min {min(times):.2f} s, median {np.median(times):.2f} s; "
        f"CPU (user+sys) median {np.median(cpu):.2f} s over {repeats} runs; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plates", type=int, default=200)
    args = parser.parse_args()
    recovery(args.plates)
    agreement(args.plates)
    example()
