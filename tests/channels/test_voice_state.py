"""Per-call state: serialisable, expires, and shared through Redis when workers are many."""

import asyncio

from channels.voice_lexicon import Choice
from channels.voice_state import (
    CallState,
    InMemoryCallStateStore,
    PendingAnswer,
    RedisCallStateStore,
)

STATE = CallState(
    silences=1,
    choices=[Choice("side effects", "Side effects", "/ask_side_effects")],
    pending=PendingAnswer(["Rest."], ["You can say: x."], [Choice("x", "X", "/x")], ["Defer."]),
    last_said=["Said."],
    urgent=True,
)


def run(coroutine):
    return asyncio.run(coroutine)


def test_state_survives_a_round_trip_through_json():
    assert CallState.from_json(STATE.to_json()) == STATE
    assert CallState.from_json(CallState().to_json()) == CallState()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_memory_store_forgets_a_call_after_its_time_to_live():
    clock = Clock()
    store = InMemoryCallStateStore(ttl_seconds=60, clock=clock)
    run(store.save("voice-a", STATE))
    clock.now += 59
    assert run(store.load("voice-a")) == STATE
    run(store.save("voice-a", STATE))  # saving restarts the time-to-live
    clock.now += 59
    assert run(store.load("voice-a")) == STATE
    clock.now += 2
    assert run(store.load("voice-a")) is None and len(store) == 0


def test_memory_store_is_bounded_and_deletes():
    store = InMemoryCallStateStore(max_calls=2)
    for call in ("voice-1", "voice-2", "voice-3"):
        run(store.save(call, CallState()))
    assert run(store.load("voice-1")) is None and len(store) == 2
    run(store.delete("voice-2"))
    assert run(store.load("voice-2")) is None


def test_memory_store_keeps_a_copy_not_the_caller_s_object():
    store = InMemoryCallStateStore()
    state = CallState()
    run(store.save("voice-a", state))
    state.silences = 7
    assert run(store.load("voice-a")).silences == 0


class FakeRedis:
    """The three redis.asyncio calls the store makes, recorded."""

    def __init__(self):
        self.data, self.expiries = {}, {}

    async def get(self, key):
        return self.data.get(key)

    async def set(self, key, value, ex=None):
        self.data[key] = value.encode()
        self.expiries[key] = ex

    async def delete(self, key):
        self.data.pop(key, None)


def test_redis_store_sets_a_time_to_live_under_a_prefix():
    redis = FakeRedis()
    store = RedisCallStateStore(redis, ttl_seconds=900)
    run(store.save("voice-a", STATE))
    assert redis.expiries == {"voice:call:voice-a": 900}
    assert run(store.load("voice-a")) == STATE
    run(store.delete("voice-a"))
    assert run(store.load("voice-a")) is None
