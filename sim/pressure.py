"""Pressure functional forms: how an economic indicator turns into felt pressure.

A country's pressure is ``p = sum_c w_c * f_c(x_c)`` over its named channels; each channel reads
one indicator ``x_c`` (see :data:`sim.economy.INDICATORS`) through one form ``f_c`` from
:data:`FORMS`. Every form is vectorised: ``x`` and every parameter may be numpy arrays over the
block's replicates, so a parameter drawn per run broadcasts for free.

The saturating forms (logistic, hill, exponential, threshold) map into [0, 1], which keeps a
channel's weight interpretable as its largest possible contribution; linear and power are
unbounded and suit indicators with a natural scale (a price rise in percent).
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

INF = float("inf")


@dataclass(frozen=True)
class Param:
    """A form parameter: default (None = required) and the closed range it must lie in."""

    default: float | None
    low: float = -INF
    high: float = INF


@dataclass(frozen=True)
class Form:
    """A named, vectorised functional form with its parameter specification."""

    func: Callable[..., np.ndarray]
    params: dict[str, Param]
    doc: str


def linear(x, slope, intercept):
    """``intercept + slope * x`` (the simplest dose-response)."""
    return intercept + slope * x


def logistic(x, midpoint, steepness):
    """``1 / (1 + exp(-steepness (x - midpoint)))``: a tipping point at ``midpoint``."""
    return 0.5 * (1.0 + np.tanh(0.5 * steepness * (x - midpoint)))


def hill(x, half, n):
    """``x^n / (half^n + x^n)`` (Hill 1910): zero at zero, half at ``half``, saturating."""
    xn = np.power(np.maximum(x, 0.0), n)
    return xn / (np.power(half, n) + xn)


def exponential(x, rate):
    """``1 - exp(-rate x)``: concave, saturating; pressure that builds fast then levels off."""
    return -np.expm1(-rate * np.maximum(x, 0.0))


def power(x, scale, exponent):
    """``scale * x^exponent``: convex (exponent > 1) pain that accelerates with the indicator."""
    return scale * np.power(np.maximum(x, 0.0), exponent)


def threshold(x, level, value):
    """``value`` once ``x >= level``, else 0: a red line (e.g. an election, a harvest)."""
    return np.where(x >= level, value, 0.0)


BIG = 1e6  # bound of form parameters; channel contributions are clipped to it too

FORMS: dict[str, Form] = {
    "linear": Form(
        linear,
        {"slope": Param(None, -BIG, BIG), "intercept": Param(0.0, -BIG, BIG)},
        linear.__doc__,
    ),
    "logistic": Form(
        logistic,
        {"midpoint": Param(None, -BIG, BIG), "steepness": Param(None, 0.0, BIG)},
        logistic.__doc__,
    ),
    "hill": Form(hill, {"half": Param(None, 1e-12, BIG), "n": Param(1.0, 0.0, 50.0)}, hill.__doc__),
    "exponential": Form(exponential, {"rate": Param(None, 0.0, BIG)}, exponential.__doc__),
    "power": Form(
        power, {"scale": Param(1.0, -BIG, BIG), "exponent": Param(1.0, 0.0, 10.0)}, power.__doc__
    ),
    "threshold": Form(
        threshold,
        {"level": Param(None, -BIG, BIG), "value": Param(1.0, -BIG, BIG)},
        threshold.__doc__,
    ),
}


USER_FORM = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


@functools.cache
def user_form(reference: str) -> Callable[..., np.ndarray]:
    """The function a ``module:function`` reference names (imported once per process).

    Only reached for scenarios loaded with ``allow_code``: the loader refuses such references
    otherwise, because importing a module runs its code.

    Raises:
        ImportError, AttributeError: the module or the function does not exist.
    """
    module, _, name = reference.partition(":")
    func = getattr(importlib.import_module(module), name)
    if not callable(func):
        raise AttributeError(f"{reference} is not a function")
    return func


def evaluate(form: str, x: np.ndarray, params: dict) -> np.ndarray:
    """Apply the form ``form`` (registered, or a user ``module:function``) to ``x``."""
    if form in FORMS:
        return FORMS[form].func(x, **params)
    return np.broadcast_to(np.asarray(user_form(form)(x, **params), dtype=float), x.shape)
