"""The shared, short-lived fleet cache: one load per burst, never a cached failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.fleet_cache import SingleFlightCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class GatedLoader:
    """Counts loads; each waits for the test to open the gate, so overlap is certain."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = threading.Event()
        self.fail = False

    def __call__(self, key: str) -> str:
        self.calls += 1
        assert self.gate.wait(5), "the test never opened the gate"
        if self.fail:
            raise RuntimeError("upstream down")
        return f"{key}#{self.calls}"


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(max_workers=2)
    yield executor
    executor.shutdown(wait=True)


def make(
    pool: ThreadPoolExecutor, ttl: float = 10.0
) -> tuple[SingleFlightCache[str], GatedLoader, Clock]:
    loader, clock = GatedLoader(), Clock()
    return SingleFlightCache(loader, ttl=ttl, executor=pool, clock=clock), loader, clock


def test_concurrent_askers_share_one_load_and_nobody_blocks(pool: ThreadPoolExecutor) -> None:
    cache, loader, _ = make(pool)
    futures = [cache.get_future("DFW") for _ in range(50)]
    assert not any(f.done() for f in futures)  # asking returned before the load finished
    loader.gate.set()
    assert {f.result(5) for f in futures} == {"DFW#1"}
    assert loader.calls == 1


def test_a_finished_value_is_reused_within_the_ttl_only(pool: ThreadPoolExecutor) -> None:
    cache, loader, clock = make(pool, ttl=10)
    loader.gate.set()
    assert cache.get("DFW") == "DFW#1"
    clock.now += 9.9
    assert cache.get("DFW") == "DFW#1"
    clock.now += 0.2
    assert cache.get("DFW") == "DFW#2"


def test_fresh_skips_a_finished_value_but_joins_one_in_flight(pool: ThreadPoolExecutor) -> None:
    cache, loader, _ = make(pool)
    loader.gate.set()
    assert cache.get("DFW") == "DFW#1"
    assert cache.get("DFW", fresh=True) == "DFW#2"
    loader.gate.clear()
    first = cache.get_future("DFW", fresh=True)
    joined = cache.get_future("DFW", fresh=True)
    loader.gate.set()
    assert first.result(5) == joined.result(5) == "DFW#3"


def test_a_load_that_started_after_the_question_is_reused_past_the_ttl(
    pool: ThreadPoolExecutor,
) -> None:
    cache, loader, clock = make(pool, ttl=0)
    asked_at = clock.now
    loader.gate.set()
    assert cache.get("DFW") == "DFW#1"
    clock.now += 3  # a request that waited in a queue while the burst's load ran
    assert cache.get_future("DFW", asked_at=asked_at).result(5) == "DFW#1"
    assert cache.get_future("DFW", asked_at=clock.now).result(5) == "DFW#2"


def test_keys_are_separate(pool: ThreadPoolExecutor) -> None:
    cache, loader, _ = make(pool)
    loader.gate.set()
    assert (cache.get("DFW"), cache.get("ORD")) == ("DFW#1", "ORD#2")


def test_a_failure_reaches_every_waiter_and_is_not_cached(pool: ThreadPoolExecutor) -> None:
    cache, loader, _ = make(pool)
    loader.fail = True
    futures = [cache.get_future("DFW") for _ in range(3)]
    loader.gate.set()
    for future in futures:
        with pytest.raises(RuntimeError, match="upstream down"):
            future.result(5)
    loader.fail = False
    assert cache.get("DFW") == "DFW#2"


def test_a_shut_down_pool_fails_the_request_and_not_the_next(pool: ThreadPoolExecutor) -> None:
    cache, _, _ = make(pool)
    pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        cache.get("DFW")
    assert cache.loads == 1
    with pytest.raises(RuntimeError):
        cache.get("DFW")
    assert cache.loads == 2  # the failed entry was not left in flight
