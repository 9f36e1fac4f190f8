"""Approximate Bayesian computation on arrays: rejection and population Monte Carlo (SMC).

Pure numerics, no files and no simulator: a generation is a set of proposed parameter vectors
``theta`` (``(n, d)``) and their distances to the observed statistics; the caller simulates.

* **Rejection**: draw from the prior, keep the ``keep`` proposals closest to the targets.
* **SMC** (Beaumont et al. 2009, with adaptive tolerances as in Del Moral et al. 2012): each
  generation proposes ``n`` parameter vectors by picking a particle of the previous population
  by weight and moving it with a Gaussian kernel whose covariance is twice the population's
  weighted covariance; proposals within the tolerance (the median distance of the previous
  population) are accepted, so the tolerance falls each generation; an accepted ``theta``
  is weighted ``prior(theta) / sum_j w_j K(theta | theta_j)``. Proposals outside the prior's
  support are drawn again (the kernel is truncated to the support; the weights ignore that
  truncation's normalisation, a common small bias).

All randomness comes from the Generator passed in; callers derive it from a SeedSequence
child per generation so that a resumed calibration draws exactly what an uninterrupted one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

DEGENERATE = 1e-8  # a kernel covariance this ill-conditioned gets a small ridge
MAX_REDRAWS = 1000  # rounds of redrawing proposals that fell outside the prior's support
ALPHA = 0.5  # each generation's tolerance: this quantile of the previous population's distances
MIN_ACCEPTED = 2  # a generation accepts at least this many proposals (the closest)


@dataclass(frozen=True)
class Prior:
    """Independent marginals, one frozen ``scipy.stats`` distribution per parameter."""

    marginals: tuple

    @property
    def dim(self) -> int:
        return len(self.marginals)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        cols = [np.asarray(m.rvs(size=n, random_state=rng), dtype=float) for m in self.marginals]
        return np.column_stack(cols).reshape(n, self.dim)

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        out = np.zeros(len(theta))
        for k, m in enumerate(self.marginals):
            out += _logdensity(m, theta[:, k])
        return out


def _logdensity(m, x: np.ndarray) -> np.ndarray:
    if hasattr(m, "logpdf"):
        return m.logpdf(x)
    return m.logpmf(x)  # pragma: no cover - discrete priors are refused upstream


def distance(sims: np.ndarray, observed, scale, weights) -> np.ndarray:
    """Weighted scaled Euclidean distance of each row of ``sims`` (``(n, k)``) to the targets;
    a row with a missing statistic (NaN) is infinitely far."""
    z = (np.atleast_2d(sims) - np.asarray(observed)) / np.asarray(scale)
    d = np.sqrt(np.sum(np.asarray(weights) * z * z, axis=1))
    return np.where(np.isnan(d), np.inf, d)


def closest(distances: np.ndarray, keep: int) -> np.ndarray:
    """Indices of the ``keep`` smallest distances, ties broken by position (stable)."""
    return np.argsort(distances, kind="stable")[:keep]


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``1 / sum w^2`` of normalised weights."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w * w))


def kernel_cov(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance of the population (Beaumont et al. 2009), ``(d, d)``.

    A population whose covariance is singular or nearly so (smallest eigenvalue at most
    :data:`DEGENERATE` times the largest) gets a ridge of 1e-6 of each key's variance plus
    1e-9 of the largest: that happens with fewer distinct particles than keys, and with any
    number of particles whose keys moved together (collinear). The ridge changes such a
    population's kernel by about 1e-6 relative (its proposals and weights by about as much).
    """
    cov = 2.0 * np.atleast_2d(np.cov(theta, rowvar=False, aweights=weights, ddof=0))
    cov += 1e-12 * np.eye(len(cov))
    eig = np.linalg.eigvalsh(cov)
    if eig.min() <= DEGENERATE * eig.max():
        # Without it the kernel has no density off the population's subspace: Cholesky or
        # the kernel density in importance_weights fails with a LinAlgError.
        cov += np.diag(1e-6 * np.diag(cov) + 1e-9 * np.diag(cov).max())
    return cov


def propose(prior: Prior, theta: np.ndarray, weights: np.ndarray, n: int,
            rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """``n`` proposals: ancestors drawn by weight, moved by the Gaussian kernel, redrawn until
    each lies where the prior has density."""
    cov = kernel_cov(theta, weights)
    chol = np.linalg.cholesky(cov)
    p = np.asarray(weights, dtype=float) / np.sum(weights)
    out = np.empty((n, theta.shape[1]))
    todo = np.arange(n)
    for _ in range(MAX_REDRAWS):
        ancestors = rng.choice(len(theta), size=todo.size, p=p)
        moved = theta[ancestors] + rng.standard_normal((todo.size, theta.shape[1])) @ chol.T
        ok = np.isfinite(prior.logpdf(moved))
        out[todo[ok]] = moved[ok]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    raise RuntimeError("the perturbation kernel keeps leaving the prior's support")


def importance_weights(prior: Prior, accepted: np.ndarray, previous: np.ndarray,
                       previous_weights: np.ndarray) -> np.ndarray:  # fmt: skip
    """Normalised weights ``prior(theta) / sum_j w_j K(theta | theta_j)`` of the accepted."""
    cov = kernel_cov(previous, previous_weights)
    w = np.asarray(previous_weights, dtype=float) / np.sum(previous_weights)
    kernel = stats.multivariate_normal(mean=np.zeros(len(cov)), cov=cov)
    diffs = accepted[:, None, :] - previous[None, :, :]
    logk = kernel.logpdf(diffs.reshape(-1, len(cov))).reshape(len(accepted), len(previous))
    log_mix = np.log(np.sum(w[None, :] * np.exp(logk - logk.max(axis=1, keepdims=True)), axis=1))
    log_mix += logk.max(axis=1)
    logw = prior.logpdf(accepted) - log_mix
    out = np.exp(logw - logw.max())
    return out / out.sum()


@dataclass(frozen=True)
class Generation:
    """One generation's accepted population and its bookkeeping."""

    theta: np.ndarray  # (keep, d) accepted parameter vectors
    weights: np.ndarray  # (keep,) normalised
    distances: np.ndarray  # (keep,)
    chosen: np.ndarray  # indices of the accepted among the proposals
    tolerance: float
    acceptance: float
    ess: float


def accept(prior: Prior, proposals: np.ndarray, distances: np.ndarray, keep: int,
           previous: Generation | None) -> Generation:  # fmt: skip
    """Accept proposals and weight them (uniformly in generation 0).

    Generation 0 keeps the ``keep`` closest (rejection). Later generations accept every
    proposal within the tolerance ``ALPHA``-quantile of the previous population's distances
    (so the tolerance falls each generation and the population size varies), but at least
    ``keep // 4`` proposals (and :data:`MIN_ACCEPTED`), the closest, so that the population
    does not collapse when the tolerance nears what the simulator's noise allows.
    """
    if previous is None:
        chosen = closest(distances, keep)
    else:
        tolerance = float(np.quantile(previous.distances, ALPHA))
        chosen = np.flatnonzero(distances <= tolerance)
        floor = max(MIN_ACCEPTED, keep // 4)
        if chosen.size < floor:
            chosen = closest(distances, floor)
    theta = proposals[chosen]
    if previous is None:
        weights = np.full(len(chosen), 1.0 / len(chosen))
    else:
        weights = importance_weights(prior, theta, previous.theta, previous.weights)
    return Generation(theta, weights, distances[chosen], chosen, float(distances[chosen].max()),
                      len(chosen) / len(proposals), ess(weights))  # fmt: skip


def smc(prior: Prior, simulate, keep: int, proposals: int, generations: int,
        seed: int) -> list[Generation]:  # fmt: skip
    """Run SMC ABC with ``simulate(theta) -> distances`` (for tests and small problems; the
    calibration drives :func:`accept` and :func:`propose` itself to record each generation)."""
    out: list[Generation] = []
    for g in range(generations):
        rng = generation_rng(seed, g)
        theta = draw(prior, out[-1] if out else None, proposals, rng)
        out.append(accept(prior, theta, simulate(theta, rng), keep, out[-1] if out else None))
    return out


def draw(prior: Prior, previous: Generation | None, n: int, rng) -> np.ndarray:
    """Generation 0 draws from the prior; later generations perturb the previous population."""
    if previous is None:
        return prior.sample(n, rng)
    return propose(prior, previous.theta, previous.weights, n, rng)


ABC_KEY = 0xABC


def generation_rng(seed: int, g: int) -> np.random.Generator:
    """The Generator of generation ``g``: a SeedSequence child of the master seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(ABC_KEY, g)))


def weighted_quantile(x: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF, midpoints)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return np.interp(q, cdf, x)
