"""Uncertain numbers: ``{dist: NAME, ...}`` leaves of a scenario, drawn once per run.

Any numeric leaf of a scenario may be a distribution named after one of the ``scipy.stats``
distributions in :data:`DISTRIBUTIONS`, with that distribution's own parameter names
(``{dist: beta, a: 2, b: 3}``, ``{dist: uniform, low: 1.5, high: 3.0}``). Two conveniences
are added because users reach for them: ``uniform`` accepts ``low``/``high`` (scipy's
``loc``/``scale`` also work), and ``triang`` accepts ``low``/``mode``/``high``.

Each leaf is drawn from its own random stream, derived from the block's seed and the leaf's
dotted path, so adding or removing one uncertain parameter leaves every other draw unchanged
(common random numbers across scenario variants).
"""

from __future__ import annotations

import dataclasses
import re
import reprlib
import zlib
from dataclasses import dataclass

import numpy as np
import scipy.stats

_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_SHORT = reprlib.Repr()  # keyword arguments need Python 3.12
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4
_SHORT.maxstring, _SHORT.maxother = 40, 40


def short(value) -> str:
    """A bounded repr for error messages: an alias bomb must not become a 1 GB message."""
    return _SHORT.repr(value)


def as_number(raw):
    """``raw`` as a float when it is a number or numeric text (YAML 1.1 reads 1e5 as text).

    Returns None for anything else (booleans included); raises OverflowError for an integer
    too large for a float.
    """
    if isinstance(raw, str) and _FLOAT_TEXT.match(raw.strip()):
        return float(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return float(raw)


# The distributions a scenario may name: the common ones, each cheap to draw from. Any
# scipy.stats name used to be accepted, but some (ksone with n = 100000) take seconds a draw.
DISTRIBUTIONS = ("uniform", "loguniform", "triang", "beta", "truncnorm", "norm", "lognorm",
                 "gamma", "expon", "weibull_min", "randint", "poisson", "binom")  # fmt: skip


class DistributionError(ValueError):
    """A distribution spec that scipy.stats cannot build (bad name or parameters)."""


@dataclass(frozen=True)
class Distribution:
    """A named scipy.stats distribution with its parameters, as written in the scenario."""

    name: str
    params: tuple[tuple[str, float], ...]

    def as_dict(self) -> dict:
        return {"dist": self.name, **dict(self.params)}

    def frozen(self):
        """The frozen scipy.stats distribution."""
        return _freeze(self.name, dict(self.params))

    def support(self) -> tuple[float, float]:
        low, high = self.frozen().support()
        return float(low), float(high)

    def sample(self, size: int, seed: np.random.SeedSequence, path: str) -> np.ndarray:
        """Draw ``size`` values from the stream that belongs to ``path`` under ``seed``."""
        gen = np.random.default_rng(leaf_seed(seed, path))
        return np.asarray(self.frozen().rvs(size=size, random_state=gen), dtype=float)


def leaf_seed(seed: np.random.SeedSequence, path: str) -> np.random.SeedSequence:
    """A child seed that depends only on the parent seed and the leaf's dotted path."""
    key = zlib.crc32(path.encode("utf-8"))
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 0xD157, key))


def _translate(name: str, params: dict) -> dict:
    """Map the low/high/mode conveniences onto scipy's loc/scale/c parameters."""
    p = dict(params)
    if name == "uniform" and ("low" in p or "high" in p):
        low, high = p.pop("low", 0.0), p.pop("high", 1.0)
        p.update(loc=low, scale=high - low)
    if name == "triang" and {"low", "mode", "high"} <= p.keys():
        low, mode, high = p.pop("low"), p.pop("mode"), p.pop("high")
        p.update(loc=low, scale=high - low, c=(mode - low) / (high - low) if high > low else 0.5)
    return p


def _freeze(name: str, params: dict):
    if name not in DISTRIBUTIONS:
        raise DistributionError(f"unknown distribution {short(name)} (one of "
                                f"{', '.join(DISTRIBUTIONS)})")  # fmt: skip
    family = getattr(scipy.stats, name)
    try:
        frozen = family(**_translate(name, params))
        centre = frozen.ppf(0.5)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise DistributionError(f"bad parameters for {name}: {exc}") from None
    if not np.isfinite(centre):
        raise DistributionError(f"parameters {params} are not valid for {name}")
    return frozen


def make(spec: dict) -> Distribution:
    """Build and check a Distribution from a ``{dist: NAME, ...}`` mapping.

    Raises:
        DistributionError: unknown name, non-numeric or invalid parameters.
    """
    name = spec["dist"]
    if not isinstance(name, str):
        raise DistributionError("'dist' must be a scipy.stats distribution name")
    params = {}
    for key, value in spec.items():
        if key == "dist":
            continue
        try:
            number = as_number(value)
        except OverflowError:
            number = float("inf")
        if number is None:
            raise DistributionError(f"parameter {short(key)} must be a number, got {short(value)}")
        if not np.isfinite(number):
            raise DistributionError(f"parameter {short(key)} must be finite, got {short(value)}")
        params[key] = number
    _freeze(name, params)
    return Distribution(name, tuple(params.items()))


# --------------------------------------------------------------------------- scenarios


def _map_leaves(obj, path: tuple, fn):
    """Rebuild ``obj`` with ``fn(path, leaf)`` applied to every float or Distribution leaf.

    Walks dataclasses, dicts and tuples; a tuple item with a ``name`` (a country) is named by
    it, others by position; a field called ``params`` adds nothing to the path, since
    registered kinds keep their parameters flat in YAML; a dataclass whose YAML key for a
    field is not the field's name says which it is with ``yaml_key(field)`` (deal terms write
    their ``value`` under their kind: ``cut: 115``). So each path is the dotted key that
    ``--set`` takes.
    """
    if isinstance(obj, Distribution | float):
        return fn(path, obj)
    if isinstance(obj, dict):
        return {k: _map_leaves(v, (*path, k), fn) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_map_leaves(v, (*path, getattr(v, "name", i)), fn) for i, v in enumerate(obj))
    if dataclasses.is_dataclass(obj):
        changes = {}
        for f in dataclasses.fields(obj):
            # Registered kinds keep their parameters flat in YAML, and so in paths.
            named = obj.yaml_key(f.name) if hasattr(obj, "yaml_key") else f.name
            sub = path if f.name == "params" else (*path, named)
            changes[f.name] = _map_leaves(getattr(obj, f.name), sub, fn)
        return dataclasses.replace(obj, **changes)
    return obj


def uncertain(s) -> list[tuple[str, Distribution]]:
    """Every distribution leaf of a scenario as (dotted path, distribution), sorted by path."""
    found = []

    def collect(path, value):
        if isinstance(value, Distribution):
            found.append((".".join(str(p) for p in path), value))
        return value

    _map_leaves(s, (), collect)
    return sorted(found, key=lambda item: item[0])


def realise(s, size: int, seed: np.random.SeedSequence, *, tile: int = 1, fixed=None):
    """The scenario with each distribution replaced by ``size`` draws, and the draws by path.

    Args:
        tile: draw ``size // tile`` values and repeat them ``tile`` times (packed points of a
            calibration share their draws, as if each were simulated alone).
        fixed: dotted key -> ``(size,)`` array that replaces a number leaf (not a draw).

    Raises:
        ValueError: a ``fixed`` key that is not a number leaf of ``s``.
    """
    draws: dict[str, np.ndarray] = {}
    fixed = dict(fixed or {})
    used = set()

    def draw(path, value):
        key = ".".join(str(p) for p in path)
        if key in fixed and not isinstance(value, Distribution):
            used.add(key)
            return np.asarray(fixed[key], dtype=float)
        if not isinstance(value, Distribution):
            return value
        draws[key] = np.tile(value.sample(size // tile, seed, key), tile)
        return draws[key]

    realised = _map_leaves(s, (), draw)
    if used != fixed.keys():
        raise ValueError(f"not number leaves of the scenario: {sorted(fixed.keys() - used)}")
    return realised, dict(sorted(draws.items()))
