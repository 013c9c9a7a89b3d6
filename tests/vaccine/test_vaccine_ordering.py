"""Exact ordering equals brute force; the heuristic never beats its own lower bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaxmix.vaccine.ordering import (
    assignment_lower_bound,
    held_karp,
    local_search_order,
    milp_order,
    order,
    path_cost,
)


def brute(cost, start, end):
    n = cost.shape[0]
    return min(path_cost(p, cost, start, end) for p in itertools.permutations(range(n)))


@st.composite
def instances(draw, max_n=7):
    n = draw(st.integers(1, max_n))
    # costs as the design encodes them: binders * big + linker length
    big = 6 * (n + 1) + 1
    values = st.integers(0, 2).map(lambda b: b * big) | st.sampled_from([0, 3, 5, 6])
    cost = np.array([[draw(values) for _ in range(n)] for _ in range(n)], dtype=np.int64)
    start = np.array([draw(values) for _ in range(n)], dtype=np.int64)
    end = np.array([draw(values) for _ in range(n)], dtype=np.int64)
    return cost, start, end


@settings(max_examples=60, deadline=None)
@given(instances())
def test_held_karp_equals_brute_force(instance):
    cost, start, end = instance
    found, total = held_karp(cost, start, end)
    assert sorted(found) == list(range(cost.shape[0]))
    assert total == path_cost(found, cost, start, end)
    assert total == brute(cost, start, end)


@settings(max_examples=25, deadline=None)
@given(instances(max_n=6))
def test_milp_and_heuristic_against_brute_force(instance):
    cost, start, end = instance
    best = brute(cost, start, end)
    exact, bound = milp_order(cost, start, end, time_limit_s=30)
    assert exact is not None and path_cost(exact, cost, start, end) == best
    assert bound <= best
    _, total = local_search_order(cost, start, end)
    assert total >= best
    assert assignment_lower_bound(cost, start, end) <= best
    # order() beyond the exact limit must still be exact here (MILP finishes)
    result = order(cost, start, end, exact_limit=1)
    assert result.cost == best and result.proven_optimal


def test_larger_instance_beyond_held_karp():
    rng = np.random.default_rng(7)
    n = 22
    cost = rng.choice([0, 3, 5, 200], size=(n, n), p=[0.3, 0.3, 0.3, 0.1]).astype(np.int64)
    start = rng.choice([0, 3], size=n).astype(np.int64)
    end = rng.choice([0, 3], size=n).astype(np.int64)
    result = order(cost, start, end)
    assert sorted(result.order) == list(range(n))
    assert result.cost == path_cost(result.order, cost, start, end)
    assert result.lower_bound <= result.cost


@pytest.mark.parametrize("n", [1, 2])
def test_tiny(n):
    cost = np.zeros((n, n), dtype=np.int64)
    result = order(cost, np.arange(n), np.arange(n))
    assert sorted(result.order) == list(range(n))
