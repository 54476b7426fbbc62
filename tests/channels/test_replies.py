"""The channels' own sentences come from lexicon/channel_replies.yml, filled in."""

import re
from pathlib import Path

from channels.replies import channel_reply

CHANNELS = Path(__file__).resolve().parents[2] / "channels"


def test_the_slow_down_reply_says_how_long_to_wait():
    text = channel_reply("slow_down", seconds=17)
    assert "17 seconds" in text and "{" not in text


def test_every_reply_the_channels_use_exists():
    used = set()
    for module in CHANNELS.glob("*.py"):
        used |= set(re.findall(r'channel_reply\("(\w+)"', module.read_text()))
    assert used >= {"slow_down", "lost_session"}
    for name in used:
        assert channel_reply(name, seconds=1).strip()
