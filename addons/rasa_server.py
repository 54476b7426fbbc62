"""The Rasa server's entry point: the project's Rasa patches, then Rasa's own command line.

    python -m addons.rasa_server run --model models --endpoints endpoints.yml ...

Takes exactly `python -m rasa`'s arguments. rasa_patches.apply() runs first, so a Rasa whose
internals the patches no longer fit refuses to start instead of running without them.
"""

from addons import rasa_patches


def main() -> None:
    rasa_patches.apply()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
