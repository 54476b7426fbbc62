"""The project's own dialogue components for the Rasa server.

Rasa imports this package when it loads the model (for the handoff policy), which also
installs two measured fixes to Rasa's hot paths: the action-response validator compiled once
(dialogue/action_validation.py) and event classes looked up by name (dialogue/event_types.py).
"""

from dialogue import action_validation, event_types

action_validation.install()
event_types.install()
