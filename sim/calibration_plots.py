"""Figures of a calibration folder: corner plot, prior vs posterior marginals, targets vs
simulated with intervals (``tradewar plot DIR`` on a folder written by ``tradewar calibrate``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim import columns as C
from sim.distributions import uncertain
from sim.results import OutputError
from sim.scenario import load


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise OutputError(f"{path}: cannot read: {exc}") from None
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    cols = {h: np.array([r[i] for r in rows]) for i, h in enumerate(header)}
    return {h: (v if h in ("target", "met") else v.astype(float)) for h, v in cols.items()}


def parts(folder: Path):
    """(keys, posterior columns, weights, fit columns, prior by key) of a calibration folder."""
    keys = json.loads((folder / "settings.json").read_text(encoding="utf-8"))["keys"]
    post = _read_csv(folder / "posterior.csv")
    fit = _read_csv(folder / "fit.csv")
    priors = dict(uncertain(load(folder / "scenario.yaml")))
    return keys, post, post[C.WEIGHT.name()], fit, {k: priors[k] for k in keys}


def corner(plt, folder: Path):
    keys, post, w, _, _ = parts(folder)
    d = len(keys)
    fig, axes = plt.subplots(d, d, figsize=(2.4 * d + 1, 2.4 * d + 1), squeeze=False)
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
            elif i == j:
                ax.hist(post[ki], bins=20, weights=w, color="#2980b9")
            else:
                ax.scatter(post[kj], post[ki], s=8 + 400 * w, alpha=0.6, color="#2980b9")
            if i == d - 1:
                ax.set_xlabel(kj, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(ki, fontsize=7)
    fig.suptitle("posterior (size: weight)")
    return fig


def marginals(plt, folder: Path):
    keys, post, w, _, priors = parts(folder)
    fig, axes = plt.subplots(1, len(keys), figsize=(3.2 * len(keys), 3), squeeze=False)
    for ax, k in zip(axes[0], keys, strict=True):
        frozen = priors[k].frozen()
        lo, hi = frozen.ppf([0.001, 0.999])
        x = np.linspace(lo, hi, 200)
        ax.plot(x, frozen.pdf(x), color="grey", label="prior")
        ax.hist(post[k], bins=20, weights=w, density=True, alpha=0.6, color="#2980b9",
                label="posterior")  # fmt: skip
        ax.set_title(k, fontsize=8)
    axes[0][0].legend(fontsize=7)
    return fig


def targets_fit(plt, folder: Path):
    _, _, _, fit, _ = parts(folder)
    n = len(fit["target"])
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 3), squeeze=False)
    for k, ax in enumerate(axes[0]):
        obs, tol = fit["observed"][k], fit["tolerance"][k]
        ax.axhspan(obs - tol, obs + tol, color="#27ae60", alpha=0.3, label="observed ± tol")
        ax.axhline(obs, color="#27ae60")
        sim, low, high = fit["simulated"][k], fit["simulated_low"][k], fit["simulated_high"][k]
        ax.errorbar([0], [sim], yerr=[[sim - low], [high - sim]], fmt="o", color="#2980b9")
        ax.set_xticks([])
        ax.set_title(fit["target"][k], fontsize=8)
    return fig


FIGURES = (("posterior_corner", corner), ("prior_vs_posterior", marginals),
           ("targets_vs_simulated", targets_fit))  # fmt: skip


def is_calibration(folder) -> bool:
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == "calibrate"
