"""What a typed question becomes on the phone: the text a recogniser hands over, and that text
after the phone channel tidies it (`channels/voice_lexicon.py`), exactly as NLU receives it.

Shared by `make eval-real` (devtools/eval_real.py), which scores every real question both ways,
and the inbox's "Try a question" page, which shows a curator both (and the buttons as a caller
hears them).
"""

import re
from functools import lru_cache
from typing import Mapping

from channels.voice_lexicon import (
    VoiceLexicon,
    load_lexicon,
    normalise_speech,
    spoken_choice_name,
)

# Recognisers spell out what people say as letters; written acronyms become letter runs.
SPELLED_ACRONYMS = {
    "ahsct", "hsct", "ms", "edss", "msc", "mscs", "dmt", "dmts", "nhs", "fda", "mri", "atg",
    "rrms", "spms", "ppms", "bmt", "cns", "gp", "uk", "us", "usa", "icu", "iv", "ivig",
    "picc", "neda", "ebv", "jcv", "pml", "itp",
}  # fmt: skip


def recogniser_text(text: str) -> str:
    """How a phone recogniser would hand the question over: lower case, no punctuation,
    acronyms as letters ("h s c t")."""
    words = re.findall(r"\d+(?:\.\d+)?|[\w']+", text.replace("-", " ").replace("/", " "))
    spoken = []
    for word in words:
        bare = word.lower().strip("'")
        if bare.endswith("'s"):
            bare = bare[:-2]
        if bare in SPELLED_ACRONYMS:
            spoken.append(" ".join(bare))
        else:
            spoken.append(word.lower())
    return " ".join(spoken)


@lru_cache(maxsize=1)
def _lexicon() -> VoiceLexicon:
    return load_lexicon()


def voice_channel_text(text: str) -> str:
    """The recogniser's text after the phone channel tidies it, exactly as NLU receives it."""
    return normalise_speech(recogniser_text(text), _lexicon())


def spoken_button(button: Mapping[str, str]) -> str:
    """What a caller hears for a button (`{"title", "payload"}`) the phone channel reads out."""
    return spoken_choice_name(str(button.get("payload") or ""), str(button["title"]), _lexicon())
