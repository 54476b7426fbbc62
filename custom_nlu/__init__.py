"""The project's own NLU pieces: the spaCy pipeline it builds, and custom Rasa components."""
