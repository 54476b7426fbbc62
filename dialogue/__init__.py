"""The project's own dialogue components for the Rasa server.

Rasa imports this package when it loads the model (for the handoff policy), which also
installs three measured fixes to Rasa's hot paths (docs/nlu-and-performance.md): the
action-response validator compiled once (action_validation.py), event classes looked up by
name (event_types.py) and one HTTP connection pool per endpoint (http_sessions.py).
"""

from dialogue import action_validation, event_types, http_sessions

action_validation.install()
event_types.install()
http_sessions.install()
