"""The graph runner without dask: the same outputs, the same errors, each node run once."""

from typing import Any, Dict, List

import pytest
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from addons import graph_runner, rasa_patches

CALLS: List[str] = []


class Add(GraphComponent):
    """Adds its config's number to the sum of its inputs; records that it ran."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context):
        return cls(config)

    def run(self, **inputs: Any) -> int:
        CALLS.append(self.config["name"])
        if self.config.get("fail"):
            raise RuntimeError("this node fails")
        return self.config["add"] + sum(inputs.values())


def node(name: str, add: int, needs: Dict[str, str], **config: Any) -> SchemaNode:
    return SchemaNode(
        needs=needs,
        uses=Add,
        constructor_name="create",
        fn="run",
        config={"name": name, "add": add, **config},
    )


def diamond(**fail: Any) -> GraphSchema:
    """message -> a -> (b, c) -> d; e hangs off a and is no one's parent."""
    return GraphSchema(
        {
            "a": node("a", 1, {"x": "__message__"}, **fail.get("a", {})),
            "b": node("b", 10, {"x": "a"}),
            "c": node("c", 100, {"x": "a"}),
            "d": node("d", 1000, {"left": "b", "right": "c"}),
            "e": node("e", 5, {"x": "a"}),
        }
    )


def runners(tmp_path, schema):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(schema, "test")
    return DaskGraphRunner(schema, storage, context)


def dask_run(runner, **kwargs):
    return rasa_patches.original("graph run without dask")(runner, **kwargs)


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()
    CALLS.clear()


@pytest.mark.parametrize("targets", [["d"], ["b", "e"], ["a"], ["d", "e", "c"]])
def test_the_same_outputs_as_dask_and_only_the_needed_nodes_run_once(tmp_path, targets):
    runner = runners(tmp_path, diamond())
    expected = dask_run(runner, inputs={"__message__": 1}, targets=targets)
    expected_calls = sorted(CALLS)
    CALLS.clear()
    ours = runner.run(inputs={"__message__": 1}, targets=targets)
    assert ours == expected
    assert sorted(CALLS) == expected_calls and len(CALLS) == len(set(CALLS))
    # a → b, c → d: every parent before its child
    for parent, child in (("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("a", "e")):
        if child in CALLS:
            assert CALLS.index(parent) < CALLS.index(child)


def test_d_gets_the_sum_through_both_paths(tmp_path):
    assert runners(tmp_path, diamond()).run(inputs={"__message__": 1}, targets=["d"]) == {
        "d": 1000 + (10 + 2) + (100 + 2)
    }


def test_the_order_is_worked_out_once_per_set_of_targets(tmp_path, monkeypatch):
    runner = runners(tmp_path, diamond())
    plans = []
    real_plan = graph_runner._plan
    monkeypatch.setattr(graph_runner, "_plan", lambda *args: plans.append(args) or real_plan(*args))
    for message in (1, 2, 3):
        runner.run(inputs={"__message__": message}, targets=["d"])
    runner.run(inputs={"__message__": 1}, targets=["e"])
    assert len(plans) == 2


def test_a_failing_node_fails_the_run_as_with_dask(tmp_path):
    runner = runners(tmp_path, diamond(a={"fail": True}))
    with pytest.raises(Exception) as with_dask:
        dask_run(runner, inputs={"__message__": 1}, targets=["d"])
    with pytest.raises(Exception) as ours:
        runner.run(inputs={"__message__": 1}, targets=["d"])
    assert type(ours.value) is type(with_dask.value)


def test_a_missing_input_is_the_same_error_as_with_dask(tmp_path):
    runner = runners(tmp_path, diamond())
    with pytest.raises(GraphRunError, match="Missing input"):
        dask_run(runner, inputs={}, targets=["a"])
    with pytest.raises(GraphRunError, match="Missing input"):
        runner.run(inputs={}, targets=["a"])


def test_an_input_value_naming_a_node_is_refused(tmp_path):
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runners(tmp_path, diamond()).run(inputs={"__message__": "a"}, targets=["d"])
