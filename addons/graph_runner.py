"""Runs a trained model's graph node after node, without dask's scheduler.

Rasa 3.6 runs the graph for every message three times (NLU, then each next-action
prediction) through `dask.get`: each run rebuilds the sub-graph its targets need, lets dask
order it and executes it through dask's generic task machinery. For this assistant's graphs
(a chain of about a dozen components, one thread, nothing to overlap) that machinery was 7%
of a turn in the profile (docs/nlu-and-performance.md), more than some components. The
graph and its targets do not change while the server runs, so the order is worked out once
per set of targets and the nodes are called in it, each with its parents' outputs, exactly
as dask calls them: a node receives `(parent name, output)` pairs, an input given to `run`
arrives as `(input name, value)`, and a name nothing provides arrives as the bare name
(GraphNode logs it and raises its own error). Installed in place of DaskGraphRunner.run by
rasa_patches.py.
"""

from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

# one plan per runner and target set: the nodes to call in order, and each one's parents
Plan = Tuple[Tuple[Text, Tuple[Text, ...]], ...]


def _plan(runner: DaskGraphRunner, targets: Tuple[Text, ...]) -> Plan:
    schema = runner._graph_schema.minimal_graph_schema(list(targets))
    needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
    ordered: List[Text] = []
    state: Dict[Text, str] = {}  # "visiting" or "done"

    def visit(name: Text) -> None:
        if state.get(name) == "done" or name not in needs:
            return  # already placed, or an input rather than a node
        if state.get(name) == "visiting":
            raise GraphRunError(f"The graph has a cycle through node '{name}'.")
        state[name] = "visiting"
        for parent in needs[name]:
            visit(parent)
        state[name] = "done"
        ordered.append(name)

    for name in sorted(needs):  # sorted: the same order on every start
        visit(name)
    return tuple((name, needs[name]) for name in ordered)


def sequential(_rasa_run: Callable) -> Callable:
    """DaskGraphRunner.run, calling the nodes in a remembered order."""

    def run(
        self: DaskGraphRunner,
        inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None,
    ) -> Dict[Text, Any]:
        if inputs and not inputs.keys().isdisjoint(self._instantiated_nodes):
            # an input standing in for a node: rare, left to Rasa's own run
            return _rasa_run(self, inputs, targets)
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plans: Dict[Tuple[Text, ...], Plan] = self.__dict__.setdefault("_sequential_plans", {})
        plan = plans.get(run_targets)
        if plan is None:
            plan = plans[run_targets] = _plan(self, run_targets)

        outputs: Dict[Text, Any] = {}
        for input_name, input_value in (inputs or {}).items():
            # the same refusal as Rasa's _add_inputs_to_graph (its graph: the targets' nodes)
            if isinstance(input_value, str) and any(input_value == name for name, _ in plan):
                raise GraphRunError(
                    f"Input value '{input_value}' clashes with a node name. Make sure "
                    f"that none of the input names passed to the `run` method are the "
                    f"same as node names in the graph schema."
                )
            outputs[input_name] = (input_name, input_value)

        nodes = self._instantiated_nodes
        try:
            for name, parents in plan:
                outputs[name] = nodes[name](*(outputs.get(parent, parent) for parent in parents))
        except RuntimeError as error:  # as Rasa's run wraps what dask raised
            raise GraphRunError("Error running runner.") from error
        return dict(outputs.get(target, target) for target in run_targets)

    return run
