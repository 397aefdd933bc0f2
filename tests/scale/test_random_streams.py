"""Streams addressed by path are the children nested SeedSequence.spawn would give."""

from __future__ import annotations

import numpy as np
import pytest

from segreform.scale.random_streams import generator, root_sequence, stream


def test_stream_equals_nested_spawn():
    nested = np.random.SeedSequence(2024).spawn(4)[3].spawn(7)[6]
    np.testing.assert_array_equal(stream(2024, 3, 6).generate_state(8), nested.generate_state(8))
    child = np.random.SeedSequence(5).spawn(2)[1]
    np.testing.assert_array_equal(stream(child, 0).generate_state(4), child.spawn(1)[0].generate_state(4))


def test_streams_are_distinct_and_repeatable():
    a = generator(1, 0, 0).random(5)
    np.testing.assert_array_equal(a, generator(1, 0, 0).random(5))
    assert not np.array_equal(a, generator(1, 0, 1).random(5))
    assert not np.array_equal(a, generator(2, 0, 0).random(5))


def test_fresh_entropy_is_recorded_and_bad_seeds_are_refused():
    root = root_sequence(None)
    np.testing.assert_array_equal(
        stream(root.entropy, 1).generate_state(2), stream(root, 1).generate_state(2)
    )
    for bad in (-1, 1.5, True, "7"):
        with pytest.raises(ValueError, match="seed must be a non-negative integer"):
            root_sequence(bad)
    with pytest.raises(ValueError, match="non-negative"):
        stream(1, -2)
