"""The project's own dialogue components for the Rasa server: the handoff policy
(handoff_policy.py), which config.yml names. Importing it changes nothing in Rasa; the
project's fixes to Rasa's internals are in addons/, applied by the server's entry point."""
