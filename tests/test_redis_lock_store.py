"""The atomic Redis lock store: Rasa's ticket semantics, without lost tickets under races."""

import asyncio
import threading

import pytest
import redis
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from addons.rasa_patches import RasaPatchError
from lock_stores.redis import AtomicRedisLockStore

DB = 4


@pytest.fixture
def store():
    redis.Redis(host="127.0.0.1", port=6379, db=DB).flushdb()
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=DB))


def test_tickets_are_issued_in_order_and_served_one_at_a_time(store):
    first = store.issue_ticket("c1")
    second = store.issue_ticket("c1")
    assert second == first + 1
    lock = store.get_lock("c1")
    assert not lock.is_locked(first) and lock.is_locked(second)
    store.cleanup("c1", first)
    assert not store.get_lock("c1").is_locked(second)
    store.cleanup("c1", second)
    assert store.get_lock("c1") is None


def test_concurrent_issuers_never_lose_a_ticket(store):
    """Many threads (as replicas would) take tickets for one conversation at once."""
    tickets, errors = [], []

    def take():
        try:
            for _ in range(20):
                tickets.append(store.issue_ticket("busy"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(tickets) == list(range(len(tickets)))  # every number once: none overwritten
    assert len(store.get_lock("busy").tickets) == 160


def test_the_context_manager_serialises_a_conversation(store):
    order = []

    async def turn(name):
        async with store.lock("c2", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    async def scenario():
        await asyncio.gather(turn("a"), turn("b"), turn("c"))

    asyncio.run(scenario())
    assert all(order[i].split()[0] == order[i + 1].split()[0] for i in range(0, 6, 2))
    assert store.get_lock("c2") is None


def test_a_rasa_whose_lock_store_changed_is_refused(monkeypatch):
    """The store replaces the ticket operations LockStore.lock() calls: if Rasa renamed one,
    Rasa's racy version would run silently — so it refuses instead."""
    monkeypatch.delattr(LockStore, "finish_serving")
    with pytest.raises(RasaPatchError, match="AtomicRedisLockStore relies on finish_serving"):
        AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=DB))
