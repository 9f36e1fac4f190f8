"""Named random streams: one numpy ``Generator`` per decision, keyed by the decision's name.

Each stream is seeded from the block's seed and a stable hash of its name (CRC-32, not
Python's salted ``hash``), never from its position among the others, so adding a decision or
a draw changes no other stream: common random numbers survive model changes as they survive
scenario changes (as :func:`sim.distributions.leaf_seed` does for uncertain parameters).
"""

from __future__ import annotations

import zlib

import numpy as np

# Sets the streams apart from the other children of a block seed (distributions use 0xD157).
STREAM_ROOT = 0x57AE


def stream_seed(seed: np.random.SeedSequence, name: str) -> np.random.SeedSequence:
    """The seed of stream ``name`` under ``seed``: it depends on nothing else."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, STREAM_ROOT, key))


class Streams:
    """A block's named random streams, each created on first use.

    Args:
        seed: the block's ``SeedSequence``.
    """

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            gen = self._generators[name] = np.random.default_rng(stream_seed(self.seed, name))
        return gen
