"""The project's changes to Rasa 3.6.21 itself, made in one visible place.

Nothing here changes Rasa on import: the Rasa server's entry point (`python -m
addons.rasa_server run ...`) calls `rasa_patches.apply()`, which checks the Rasa version and
every function it replaces, then installs the measured fixes of docs/nlu-and-performance.md.
"""
