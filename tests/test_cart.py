"""discover --method cart: a shallow scikit-learn tree read as rules, seeded and deterministic."""

import json
import sys

import numpy as np
import pytest
from conftest import SCENARIOS

from sim import cart
from sim.cli import main

pytest.importorskip("sklearn")


def planted(n=3000, seed=11):
    """Uniform parameters; the condition holds in x1 < 0.3 and x0 > 0.6 (5% label noise)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3))
    y = (x[:, 1] < 0.3) & (x[:, 0] > 0.6)
    flip = rng.random(n) < 0.05
    return x, y ^ flip


def test_the_top_split_finds_the_planted_threshold_and_a_leaf_the_region():
    x, y = planted()
    params = ["x0", "x1", "x2"]
    model = cart.fit(x, y, seed=5, depth=2)
    top = cart.top_split(model, params)
    assert top["parameter"] == "x1" and abs(top["threshold"] - 0.3) < 0.02
    densest = cart.leaves(model, x, y, params)[0]
    assert set(densest["conditions"]) == {"x0", "x1"}
    low0, high0 = densest["conditions"]["x0"]
    low1, high1 = densest["conditions"]["x1"]
    assert abs(low0 - 0.6) < 0.02 and high0 is None and low1 is None and abs(high1 - 0.3) < 0.02
    # flipped labels outside the region are cases too: about 0.72 of all cases lie inside it
    assert densest["share"] > 0.9 and densest["coverage"] > 0.65
    leaves = cart.leaves(model, x, y, params)
    assert sum(leaf["rows"] for leaf in leaves) == len(y)
    assert sum(leaf["cases"] for leaf in leaves) == y.sum()


def test_rules_read_as_intervals():
    rule = cart.rule({"a": [None, 0.5], "b": [0.25, None], "c": [1.0, 2.0]})
    assert rule == "a <= 0.5 and b > 0.25 and 1 < c <= 2"
    assert cart.rule({}) == "everywhere"


def run_folder(tmp_path):
    out = tmp_path / "a"
    assert main(["run", str(SCENARIOS / "us_china_2025.yaml"), "--runs", "400", "--quiet",
                 "--workers", "1", "--out", str(out)]) == 0  # fmt: skip
    return out


def test_cart_on_a_shipped_scenario_is_deterministic_and_draws_its_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    folder = run_folder(tmp_path)
    where = ["--where", "first_approacher == 'CN'", "--method", "cart"]
    capsys.readouterr()
    assert main(["discover", str(folder), *where, "--plot", str(tmp_path / "t.png")]) == 0
    out = capsys.readouterr().out
    assert "CART tree (depth <= 3" in out and "top split countries." in out
    assert (tmp_path / "t.png").stat().st_size > 0
    assert main(["discover", str(folder), *where, "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["discover", str(folder), *where, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == first
    assert first["method"] == "cart" and first["seed"] == 20250412
    assert sum(leaf["rows"] for leaf in first["leaves"]) == first["rows"] == 400
    assert sum(leaf["cases"] for leaf in first["leaves"]) == first["cases"]
    assert main(["discover", str(folder), *where, "--depth", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["leaves"]) <= 2
    assert main(["discover", str(folder), *where, "--depth", "99"]) == 2


def test_cart_on_a_sweep_folder(small_path, tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sweep", str(small_path), "--out", str(out), "--quiet", "--workers", "1",
                 "--set", "horizon=12", "--method", "lhs", "--points", "40",
                 "--runs-per-point", "20",
                 "--param", "countries.A.face_cost=0:0.6"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["discover", str(out), "--where", "p_first_A > 0.5", "--method", "cart"]) == 0
    assert "countries.A.face_cost" in capsys.readouterr().out


def test_cart_without_sklearn_is_a_clear_usage_error(tmp_path, capsys, monkeypatch):
    folder = run_folder(tmp_path)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.tree", None)
    capsys.readouterr()
    assert main(["discover", str(folder), "--where", "deals > 1", "--method", "cart"]) == 2
    err = capsys.readouterr().err
    assert "scikit-learn" in err and 'pip install -e ".[analysis]"' in err
