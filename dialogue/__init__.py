"""The project's own dialogue policies (Rasa graph components)."""
