"""A calibration's result files and printed report, built from its generation records only.

posterior.csv (the last population with weights), generations.csv (tolerance, acceptance
rate, effective sample size per generation), fit.csv (each target at the posterior) and
calibrated.yaml (the scenario with each calibrated key replaced by a distribution fitted to
its posterior marginal). Column names are declared in sim/columns.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from sim import abc
from sim import columns as C
from sim.distributions import Distribution
from sim.results import write_atomic, write_columns
from sim.scenario import dump, load_text

PINNED, NARROWED = 0.5, 0.8  # posterior/prior 95% width ratios that count as identified
FEW = 20  # an effective sample size below this makes the report say its intervals are rough


def population(rec: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    theta = np.array(rec["theta"], dtype=float).reshape(-1, rec["dim"])
    sims = np.array(rec["statistics"], dtype=float).reshape(len(theta), -1)
    return theta, np.array(rec["weights"], dtype=float), sims


def write_posterior(folder: Path, keys, rec: dict) -> None:
    theta, w, _ = population(rec)
    cols = {C.PARTICLE.name(): np.arange(len(theta))}
    cols.update({C.CALIBRATED.name(key=k): theta[:, i] for i, k in enumerate(keys)})
    cols[C.WEIGHT.name()] = w
    cols[C.DISTANCE.name()] = np.array(rec["distances"], dtype=float)
    write_columns(folder / "posterior.csv", cols)


def write_generations(folder: Path, records: list[dict]) -> None:
    field = {C.GENERATION: "generation", C.TOLERANCE: "tolerance", C.ACCEPTANCE: "acceptance",
             C.ESS: "ess", C.GENERATION_RUNS: "runs"}  # fmt: skip
    write_columns(
        folder / "generations.csv",
        {c.name(): np.array([r[k] for r in records]) for c, k in field.items()},
    )


def fit(tlist, rec: dict) -> list[tuple]:
    """Each target: observed, tolerance, simulated median and 95% interval over the
    posterior's particles (weighted), and whether the interval overlaps observed +- tolerance."""
    _, w, sims = population(rec)
    rows = []
    for k, t in enumerate(tlist):
        ok = ~np.isnan(sims[:, k])
        med, low, high = (abc.weighted_quantile(sims[ok, k], w[ok], [0.5, 0.025, 0.975])
                          if ok.any() else (np.nan,) * 3)  # fmt: skip
        rows.append((t.name, t.observed, t.tolerance, float(med), float(low), float(high),
                     t.met((med, low, high))))  # fmt: skip
    return rows


def write_fit(folder: Path, rows) -> None:
    names = [c.name() for c in C.FIT]
    cols = {n: np.array([r[i] for r in rows]) for i, n in enumerate(names)}
    cols[names[-1]] = np.array(["yes" if r[-1] else "no" for r in rows])
    cols[names[0]] = np.array([r[0] for r in rows])
    write_columns(folder / "fit.csv", cols)


def posterior_distribution(prior: Distribution, x: np.ndarray, w: np.ndarray) -> dict:
    """A distribution for a posterior marginal: a beta on the prior's support when it is
    bounded (moments matched), otherwise a normal."""
    mean = float(np.sum(w * x) / np.sum(w))
    var = float(np.sum(w * (x - mean) ** 2) / np.sum(w))
    low, high = prior.support()
    if np.isfinite(low) and np.isfinite(high) and high > low and var > 0:
        m, v = (mean - low) / (high - low), var / (high - low) ** 2
        common = max(m * (1 - m) / v - 1, 1e-3)
        return {"dist": "beta", "a": _r(m * common), "b": _r((1 - m) * common), "loc": _r(low),
                "scale": _r(high - low)}  # fmt: skip
    return {"dist": "norm", "loc": _r(mean), "scale": _r(max(np.sqrt(var), 1e-9))}


def _r(v: float) -> float:
    return float(f"{v:.6g}")


def calibrated_yaml(base: str, keys, priors: dict[str, Distribution], rec: dict) -> str:
    """The input scenario with each calibrated key replaced by its posterior distribution."""
    theta, w, _ = population(rec)
    overrides = []
    for i, k in enumerate(keys):
        spec = posterior_distribution(priors[k], theta[:, i], w)
        overrides.append(f"{k}={yaml.safe_dump(spec, default_flow_style=True).strip()}")
    scenario = load_text(base, "scenario.yaml", overrides)
    return "# calibrated by tradewar calibrate; see report.txt\n" + dump(scenario)


IDENTIFICATION = ("key", "median", "low", "high", "prior_low", "prior_high", "ratio", "verdict")


def identification(keys, priors, rec: dict) -> list[tuple]:
    """Per key: posterior median and 95% interval, prior 95% interval, width ratio, verdict
    (the fields of :data:`IDENTIFICATION`)."""
    theta, w, _ = population(rec)
    return identify(keys, priors, theta, w)


def identify(keys, priors, theta: np.ndarray, w: np.ndarray) -> list[tuple]:
    """:func:`identification` of a weighted sample ``theta`` (``(n, len(keys))``)."""
    rows = []
    for i, k in enumerate(keys):
        med, low, high = abc.weighted_quantile(theta[:, i], w, [0.5, 0.025, 0.975])
        plow, phigh = priors[k].frozen().ppf([0.025, 0.975])
        ratio = (high - low) / (phigh - plow) if phigh > plow else np.nan
        verdict = ("pinned down" if ratio < PINNED else "narrowed" if ratio < NARROWED
                   else "not identified (as wide as the prior)")  # fmt: skip
        rows.append((k, med, low, high, plow, phigh, ratio, verdict))
    return rows


def folder_identification(results) -> list[tuple]:
    """:func:`identification` of a loaded calibration folder (``sim.reading.Results``)."""
    from sim.distributions import uncertain
    from sim.scenario import load

    post = results.tables["posterior"]
    theta = np.column_stack([np.asarray(post[k], dtype=float) for k in results.params])
    priors = dict(uncertain(load(results.folder / "scenario.yaml")))
    return identify(results.params, priors, theta, np.asarray(post[C.WEIGHT.name()], float))


def report(fit_rows, ident_rows, records) -> str:
    last = records[-1]
    runs = sum(r["runs"] for r in records)
    lines = [f"{len(records)} generation(s), {runs} runs; final tolerance "
             f"{last['tolerance']:.3g}, effective sample size {last['ess']:.1f}", "",
             f"{'target':20} {'observed':>14}  {'simulated [95% interval]':>30}  met"]  # fmt: skip
    for name, obs, tol, med, low, high, met in fit_rows:
        lines.append(f"{name:20} {obs:>7g} ± {tol:<5g} {med:>10.3g} [{low:.3g}, {high:.3g}]"
                     f"{'':>8}{'yes' if met else 'NO'}")  # fmt: skip
    lines += ["", f"{'parameter':28} {'posterior median [95%]':>28} {'prior 95%':>20}  ratio"]
    for k, med, low, high, plow, phigh, ratio, verdict in ident_rows:
        lines.append(f"{k:28} {med:>10.3g} [{low:.3g}, {high:.3g}]   [{plow:.3g}, {phigh:.3g}]"
                     f"  {ratio:.2f}  {verdict}")  # fmt: skip
    if last["ess"] < FEW:
        lines.append(f"(effective sample size below {FEW}: the intervals and ratios are rough; "
                     "raise --particles or --budget)")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_all(folder: Path, base: str, keys, priors, tlist, records) -> str:
    """Every result file of a finished calibration; returns the printed report."""
    last = records[-1]
    fit_rows = fit(tlist, last)
    write_posterior(folder, keys, last)
    write_generations(folder, records)
    write_fit(folder, fit_rows)
    write_atomic(folder / "calibrated.yaml", calibrated_yaml(base, keys, priors, last))
    text = report(fit_rows, identification(keys, priors, last), records)
    write_atomic(folder / "report.txt", text)
    return text
