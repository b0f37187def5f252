"""Stratified permuted blocks with randomly varying block sizes.

Each stratum has its own list, generated ahead of time from a secret seed. The stratum's
generator is derived from (seed, list id, stratum code) through :class:`numpy.random.SeedSequence`,
so a stratum opened later (a new site joins) gets a list that is just as reproducible, and two
strata's lists are independent. Blocks are drawn one after another, so a longer list of the same
stratum always starts with the shorter one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from trialdesk.domain.errors import InputError
from trialdesk.domain.randomization.spec import RandomizationSpec
from trialdesk.domain.randomization.strata import StratumKey
from trialdesk.domain.randomization.validation import validate_list_seed, validate_spec

__all__ = [
    "BlockSequence",
    "ListEntry",
    "draw_blocks",
    "generate_list",
    "generate_stratum_list",
    "stratum_generator",
]


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One line of a stratum's randomization list (statistician-only: it shows block sizes)."""

    list_id: str
    stratum: str
    position: int  #: 1-based position in the stratum's list
    block_number: int  #: 1-based
    block_size: int
    arm: str


@dataclass(frozen=True, slots=True)
class BlockSequence:
    """Arms of whole blocks as arrays: arm index (into the ratio), block number, block size."""

    arm_index: np.ndarray
    block_number: np.ndarray
    block_size: np.ndarray

    def __len__(self) -> int:
        return int(self.arm_index.size)


def _words(text: str) -> list[int]:
    # A stable digest (Python's hash() is salted per process) cut into 32-bit words.
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, len(digest), 4)]


def stratum_generator(seed: int, list_id: str, stratum: StratumKey | str) -> np.random.Generator:
    """The generator of one stratum's list: a function of (seed, list id, stratum code) only."""
    validate_list_seed(seed)
    code = stratum.code if isinstance(stratum, StratumKey) else stratum
    # The seed fills the 128-bit entropy pool; list id and stratum enter as a fixed-length spawn
    # key, so no two (seed, list, stratum) triples can produce the same assembled entropy.
    sequence = np.random.SeedSequence(
        entropy=seed, spawn_key=(*_words(list_id), *_words(code)), pool_size=4
    )
    return np.random.Generator(np.random.PCG64(sequence))


def draw_blocks(
    ratio: Sequence[tuple[str, int]],
    block_sizes: Sequence[int],
    min_length: int,
    rng: np.random.Generator,
) -> BlockSequence:
    """Draw whole permuted blocks until at least ``min_length`` allocations are covered.

    Each block's size is drawn with equal probability from ``block_sizes``; the block holds each
    arm ``weight × size / sum(weights)`` times, in a uniformly random order. The caller is expected
    to have validated the sizes against the ratio (:func:`validate_spec`).

    Parameters
    ----------
    ratio : sequence of (arm, weight)
        The allocation ratio; the arm index in the result refers to this order.
    block_sizes : sequence of int
        Allowed block sizes, each a multiple of the ratio's sum.
    min_length : int
        Number of allocations the blocks must cover (0 gives an empty sequence).
    rng : numpy.random.Generator
        Source of randomness; consumed one block at a time.
    """
    weights = np.array([weight for _, weight in ratio], dtype=np.int64)
    ratio_sum = int(weights.sum())
    sizes = np.array(block_sizes, dtype=np.int64)
    arm_parts: list[np.ndarray] = []
    sizes_drawn: list[int] = []
    covered = 0
    while covered < min_length:
        size = int(sizes[rng.integers(sizes.size)])
        pattern = np.repeat(np.arange(weights.size), weights * (size // ratio_sum))
        arm_parts.append(rng.permutation(pattern))
        sizes_drawn.append(size)
        covered += size
    size_per_block = np.array(sizes_drawn, dtype=np.int64)
    return BlockSequence(
        arm_index=np.concatenate(arm_parts) if arm_parts else np.zeros(0, dtype=np.int64),
        block_number=np.repeat(np.arange(1, len(sizes_drawn) + 1), size_per_block),
        block_size=np.repeat(size_per_block, size_per_block),
    )


def generate_stratum_list(
    spec: RandomizationSpec, seed: int, list_id: str, stratum: StratumKey | str, min_length: int
) -> list[ListEntry]:
    """The list of one stratum: whole blocks covering at least ``min_length`` subjects."""
    validate_spec(spec)
    if not list_id:
        raise InputError.single("list_id", "is empty")
    if min_length < 0:
        raise InputError.single("length", f"must be ≥ 0, not {min_length}")
    code = stratum.code if isinstance(stratum, StratumKey) else stratum
    blocks = draw_blocks(
        spec.ratio, spec.block_sizes, min_length, stratum_generator(seed, list_id, code)
    )
    arms = [arm for arm, _ in spec.ratio]
    return [
        ListEntry(list_id, code, position, number, size, arms[arm])
        for position, (arm, number, size) in enumerate(
            zip(
                blocks.arm_index.tolist(),
                blocks.block_number.tolist(),
                blocks.block_size.tolist(),
                strict=True,
            ),
            start=1,
        )
    ]


def generate_list(
    spec: RandomizationSpec,
    seed: int,
    list_id: str,
    strata: Iterable[StratumKey | str],
    length_per_stratum: int,
) -> list[ListEntry]:
    """Lists of several strata, concatenated in the order the strata are given."""
    return [
        entry
        for stratum in strata
        for entry in generate_stratum_list(spec, seed, list_id, stratum, length_per_stratum)
    ]
