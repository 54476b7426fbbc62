"""Custom actions for the MS stem cell therapy assistant (run by the rasa-sdk action server).

Modules that import rasa_sdk hold one feature each (answering, clarifying, feedback); the
evidence store, its checker and the renderer are plain Python and know nothing of Rasa.
"""
