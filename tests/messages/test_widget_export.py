"""The file the widget's build reads: the contract's names and the domain's greeting, current."""

import json

import yaml

from messages.contract import EXTERNAL_INTENT_PREFIX, EXTERNAL_TEXT_PREFIX, PAYLOAD_TYPES
from messages.widget_export import DOMAIN_FILE, WIDGET_FILE, main, widget_json


def test_the_file_the_widget_reads_is_what_the_contract_and_domain_say():
    assert (
        WIDGET_FILE.read_text(encoding="utf-8") == widget_json()
    ), "widget/src/assistant.json is out of date: run python -m messages.widget_export"
    exported = json.loads(WIDGET_FILE.read_text(encoding="utf-8"))
    assert exported["payload_types"] == PAYLOAD_TYPES
    assert exported["source_roles"] == {"SUPPORTS": "supports", "CHECKED_CLAIM": "checked_claim"}
    assert exported["external_text_prefix"] == EXTERNAL_TEXT_PREFIX + EXTERNAL_INTENT_PREFIX


def test_the_greeting_is_the_written_utter_greet_with_its_buttons():
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    written, voice = domain["responses"]["utter_greet"]
    assert voice["channel"] == "voice"
    greeting = json.loads(widget_json())["greeting"]
    assert greeting["text"] == written["text"]
    assert greeting["text"] != voice["text"]
    assert greeting["replies"] == [
        {"title": b["title"], "payload": b["payload"]} for b in written["buttons"]
    ]


def test_check_says_when_the_file_is_stale_and_writing_mends_it(tmp_path, capsys):
    out = tmp_path / "assistant.json"
    out.write_text("{}\n", encoding="utf-8")
    assert main(["--check", "--out", str(out)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == widget_json()
    assert main(["--check", "--out", str(out)]) == 0
