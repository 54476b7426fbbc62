"""Every change the project makes to Rasa's own functions, applied by one explicit call.

    from addons import rasa_patches
    rasa_patches.apply()    # the Rasa server's entry point, addons/rasa_server.py, does this

The patches are the measured fixes of docs/nlu-and-performance.md. Each one names the Rasa
function it replaces; apply() refuses another Rasa version than the one they were measured
on, and refuses to replace a function that is not Rasa's original (moved, renamed, or
already replaced by someone else), because a patch that silently stopped taking effect
would only show up as a slower server. Subclasses that rely on Rasa's attributes (the
SQLite tracker store, the Redis lock store) check them with `require_attributes`.
"""

import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterable, Text, Tuple

import rasa

RASA_VERSION = "3.6.21"
RASA_DIR = Path(rasa.__file__).resolve().parent


class RasaPatchError(RuntimeError):
    """A patch does not fit the installed Rasa: review the patch, do not loosen the check."""


@dataclass(frozen=True)
class Patch:
    name: str  # how errors name it
    owner: Any  # the class or module holding Rasa's function
    attribute: str
    qualname: str  # Rasa's function, as `__qualname__` names it
    replace: Callable[[Callable], Callable]  # Rasa's function -> its replacement
    static: bool = False  # a staticmethod on `owner`


def _patches() -> Tuple[Patch, ...]:
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    from addons import (
        action_endpoint,
        action_request,
        action_validation,
        event_types,
        graph_runner,
        nlu_thread,
    )

    return (
        Patch(
            "compiled action-response validator",
            RemoteAction,
            "_validate_action_result",
            "RemoteAction._validate_action_result",
            lambda _rasa: action_validation.validate_action_result,
        ),
        Patch(
            "event classes by name",
            Event,
            "resolve_by_type",
            "Event.resolve_by_type",
            event_types.remembering,
            static=True,
        ),
        Patch(
            "pooled action endpoint",
            rasa.core.run,
            "serve_application",
            "serve_application",
            action_endpoint.serving_pooled,
        ),
        Patch(
            "graph run without dask",
            DaskGraphRunner,
            "run",
            "DaskGraphRunner.run",
            graph_runner.sequential,
        ),
        Patch(
            "NLU beside the event loop",
            MessageProcessor,
            "parse_message",
            "MessageProcessor.parse_message",
            nlu_thread.in_nlu_thread,
        ),
        Patch(
            "action request from the latest message",
            RemoteAction,
            "_action_call_format",
            "RemoteAction._action_call_format",
            action_request.since_latest_message,
        ),
    )


# patch name -> (Rasa's function, its replacement), once applied
_applied: Dict[Text, Tuple[Callable, Callable]] = {}


def check_version() -> None:
    if rasa.__version__ != RASA_VERSION:
        raise RasaPatchError(
            f"the project's Rasa patches (addons/) fit Rasa {RASA_VERSION}, "
            f"not {rasa.__version__}: check each one against the new Rasa first"
        )


def _current(patch: Patch) -> Callable:
    try:
        value = inspect.getattr_static(patch.owner, patch.attribute)
    except AttributeError:
        raise RasaPatchError(
            f"patch '{patch.name}': {_owner_name(patch)} has no '{patch.attribute}' any more"
        ) from None
    return value.__func__ if isinstance(value, staticmethod) else value


def _module_of(patch: Patch) -> Text:
    owner = patch.owner
    return owner.__name__ if isinstance(owner, ModuleType) else owner.__module__


def _owner_name(patch: Patch) -> Text:
    if isinstance(patch.owner, ModuleType):
        return patch.owner.__name__
    return f"{patch.owner.__module__}.{patch.owner.__name__}"


def _is_rasas(patch: Patch, function: Any) -> bool:
    module = _module_of(patch)
    code = getattr(function, "__code__", None)
    return (
        getattr(function, "__qualname__", None) == patch.qualname
        and getattr(function, "__module__", None) == module
        and not hasattr(function, "__wrapped__")  # a decorator's copy of the names
        and code is not None
        and code.co_name == patch.attribute
        and Path(code.co_filename).resolve().is_relative_to(RASA_DIR)
    )


def _check(patch: Patch) -> bool:
    """True when the patch is still in place; False when Rasa's original is there to replace."""
    current = _current(patch)
    if patch.name in _applied:
        if current is _applied[patch.name][1]:
            return True
        raise RasaPatchError(
            f"patch '{patch.name}': {_owner_name(patch)}.{patch.attribute} was replaced "
            f"after the patch was applied"
        )
    if not _is_rasas(patch, current):
        raise RasaPatchError(
            f"patch '{patch.name}': {_owner_name(patch)}.{patch.attribute} is not Rasa's "
            f"{patch.qualname} ({getattr(current, '__module__', '?')}."
            f"{getattr(current, '__qualname__', current)!r}): moved, or replaced elsewhere"
        )
    return False


def apply() -> None:
    """Installs every patch, or none: all are checked before the first is installed.
    Calling it again checks that they are all still in place."""
    check_version()
    patches = _patches()
    missing = [patch for patch in patches if not _check(patch)]
    for patch in missing:
        original = _current(patch)
        replacement = patch.replace(original)
        setattr(
            patch.owner,
            patch.attribute,
            staticmethod(replacement) if patch.static else replacement,
        )
        _applied[patch.name] = (original, replacement)
    if missing:
        from addons.action_validation import response_validators

        response_validators()  # built at start-up (50 ms), not in someone's first turn


def original(name: Text) -> Callable:
    """Rasa's function that the applied patch `name` replaced."""
    return _applied[name][0]


def require_attributes(owner: Any, names: Iterable[Text], user: Text) -> None:
    """Fails loudly when Rasa's `owner` (a class or an instance) lacks attributes that
    `user` (a subclass of it) reads or replaces, instead of silently adding new ones."""
    check_version()
    missing = [name for name in names if not hasattr(owner, name)]
    if missing:
        owner_class = owner if isinstance(owner, type) else type(owner)
        raise RasaPatchError(
            f"{user} relies on {', '.join(missing)} of Rasa's {owner_class.__name__}, "
            f"which Rasa {rasa.__version__} no longer has"
        )
