"""One owner for the output columns: sim/columns.py declares them; everything else derives."""

import re

from conftest import ROOT

from sim import columns as C
from sim.docgen import main as columns_main
from sim.docgen import render
from sim.model import TradeWarModel
from sim.scenario import load_text

DOC = ROOT / "docs" / "results.md"


def test_the_doc_tables_are_the_generated_ones():
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m sim.docgen --write docs/results.md"
    assert columns_main(["--check", str(DOC)]) == 0


def test_the_doc_check_fails_on_a_hand_edit(tmp_path):
    edited = tmp_path / "results.md"
    edited.write_text(DOC.read_text().replace("| `deals` | count |", "| `deals` | number |"))
    assert columns_main(["--check", str(edited)]) == 1
    assert columns_main(["--write", str(edited)]) == 0
    assert edited.read_text() == DOC.read_text()


def test_the_model_writes_exactly_the_declared_columns_in_order():
    from conftest import SMALL

    scenario = load_text(SMALL.replace("runs: 200", "runs: 4"))
    model = TradeWarModel(scenario, 4, 3).simulate()
    lay = model.layout()
    assert lay.keys == ("countries.A.elasticity", "countries.A.resolve", "countries.B.elasticity",
                        "countries.B.resolve")  # fmt: skip
    assert list(model.outcomes()) == C.names(C.OUTCOMES, lay)
    assert C.names(C.OUTCOMES, lay)[:3] == ["first_approacher", "first_approach_week",
                                            "first_approach_channel"]  # fmt: skip


def test_expansion_per_country_pair_channel_and_interval():
    lay = C.Layout(("A", "B", "C"), {"A": ("private",), "B": (), "C": ("x", "y")}, ("m",))
    assert C.names((C.FINAL_TARIFF,), lay) == [
        "final_tariff_A_B", "final_tariff_A_C", "final_tariff_B_A", "final_tariff_B_C",
        "final_tariff_C_A", "final_tariff_C_B"]  # fmt: skip
    assert C.names((C.CHANNEL_APPROACHES,), lay) == [
        "approaches_A_private", "approaches_C_x", "approaches_C_y"]  # fmt: skip
    assert C.names((C.P_DEAL,), lay) == ["p_deal", "p_deal_low", "p_deal_high"]
    assert C.estimates((C.P_FIRST,), lay) == ["p_first_A", "p_first_B", "p_first_C",
                                               "p_first_mutual", "p_first_none"]  # fmt: skip
    # steps.csv interleaves each partner's tariff and status; summary.csv skips the country
    assert C.names(((C.TARIFF_ON, C.STATUS_WITH),), lay)[:3] == [
        "tariff_on_A", "status_with_A", "tariff_on_B"]  # fmt: skip
    assert C.names(C.QUANTITIES, lay, "B")[:2] == ["tariff_on_A", "tariff_on_C"]


def test_no_other_module_spells_a_declared_column_or_label():
    """Names and labels are derived from sim/columns.py, never written out (or parsed) again."""
    literals = {t.split("{")[0] for entries in C.TABLES.values() for e in entries
                for t in [c.template for c in ((e,) if isinstance(e, C.Column) else e)]
                if "{" in t and len(t.split("{")[0]) > 4}  # fmt: skip
    literals |= set(C.RESERVED)
    assert "tariff_on_" in literals and "p_first_" in literals
    offenders = []
    for path in sorted((ROOT / "sim").glob("*.py")):
        if path.name == "columns.py":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {lit}" for lit in literals
                      if re.search(r"[\"']" + re.escape(lit) + r"[{\"']", text)]  # fmt: skip
    assert offenders == []
