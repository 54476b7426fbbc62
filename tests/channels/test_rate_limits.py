"""Message rates per conversation and per address, on a fake clock."""

from channels.rate_limits import MessageRates, SlidingWindowLimiter
from channels.settings import ChannelSettings


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_conversation_over_its_rate_waits_until_the_window_moves_on():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=3, window_seconds=60, clock=clock)
    assert [limiter.allow("c") for _ in range(4)] == [True, True, True, False]
    assert 1 <= limiter.retry_after("c") <= 61
    clock.now += 30
    assert not limiter.allow("c")  # refused attempts don't extend the wait, but it isn't over
    clock.now += 31
    assert limiter.allow("c")


def test_one_conversation_over_its_rate_does_not_slow_another():
    limiter = SlidingWindowLimiter(limit=2, clock=FakeClock())
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")


def test_many_conversations_from_one_address_meet_the_address_limit():
    settings = ChannelSettings(
        env="development",
        messages_per_conversation_per_minute=5,
        messages_per_address_per_minute=8,
    )
    rates = MessageRates.from_settings(settings, clock=FakeClock())
    outcomes = [rates.refusal(f"conversation-{i}", "203.0.113.9") for i in range(10)]
    assert outcomes[:8] == [None] * 8
    assert all(wait and wait > 0 for wait in outcomes[8:])
    assert rates.refusal("conversation-x", "198.51.100.1") is None  # another address is fine


def test_a_message_refused_for_its_conversation_costs_the_address_nothing():
    settings = ChannelSettings(
        env="development",
        messages_per_conversation_per_minute=1,
        messages_per_address_per_minute=2,
    )
    rates = MessageRates.from_settings(settings, clock=FakeClock())
    assert rates.refusal("a", "203.0.113.9") is None
    assert rates.refusal("a", "203.0.113.9") is not None  # conversation limit
    assert rates.refusal("a", "203.0.113.9") is not None
    assert rates.refusal("b", "203.0.113.9") is None  # the address still has its second


def test_memory_stays_bounded_with_many_one_off_keys(monkeypatch):
    import channels.rate_limits as module

    monkeypatch.setattr(module, "MAX_TRACKED_KEYS", 100)
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=5, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        limiter.allow(f"key-{i}")
    assert len(limiter._hits) <= 100
