"""apply() installs the patches once, and refuses a Rasa they do not fit."""

import functools
import subprocess
import sys

import pytest
import rasa
import rasa.__main__
import rasa.core.run
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import LockStore
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event

from addons import rasa_patches, rasa_server
from addons.rasa_patches import RasaPatchError, require_attributes
from tests.conftest import ROOT

PATCHES = (
    "compiled action-response validator",
    "event classes by name",
    "pooled action endpoint",
    "graph run without dask",
    "NLU beside the event loop",
    "action request from the latest message",
)


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


def installed():
    return (
        RemoteAction._validate_action_result,
        Event.resolve_by_type,
        rasa.core.run.serve_application,
        DaskGraphRunner.run,
        MessageProcessor.parse_message,
        RemoteAction._action_call_format,
    )


def test_applying_again_changes_nothing():
    before = installed()
    rasa_patches.apply()
    assert installed() == before
    for name, function in zip(PATCHES, before, strict=True):
        assert function is not rasa_patches.original(name)
        assert rasa_patches.original(name).__module__.startswith("rasa.")


def test_another_rasa_version_is_refused(monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with pytest.raises(RasaPatchError, match=r"fit Rasa 3\.6\.21, not 3\.6\.22"):
        rasa_patches.apply()


def test_a_function_replaced_after_apply_is_refused(monkeypatch):
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(lambda name, default=None: None))
    with pytest.raises(RasaPatchError, match="'event classes by name'.*replaced"):
        rasa_patches.apply()


def test_a_moved_function_is_refused(monkeypatch):
    monkeypatch.delattr(RemoteAction, "_validate_action_result")
    with pytest.raises(RasaPatchError, match="'compiled action-response validator'.*no '_valid"):
        rasa_patches.apply()


def test_only_rasas_own_function_is_replaced_and_all_or_nothing(monkeypatch):
    """On a fresh start: someone else's wrapper of Rasa's function (names copied by
    functools.wraps) is refused, and no patch is installed."""
    rasas_validator = rasa_patches.original("compiled action-response validator")
    rasas_lookup = rasa_patches.original("event classes by name")
    monkeypatch.setattr(rasa_patches, "_applied", {})
    monkeypatch.setattr(RemoteAction, "_validate_action_result", rasas_validator)
    wrapped = functools.wraps(rasas_lookup)(lambda *args: rasas_lookup(*args))
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(wrapped))
    with pytest.raises(RasaPatchError, match="'event classes by name'.*not Rasa's"):
        rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasas_validator  # not installed either


def test_the_server_entry_point_applies_the_patches_before_rasas_command_line(monkeypatch):
    seen = []
    monkeypatch.setattr(rasa_patches, "apply", lambda: seen.append("apply"))
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append("rasa"))
    rasa_server.main()
    assert seen == ["apply", "rasa"]


def test_subclasses_relying_on_rasas_attributes_fail_loudly(monkeypatch):
    require_attributes(LockStore, ("issue_ticket", "cleanup"), "a store")
    monkeypatch.delattr(LockStore, "cleanup")
    with pytest.raises(RasaPatchError, match="a store relies on cleanup of Rasa's LockStore"):
        require_attributes(LockStore, ("issue_ticket", "cleanup"), "a store")


def test_importing_the_projects_rasa_components_patches_nothing():
    """What Rasa imports for config.yml and endpoints.yml leaves Rasa as it is: only apply()
    changes it (checked in a fresh interpreter: this one has applied the patches)."""
    code = (
        "import dialogue.handoff_policy, tracker_stores.sqlite, lock_stores.redis\n"
        "from addons import rasa_patches as p\n"
        "print([p._check(patch) for patch in p._patches()])"  # False: Rasa's own is in place
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == str([False] * len(PATCHES))
