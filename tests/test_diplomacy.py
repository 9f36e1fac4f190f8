"""Channels, leaks, denials, reciprocity conditions, truces and the story of a run."""

import csv

import numpy as np
import pytest
from conftest import SMALL

from sim.cli import main
from sim.eventlog import CODE
from sim.events import EVENTS
from sim.model import TradeWarModel
from sim.negotiation import SCHEDULED
from sim.scenario import ScenarioError, load_text
from sim.trace import EVENT_MARK, story

CHANNELS = """\
    channels:
      private: {face: 0.2, leak: 0.6}
      public: {face: 1.0}
"""


def model(overrides=(), runs=2000, seed=11, text=SMALL):
    return TradeWarModel(load_text(text, "s.yaml", list(overrides)), runs, seed)


def with_channels(text=SMALL) -> str:
    # B is merged from A's anchor, so both get the channels
    return text.replace("    face_cost: 0.15\n", "    face_cost: 0.15\n" + CHANNELS)


def test_symmetric_pressure_sweep_raises_first_approach_monotonically():
    shares = []
    for weight in (0.0, 0.2, 0.4, 0.6, 0.8):
        m = model([f"countries.A.pressures.markets.weight={weight}",
                   "countries.B.pressures.markets.weight=0.4"]).simulate()  # fmt: skip
        shares.append(np.mean(m.outcomes()["first_approacher"] == "A"))
    assert all(b > a for a, b in zip(shares, shares[1:], strict=False)), shares


def test_higher_face_cost_lowers_p_first_and_favours_private_channels():
    def run(face_cost):
        m = model([f"countries.A.face_cost={face_cost}"], text=with_channels()).simulate()
        out = m.outcomes()
        private, public = out["approaches_A_private"].sum(), out["approaches_A_public"].sum()
        return np.mean(out["first_approacher"] == "A"), private / (private + public)

    p_low, private_low = run(0.05)
    p_high, private_high = run(0.5)
    assert p_high < p_low
    assert private_high > private_low


def test_a_leak_is_a_pressure_shock_to_the_asker():
    # B leaks every leakable approach and A never denies: A's anxiety jumps by the unpaid face.
    text = with_channels()
    base = ["countries.A.face_cost=0.2", "countries.A.denial=0",
            "countries.A.channels={private: {face: 0.2, leak: 1.0}}",
            "countries.A.resolve=0.0", "countries.A.noise=0.001",
            "countries.B.resolve=5"]  # fmt: skip
    leaky = model([*base, "countries.B.leak_propensity=1"], runs=50, text=text)
    tight = model([*base, "countries.B.leak_propensity=0"], runs=50, text=text)
    leaky.step()
    tight.step()
    assert np.all(leaky.diplomacy.asked.count["leaks"][:, 0] == 1)
    assert np.all(tight.diplomacy.asked.count["leaks"][:, 0] == 0)
    jump = leaky.countries[0].anxiety - tight.countries[0].anxiety
    assert np.allclose(jump, 0.2 * (1 - 0.2))


def test_mutual_approaches_carry_no_face_cost():
    both_ask = ["countries.A.resolve=0", "countries.B.resolve=0", "countries.A.noise=0.001",
                "countries.B.noise=0.001", "countries.A.face_cost=0.2",
                "countries.B.face_cost=0.2"]  # fmt: skip
    m = model(both_ask, runs=20)
    calm = model([*both_ask, "countries.A.face_cost=0", "countries.B.face_cost=0"], runs=20)
    m.step()
    calm.step()
    assert np.all(m.outcomes()["first_approacher"] == "mutual")
    assert np.allclose(m.anxieties(), calm.anxieties())  # no face shock
    assert np.all(m.relations.status[:, 0, 1] != 0)  # talks go ahead without an answer


def test_unmet_conditions_mean_rejection():
    # A asks; B never asks (face too dear) but would accept, unless A has not cut 50 points.
    setup = ["countries.A.resolve=0", "countries.A.noise=0.001", "countries.B.resolve=0",
             "countries.B.noise=0.001", "countries.B.face_cost=5"]  # fmt: skip
    easy = model(setup, runs=30)
    strict = model([*setup, "countries.B.conditions={min_cut: 50}"], runs=30)
    for m in (easy, strict):
        m.step()
    assert np.all(easy.outcomes()["rejections_A"] == 0)
    assert np.all(strict.outcomes()["rejections_A"] == 1)
    assert np.all(strict.relations.status[:, 0, 1] == 0)
    events = strict.log.arrays()
    assert np.all(
        events["v1"][events["kind"] == CODE["rejection"]] == 1
    )  # rejection, conditions unmet


def test_truces_renew_when_snapback_pressure_is_high_and_lapse_when_low():
    text = SMALL + "events:\n  - {week: 0, kind: forced_talks, country: A, partner: B}\n"
    sure = ["negotiation.deal_rate=100", "negotiation.truce_weeks=3", "countries.A.noise=0.001",
            "countries.B.noise=0.001"]  # fmt: skip
    high = model([*sure, "countries.A.resolve=0", "countries.B.resolve=0"], 200, text=text)
    low = model([*sure, "countries.A.resolve=5", "countries.B.resolve=5"], 200, text=text)
    for m in (high, low):
        m.simulate()
    assert np.mean(high.outcomes()["renewals"] > 0) > 0.9
    assert np.mean(low.outcomes()["snapbacks"] > 0) > 0.9
    assert np.all(low.outcomes()["renewals"] == 0)


@pytest.mark.parametrize(
    ("event", "check"),
    [
        ("{week: 4, kind: set_tariff, country: A, partner: B, value: 150}",
         lambda m, w: m.trajectory()["tariff"][w, :, 0, 1] == 150),
        ("{week: 4, kind: exemptions, country: A, partner: B, share: 0.5}",
         lambda m, w: m.trajectory()["tariff"][w, :, 0, 1] == 50),
        ("{week: 4, kind: market_shock, country: B, size: -0.5}",
         lambda m, w: m.trajectory()["drawdown"][w, :, 1] > 0.4),
        ("{week: 4, kind: forced_talks, country: A, partner: B}",
         lambda m, w: m.trajectory()["status"][w, :, 0, 1] > 0),
    ],
)  # fmt: skip
def test_scheduled_events_happen_in_the_week_they_name(event, check):
    still = ["countries.A.policy={kind: fixed}", "countries.B.policy={kind: fixed}",
             "countries.A.resolve=5", "countries.B.resolve=5"]  # fmt: skip
    m = model(still, runs=30, text=SMALL + f"events:\n  - {event}\n").simulate()
    assert not np.any(check(m, 3)) and np.all(check(m, 4))
    events = m.log.arrays()
    exogenous = np.isin(events["kind"], [CODE[k] for k in EVENTS])
    assert set(events["week"][exogenous]) == {4}  # logged in its week


def test_random_events_follow_their_hazard():
    text = SMALL + ("random_events:\n  - {kind: market_shock, country: A, hazard: 0.1, "
                    "from_week: 5, to_week: 15, size: -0.01}\n")  # fmt: skip
    m = model(runs=2000, text=text).simulate()
    events = m.log.arrays()
    weeks = events["week"][events["kind"] == CODE["market_shock"]]
    assert weeks.min() >= 5 and weeks.max() < 15
    assert len(weeks) / (2000 * 10) == pytest.approx(0.1, abs=0.01)


def read(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_trace_tells_the_same_story_as_events_csv(small_path, tmp_path, capsys):
    out = tmp_path / "out"
    text = with_channels(small_path.read_text())
    small_path.write_text(text)
    assert main(["run", str(small_path), "--runs", "150", "--workers", "1", "--quiet",
                 "--out", str(out)]) == 0  # fmt: skip
    rows = read(out / "events.csv")
    for run in (0, 7, 64, 149):  # across two blocks of 64 and into the third
        expected = [(r["week"], f"{r['actor']} {r['kind']}: {r['detail']}")
                    for r in rows if r["run"] == str(run)]  # fmt: skip
        assert expected, f"run {run} has no events"
        told, week = [], None
        for line in story(out, run):
            if line.startswith("week "):
                week = line.split()[1]
            elif line.startswith(EVENT_MARK):
                told.append((week, line[len(EVENT_MARK) :]))
        assert told == expected
    capsys.readouterr()
    assert main(["trace", str(out), "--run", "3"]) == 0
    assert capsys.readouterr().out.startswith("run 3 of small")
    assert main(["trace", str(out), "--run", "150"]) == 2  # no such run
    assert main(["trace", str(tmp_path), "--run", "0"]) == 2  # not a result folder


def test_a_random_event_that_never_fires_changes_nothing_else():
    quiet = SMALL + ("random_events:\n  - {kind: market_shock, country: A, hazard: 0.0, "
                     "size: -0.5}\n")  # fmt: skip
    with_event = model(runs=200, text=quiet).simulate().outcomes()
    without = model(runs=200).simulate().outcomes()
    same = [np.array_equal(with_event[k], v, equal_nan=v.dtype.kind == "f")
            for k, v in without.items()]  # fmt: skip
    assert all(same)


def test_a_country_needs_a_way_to_ask():
    with pytest.raises(ScenarioError, match="at least one way to ask"):
        load_text(SMALL, "s.yaml", ["countries.A.channels={}"])


def test_diplomacy_takes_every_answer_leak_and_denial_from_the_agents():
    # A always asks; left alone, B (resolve 5) would reject, and A (denial 0) never denies.
    m = model(["countries.A.resolve=0", "countries.A.noise=0.001", "countries.A.denial=0",
               "countries.B.resolve=5", "countries.B.leak_propensity=0"], runs=30,
              text=with_channels())  # fmt: skip
    a, b = m.countries
    yes = np.ones((30, 2), dtype=bool)
    # the model asks about the runs with an approach only (``runs``)
    b.answers = lambda *args, runs: (yes[runs], yes[runs])
    b.leaks = lambda channel_leak, u, runs: yes[runs]
    a.denies = lambda u, runs: yes[runs]
    m.step()
    count = m.diplomacy.asked.count
    assert np.all(count["approaches"][:, 0] == 1) and np.all(count["rejections"] == 0)
    assert np.all(count["leaks"][:, 0] == 1) and np.all(count["denials"][:, 0] == 1)
    assert np.all(m.relations.status[:, 0, 1] == SCHEDULED)
