"""The project's own dialogue components for the Rasa server.

Rasa imports this package when it loads the model (for the handoff policy), which also
installs the compiled action-response validator (dialogue/action_validation.py).
"""

from dialogue import action_validation

action_validation.install()
