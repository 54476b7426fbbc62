"""The stage benchmark's pure parts: splitting a turn, the table, the clock (no timing)."""

import asyncio
import itertools

import pytest

from benchmarks import stages
from benchmarks.stages import (
    ACTION,
    ENCODER,
    NLU,
    POLICIES,
    RASA_TURN,
    REST_OF_NLU,
    STAGES,
    TRACKER_STORE,
    StageClock,
    conversations,
    percentile,
    split_turn,
    stage_table,
)


def turn(**ms: float) -> dict:
    """A split turn with every stage at 0 ms unless given (keyword: a stage's constant name)."""
    names = {
        "encoder": ENCODER,
        "rest_of_nlu": REST_OF_NLU,
        "policies": POLICIES,
        "action": ACTION,
        "tracker_store": TRACKER_STORE,
        "rasa_turn": RASA_TURN,
    }
    return {stage: 0.0 for stage in STAGES} | {names[k]: v for k, v in ms.items()}


def test_split_turn_takes_the_encoder_out_of_nlu_and_leaves_the_rest_to_rasa() -> None:
    clocked = {ENCODER: 4.0, NLU: 7.0, POLICIES: 2.0, ACTION: 5.0, TRACKER_STORE: 3.0}
    parts = split_turn(clocked, total_ms=20.0)
    assert parts[ENCODER] == 4.0
    assert parts[REST_OF_NLU] == 3.0
    assert parts[RASA_TURN] == 20.0 - 7.0 - 2.0 - 5.0 - 3.0
    assert sum(parts.values()) == pytest.approx(20.0)
    assert list(parts) == list(STAGES)


def test_split_turn_counts_a_stage_that_never_ran_as_zero() -> None:
    parts = split_turn({NLU: 6.0}, total_ms=10.0)
    assert parts[ENCODER] == 0.0
    assert parts[ACTION] == 0.0
    assert parts[REST_OF_NLU] == 6.0
    assert parts[RASA_TURN] == 4.0


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0.5) == pytest.approx(5.5)
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile([3.0], 0.9) == 3.0


def test_stage_table_gives_medians_p90_and_shares_of_the_mean() -> None:
    turns = [
        turn(encoder=6.0, action=2.0, rasa_turn=2.0),
        turn(encoder=2.0, action=6.0, rasa_turn=2.0),
        turn(encoder=4.0, action=4.0, rasa_turn=2.0),
    ]
    cells = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in stage_table(turns).splitlines()[2:]
    ]
    rows = {row[0]: row[2:] for row in cells}
    assert rows[ENCODER] == ["4.0", "5.6", "40%"]
    assert rows[ACTION] == ["4.0", "5.6", "40%"]
    assert rows[RASA_TURN] == ["2.0", "2.0", "20%"]
    assert rows[POLICIES][2] == "0%"
    assert rows["**one message**"] == ["**10.0**", "**10.0**", "100%"]
    assert len(rows) == len(STAGES) + 1


def test_conversations_are_distinct_questions_ten_at_a_time() -> None:
    questions = [f"q{i}" for i in range(25)] + ["q0", "q1"]
    chunks = conversations(questions, messages=23)
    assert [len(chunk) for chunk in chunks] == [10, 10, 3]
    flat = [q for chunk in chunks for q in chunk]
    assert len(set(flat)) == len(flat) == 23


class Worker:
    def compute(self, x: int) -> int:
        return x * 2

    async def fetch(self, x: int) -> int:
        return x + 1


def test_stage_clock_adds_up_sync_and_async_calls_and_unwraps(monkeypatch) -> None:
    ticks = itertools.count(step=0.005)  # every reading of the clock is 5 ms after the last
    monkeypatch.setattr(stages.time, "perf_counter", lambda: next(ticks))
    worker = Worker()
    fetch = Worker.fetch
    clock = StageClock()
    clock.wrap(worker, "compute", "a")  # an instance's method
    clock.wrap(Worker, "fetch", "b")  # a class's coroutine

    assert worker.compute(3) == 6
    assert worker.compute(4) == 8
    assert asyncio.run(worker.fetch(1)) == 2
    assert clock.read() == {"a": pytest.approx(10.0), "b": pytest.approx(5.0)}
    assert clock.read() == {}
    assert dict(clock.calls) == {"a": 2, "b": 1}

    clock.unwrap()
    assert "compute" not in vars(worker)
    assert Worker.fetch is fetch
    assert asyncio.run(worker.fetch(1)) == 2
    worker.compute(5)
    assert clock.read() == {}
