"""Writes what the web chat widget takes from the assistant: the message contract's names
(messages/contract.py) and its default greeting, domain.yml's `utter_greet` with its buttons.

The widget imports the file this writes (widget/src/assistant.json), so its build and tests need
no Python and no copy of either in widget/src. `make widget` and `make widget-test` rewrite it
when the contract or the domain changed; tests/messages/test_widget_export.py fails when the
file is not what this would write (`python -m messages.widget_export --check`).
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from messages.contract import as_json

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_FILE = ROOT / "domain.yml"
WIDGET_FILE = ROOT / "widget" / "src" / "assistant.json"
GREETING_RESPONSE = "utter_greet"
ABOUT = (
    "Written by `python -m messages.widget_export` (make widget) from messages/contract.py "
    "and domain.yml: edit those, not this file."
)


def greeting(domain_file: Path = DOMAIN_FILE) -> Dict[str, Any]:
    """The written (not the phone's) variation of the greeting: its text and buttons."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8"))
    variations = domain["responses"][GREETING_RESPONSE]
    written = next(variation for variation in variations if not variation.get("channel"))
    replies: List[Dict[str, str]] = [
        {"title": str(button["title"]), "payload": str(button["payload"])}
        for button in written.get("buttons") or []
    ]
    return {"text": str(written["text"]), "replies": replies}


def widget_json(domain_file: Path = DOMAIN_FILE) -> str:
    exported = {"about": ABOUT, **as_json(), "greeting": greeting(domain_file)}
    return json.dumps(exported, indent=2, ensure_ascii=False) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    parser.add_argument("--out", type=Path, default=WIDGET_FILE)
    args = parser.parse_args(argv)
    wanted = widget_json()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if current != wanted:
            print(f"{args.out} is out of date: run python -m messages.widget_export")
            return 1
        return 0
    args.out.write_text(wanted, encoding="utf-8")  # even unchanged: make sees it is current
    return 0


if __name__ == "__main__":
    sys.exit(main())
