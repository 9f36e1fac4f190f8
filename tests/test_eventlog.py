"""The event log's arrays: one entry per event, whatever mix of single values and arrays."""

import numpy as np
import pytest

from sim.eventlog import CODE, EventLog


def test_arrays_mix_single_values_arrays_and_broadcast_ones_in_run_order():
    log = EventLog()
    log.add("deal", 3, [2, 0], np.array([1, 0]), 1, v1=np.array([0.5, -0.0]))
    log.add("leak", 4, np.array([1]), 0, np.array([1]), channel=np.array([2.0]), v2=7)
    log.add("talks", 5, np.array([0, 2]), 1, 0, v1=np.array([9.0]))  # one value for both
    log.add("denial", 6, np.zeros(0, dtype=int), 0)  # no event
    ev = log.arrays()
    assert ev["run"].tolist() == [0, 0, 1, 2, 2]  # by run, and in order within a run
    assert ev["week"].tolist() == [3, 5, 4, 3, 5]
    assert ev["actor"].tolist() == [0, 1, 0, 1, 1]
    assert ev["kind"].tolist() == [CODE[k] for k in ("deal", "talks", "leak", "deal", "talks")]
    assert ev["channel"].tolist() == [-1, -1, 2, -1, -1] and ev["channel"].dtype == np.int64
    assert ev["v1"][[0, 1, 3, 4]].tobytes() == np.array([-0.0, 9.0, 0.5, 9.0]).tobytes()
    assert np.isnan(ev["v1"][2]) and ev["v2"][2] == 7.0


def test_an_empty_log_has_empty_typed_arrays():
    ev = EventLog().arrays()
    assert all(len(v) == 0 for v in ev.values())
    assert ev["run"].dtype == np.int64 and ev["v1"].dtype == np.float64


def test_arrays_in_every_chunk_align_per_chunk_when_one_is_broadcast():
    log = EventLog()
    log.add("talks", 5, np.array([0, 2]), 1, 0, v1=np.array([9.0]))  # one value for both
    log.add("deal", 6, np.array([1]), 0, 1, v1=np.array([1.0]))
    assert log.arrays()["v1"].tolist() == [9.0, 1.0, 9.0]


def test_a_chunk_with_more_values_than_events_is_refused_not_misaligned():
    # a broadcast chunk beside one with a value too many: the total length is right
    log = EventLog()
    log.add("talks", 5, np.array([0, 2]), 1, 0, v1=np.array([9.0]))
    log.add("deal", 6, np.array([1]), 0, 1, v1=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="2 v1 values for 1 events"):
        log.arrays()
