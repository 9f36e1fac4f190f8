"""Deal rules against their closed forms and the theory they come from."""

import numpy as np
import pytest

from sim.negotiation import DEAL_RULES, Table, nash_utilities, rubinstein_share


def table(n=1, **kw) -> Table:
    base = dict(
        tariff_ij=145.0, tariff_ji=125.0, anxiety_i=0.5, anxiety_j=0.3, resolve_i=0.3,
        resolve_j=0.4, leaks_i=0.0, leaks_j=0.0, i_proposes=0.0, cut=50.0, patience=1.0,
        leak_power=0.2,
    )  # fmt: skip
    base.update(kw)
    return Table(**{k: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
                    for k, v in base.items()})  # fmt: skip


def test_rubinstein_closed_form():
    assert rubinstein_share(0.9, 0.8) == pytest.approx(0.7143, abs=1e-4)
    for d in (0.1, 0.5, 0.9, 0.99):
        assert rubinstein_share(d, d) == pytest.approx(1 / (1 + d))


@pytest.mark.parametrize("name", sorted(DEAL_RULES))
def test_every_rule_cuts_both_sides_and_spends_the_pie(name):
    t = table(3, anxiety_i=[0.1, 0.5, 0.9], anxiety_j=[0.9, 0.5, 0.1])
    cut_i, cut_j = DEAL_RULES[name].func(t)
    assert cut_i.shape == cut_j.shape == (3,)
    assert np.all(cut_i >= 0) and np.all(cut_j >= 0)
    assert np.allclose(cut_i + cut_j, 2 * t.cut)


def test_reciprocal_cuts_equal_points():
    cut_i, cut_j = DEAL_RULES["reciprocal"].func(table(cut=115.0))
    assert cut_i[0] == cut_j[0] == 115.0  # Geneva, 12 May 2025: 145 -> 30, 125 -> 10


def test_rubinstein_split_follows_impatience_and_who_proposes():
    # delta = exp(-A): with A_i = -log 0.9 and A_j = -log 0.8, i proposing gets 0.7143.
    t = table(anxiety_i=-np.log(0.9), anxiety_j=-np.log(0.8), i_proposes=1.0, cut=50.0)
    cut_i, cut_j = DEAL_RULES["rubinstein"].func(t)
    assert cut_j[0] / 100.0 == pytest.approx(0.7143, abs=1e-4)  # j cuts i's share of the pie
    calmer = table(anxiety_i=0.1, anxiety_j=0.6)
    assert DEAL_RULES["rubinstein"].func(calmer)[1][0] > 50.0  # the calmer side gets more


def test_a_leak_lowers_the_leaked_sides_rubinstein_share():
    clean = DEAL_RULES["rubinstein"].func(table(leaks_i=0.0))
    leaked = DEAL_RULES["rubinstein"].func(table(leaks_i=1.0))
    assert leaked[1][0] < clean[1][0]  # the partner cuts less for i
    assert leaked[0][0] > clean[0][0]  # and i concedes more


def test_nash_maximises_the_product_found_by_brute_force():
    t = table(5, anxiety_i=[0.2, 0.4, 0.6, 0.8, 0.5], anxiety_j=[0.6, 0.5, 0.4, 0.3, 0.5])
    cut_i, cut_j = DEAL_RULES["nash"].func(t)
    share = cut_j / (2 * t.cut)
    grid = np.linspace(0, 1, 20001)[:, None]
    u_i, u_j = nash_utilities(t, grid)
    product = np.where((u_i > 0) & (u_j > 0), u_i * u_j, -np.inf)
    best = grid[np.argmax(product, axis=0), 0]
    assert np.allclose(share, best, atol=1e-3)


def test_nash_finds_a_bargain_away_from_the_middle():
    # Both sides gain only for shares in about [0.08, 0.43]: the answer is not an equal split.
    t = table(anxiety_i=0.5, resolve_i=0.05, anxiety_j=0.1, resolve_j=0.3,
              tariff_ij=100.0, tariff_ji=100.0, cut=50.0)  # fmt: skip
    cut_i, cut_j = DEAL_RULES["nash"].func(t)
    share = cut_j[0] / 100.0
    grid = np.linspace(0, 1, 200001)
    u_i, u_j = nash_utilities(t, grid)
    best = grid[np.argmax(np.where((u_i > 0) & (u_j > 0), u_i * u_j, -np.inf))]
    assert 0.08 < share < 0.43 and share == pytest.approx(best, abs=1e-4)


def test_nash_splits_equally_only_when_no_share_helps_both():
    t = table(anxiety_i=0.01, resolve_i=5.0, anxiety_j=0.01, resolve_j=5.0)
    u_i, u_j = nash_utilities(t, np.linspace(0, 1, 1001))
    assert not np.any((u_i > 0) & (u_j > 0))
    cut_i, cut_j = DEAL_RULES["nash"].func(t)
    assert cut_i[0] == cut_j[0] == 50.0


def test_nash_terms_of_a_pair_do_not_depend_on_the_other_pairs():
    rng = np.random.default_rng(0)
    n = 400
    t = table(n, anxiety_i=rng.uniform(0.1, 0.9, n), anxiety_j=rng.uniform(0.1, 0.9, n),
              resolve_i=rng.uniform(0.05, 0.5, n), resolve_j=rng.uniform(0.05, 0.5, n))  # fmt: skip
    together = DEAL_RULES["nash"].func(t)[1]
    for k in (0, 17, 399):
        alone = table(**{f: getattr(t, f)[k] for f in t.__dataclass_fields__})
        assert DEAL_RULES["nash"].func(alone)[1][0] == pytest.approx(together[k], abs=1e-9)
