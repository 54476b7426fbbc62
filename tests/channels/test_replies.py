"""The channels' own sentences come from lexicon/channel_replies.yml, filled in."""

import re
import string
from pathlib import Path

from channels.replies import _replies, channel_reply

CHANNELS = Path(__file__).resolve().parents[2] / "channels"


def test_the_slow_down_reply_says_how_long_to_wait():
    text = channel_reply("slow_down", seconds=17)
    assert "17 seconds" in text and "{" not in text


def test_every_reply_the_channels_use_exists():
    used = set()
    for module in CHANNELS.glob("*.py"):
        used |= set(re.findall(r'channel_reply\("(\w+)"', module.read_text()))
    assert used >= {"slow_down", "lost_session", "staff_typing", "queue_update"}
    for name in used:
        fields = {field for _, field, _, _ in string.Formatter().parse(_replies()[name]) if field}
        text = channel_reply(name, **{field: 1 for field in fields})
        assert text.strip() and "{" not in text, name
