"""The phone connector's language: how it hears callers, how it reads text aloud, what it says.

Pure functions over data (`lexicon/voice.yml`, plus the topics' spoken titles from the evidence
store): no Rasa, no Twilio, no I/O after loading, so every rule is tested without a server.

- `normalise_speech`: a recogniser transcript as NLU expects it ("what are the side effects of
  h s c t" -> "what are the side effects of hsct", "thirty nine" -> "39");
- `speakable`: any bot text made fit to be spoken (no markdown, links, URLs, emoji or bracketed
  citations; abbreviations spelled the way the voice should say them);
- `split_for_speech`: long text cut at sentence ends into parts of about `max_chars`;
- `match_choice`, `is_more`, `is_repeat`, `helpful_rating`: what the caller's words select.
"""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import yaml

LEXICON_PATH = Path(__file__).resolve().parent.parent / "lexicon" / "voice.yml"

REQUIRED_PHRASES = (
    "you_can_say",
    "listed_choices",
    "choice_or",
    "say_more",
    "didnt_catch",
    "reprompt",
    "no_reply",
    "goodbye",
    "goodbye_after_urgent",
    "after_urgent",
    "transfer",
    "transfer_unavailable",
    "after_transfer",
    "technical_problem",
    "was_that_helpful",
)


@dataclass(frozen=True)
class Choice:
    """A button offered aloud: what the caller hears, the written title, what it sends."""

    name: str
    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        return {"name": self.name, "title": self.title, "payload": self.payload}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> "Choice":
        return cls(name=data["name"], title=data["title"], payload=data["payload"])


@dataclass(frozen=True)
class VoiceLexicon:
    phrases: Mapping[str, str]
    hints: Tuple[str, ...]
    replacements: Mapping[str, str]  # recogniser spelling (normalised) -> canonical word
    replacement_pattern: Optional["re.Pattern[str]"]
    units: Mapping[str, int]
    tens: Mapping[str, int]
    hundred: str
    point: str
    keep_alone: FrozenSet[str]
    join_digit_runs: bool
    run_zeros: FrozenSet[str]  # "oh" inside a run of digits
    run_repeats: Mapping[str, int]  # "double" 7 -> 77
    pronounce: Tuple[Tuple["re.Pattern[str]", str], ...]
    choice_names: Mapping[str, str]  # payload -> spoken name
    ignore_words: FrozenSet[str]
    ordinals: Mapping[str, int]  # normalised phrase -> position (1-based)
    more_words: FrozenSet[str]
    repeat_words: FrozenSet[str]
    helpful_words: Mapping[str, FrozenSet[str]]  # "up" / "down" -> answers to "was that helpful?"
    match_ratio: float
    end_call_after: FrozenSet[str]  # responses after which the call ends

    def phrase(self, key: str, **values: str) -> str:
        """A connector sentence from the lexicon, with its placeholders filled."""
        return self.phrases[key].format(**values) if values else self.phrases[key]


# --- loading --------------------------------------------------------------------------------
def _words_pattern(words: Sequence[str], flags: int = 0) -> "re.Pattern[str]":
    """Whole-word alternation, longest first, so "a h s c t" wins over "h s c t"."""
    ordered = sorted(set(words), key=len, reverse=True)
    alternation = "|".join(re.escape(word) for word in ordered)
    return re.compile(rf"(?<![\w'])(?:{alternation})(?![\w'])", flags)


def build_lexicon(data: Mapping, topic_names: Optional[Mapping[str, str]] = None) -> VoiceLexicon:
    """The lexicon from the parsed YAML; `topic_names` maps payloads to topics' spoken titles."""
    phrases = dict(data.get("phrases") or {})
    missing = [key for key in REQUIRED_PHRASES if not phrases.get(key)]
    if missing:
        raise ValueError(f"lexicon/voice.yml has no phrases for: {', '.join(missing)}")

    normalise = data.get("normalise") or {}
    replacements: Dict[str, str] = {}
    for canonical, variants in (normalise.get("replace") or {}).items():
        for variant in variants or ():
            replacements[_clean_transcript(str(variant))] = str(canonical)
    replacements = {variant: word for variant, word in replacements.items() if variant}
    numbers = normalise.get("numbers") or {}
    run_words = normalise.get("digit_run_words") or {}

    pronounce = tuple(
        (re.compile(rf"(?<![\w.]){re.escape(str(written))}(?![\w])"), str(said))
        for written, said in sorted(
            (data.get("pronounce") or {}).items(), key=lambda pair: -len(str(pair[0]))
        )
    )

    choices = data.get("choices") or {}
    names = {**(topic_names or {}), **(choices.get("names") or {})}
    ordinals = {
        _clean_transcript(str(phrase)): int(position)
        for position, phrases_ in (choices.get("ordinals") or {}).items()
        for phrase in phrases_ or ()
    }
    hints = tuple(
        dict.fromkeys(str(h).replace(",", " ").strip()[:100] for h in data.get("hints") or ())
    )
    return VoiceLexicon(
        phrases=phrases,
        hints=tuple(h for h in hints if h),
        replacements=replacements,
        replacement_pattern=_words_pattern(list(replacements)) if replacements else None,
        units={str(k): int(v) for k, v in (numbers.get("units") or {}).items()},
        tens={str(k): int(v) for k, v in (numbers.get("tens") or {}).items()},
        hundred=str(numbers.get("hundred") or "hundred"),
        point=str(numbers.get("point") or "point"),
        keep_alone=frozenset(str(w) for w in numbers.get("keep_alone") or ()),
        join_digit_runs=bool(normalise.get("join_digit_runs", False)),
        run_zeros=frozenset(str(w) for w in run_words.get("zeros") or ()),
        run_repeats={str(k): int(v) for k, v in (run_words.get("repeats") or {}).items()},
        pronounce=pronounce,
        choice_names=names,
        ignore_words=frozenset(
            _clean_transcript(str(w)) for w in choices.get("ignore_words") or ()
        ),
        ordinals=ordinals,
        more_words=frozenset(_clean_transcript(str(w)) for w in choices.get("more") or ()),
        repeat_words=frozenset(_clean_transcript(str(w)) for w in choices.get("repeat") or ()),
        helpful_words={
            str(rating): frozenset(_clean_transcript(str(w)) for w in words or ())
            for rating, words in (data.get("helpful_answers") or {}).items()
        },
        match_ratio=float(choices.get("match_ratio", 0.8)),
        end_call_after=frozenset(str(r) for r in data.get("end_call_after") or ()),
    )


def topic_choice_names() -> Dict[str, str]:
    """Payload -> spoken title of every FAQ topic (evidence/topics.yml)."""
    from actions.evidence_store import get_store  # plain Python, no rasa_sdk

    return {f"/{t.intent}": t.spoken_title for t in get_store().topics.values()}


def load_lexicon(path: Path = LEXICON_PATH, with_topics: bool = True) -> VoiceLexicon:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return build_lexicon(data, topic_choice_names() if with_topics else None)


# --- hearing: recogniser transcript -> NLU text ----------------------------------------------
_NUMBER_TOKEN = re.compile(r"\d+\.\d+|[^\W_]+(?:'[^\W_]+)*")


def _clean_transcript(text: str) -> str:
    """Lower case words and numbers only: dots between letters, hyphens and slashes are spaces."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = text.replace("%", " percent ")
    return " ".join(_NUMBER_TOKEN.findall(text))


def _number_at(tokens: List[str], start: int, lexicon: VoiceLexicon) -> Tuple[Optional[str], int]:
    """The number spelled out from tokens[start], as digits, and how many tokens it used."""
    i, value = start, None
    word = tokens[i]
    if word in lexicon.tens:
        value, i = lexicon.tens[word], i + 1
        if i < len(tokens) and 0 < lexicon.units.get(tokens[i], 0) < 10:
            value, i = value + lexicon.units[tokens[i]], i + 1
    elif word in lexicon.units:
        value, i = lexicon.units[word], i + 1
        if i < len(tokens) and tokens[i] == lexicon.hundred:
            value, i = value * 100, i + 1
            if i < len(tokens) and tokens[i] == "and" and i + 1 < len(tokens):
                rest, used = (
                    _number_at(tokens, i + 1, lexicon)
                    if _is_number_word(tokens[i + 1], lexicon)
                    else (None, 0)
                )
                if rest is not None and "." not in rest and int(rest) < 100:
                    value, i = value + int(rest), i + 1 + used
            elif i < len(tokens) and _is_number_word(tokens[i], lexicon):
                rest, used = _number_at(tokens, i, lexicon)
                if rest is not None and "." not in rest and int(rest) < 100:
                    value, i = value + int(rest), i + used
    elif word.isdigit():
        value, i = int(word), i + 1
    if value is None:
        return None, 0
    digits = str(value)
    # "six point five" -> 6.5
    if i + 1 < len(tokens) and tokens[i] == lexicon.point:
        decimals = []
        j = i + 1
        while j < len(tokens):
            if tokens[j].isdigit():
                decimals.append(tokens[j])
            elif tokens[j] in lexicon.units and lexicon.units[tokens[j]] < 10:
                decimals.append(str(lexicon.units[tokens[j]]))
            else:
                break
            j += 1
        if decimals:
            digits, i = f"{digits}.{''.join(decimals)}", j
    return digits, i - start


def _is_number_word(token: str, lexicon: VoiceLexicon) -> bool:
    return token in lexicon.units or token in lexicon.tens


def _words_to_digits(tokens: List[str], lexicon: VoiceLexicon) -> List[str]:
    out: List[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _is_number_word(token, lexicon) and not (
            token.isdigit() and i + 1 < len(tokens) and tokens[i + 1] == lexicon.point
        ):
            out.append(token)
            i += 1
            continue
        digits, used = _number_at(tokens, i, lexicon)
        in_a_run = (out and (_is_digit(out[-1]) or out[-1] in lexicon.run_zeros)) or (
            i + 1 < len(tokens)
            and (_is_number_word(tokens[i + 1], lexicon) or _is_digit(tokens[i + 1]))
        )
        if digits is None or (used == 1 and token in lexicon.keep_alone and not in_a_run):
            out.append(token)
            i += 1
            continue
        # "twenty twenty four" -> 2024: a year said as two pairs
        if digits in ("19", "20") and i + used < len(tokens):
            following, more = _number_at(tokens, i + used, lexicon)
            if following is not None and following.isdigit() and 10 <= int(following) <= 99:
                digits, used = digits + following, used + more
        out.append(digits)
        i += used
    return out


def _is_digit(token: str) -> bool:
    return len(token) == 1 and token.isdigit()


def _spell_digit_runs(tokens: List[str], lexicon: VoiceLexicon) -> List[str]:
    """Inside digits said one by one: "oh" is 0, "double 7" is "7 7"."""
    out: List[str] = []
    for i, token in enumerate(tokens):
        before = out[-1] if out else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in lexicon.run_zeros and (_is_digit(before) or _is_digit(after)):
            out.append("0")
        elif token in lexicon.run_repeats and (
            _is_digit(after) or (after in lexicon.run_zeros and _is_digit(before))
        ):
            out.extend(
                ["0" if after in lexicon.run_zeros else after] * (lexicon.run_repeats[token] - 1)
            )
        else:
            out.append(token)
    return out


def _join_digit_runs(tokens: List[str]) -> List[str]:
    """'9 1 1' -> '911': digits said one by one arrive spaced out."""
    out: List[str] = []
    run: List[str] = []
    for token in tokens + [""]:
        if _is_digit(token):
            run.append(token)
            continue
        if run:
            out.append("".join(run) if len(run) > 1 else run[0])
            run = []
        if token:
            out.append(token)
    return out


def normalise_speech(text: Optional[str], lexicon: VoiceLexicon) -> str:
    """A recogniser transcript as the NLU pipeline expects it (lower case, no punctuation)."""
    tokens = _clean_transcript(text or "").split()
    tokens = _words_to_digits(tokens, lexicon)
    if lexicon.join_digit_runs:
        tokens = _join_digit_runs(_spell_digit_runs(tokens, lexicon))
    normalised = " ".join(tokens)
    if lexicon.replacement_pattern is not None:
        normalised = lexicon.replacement_pattern.sub(
            lambda match: lexicon.replacements[match.group(0)], normalised
        )
    return normalised


# --- speaking: bot text -> what the voice reads -----------------------------------------------
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s)\]>]*[^\s)\]>.,;:!?]", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_DOMAIN = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:com|org|net|gov|edu|int|info|io|nhs|uk|us|eu|ca|au|ie|nz|de|fr)"
    r"\b(?:/[^\s)\]>]*[^\s)\]>.,;:!?])?",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\[[^\]]*\]")
_EMPTY_PARENS = re.compile(r"\(\s*[,;:.]*\s*\)")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.DOTALL)
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.DOTALL)
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])", re.DOTALL)
_CODE = re.compile(r"`+([^`]*)`+")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_LINE_MARKUP = re.compile(r"^\s*(?:#{1,6}\s*|>\s?|[-*+\u2022]\s+|\d+[.)]\s+)", re.MULTILINE)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, symbols, flags
    "\U00002600-\U000027bf"  # miscellaneous symbols, dingbats
    "\U00002b00-\U00002bff"  # arrows and stars
    "\U0001f1e6-\U0001f1ff"  # regional indicators
    "\ufe0f\u200d\u20e3"  # variation selector, zero-width joiner, keycap
    "]+"
)
_LEFTOVER_MARKUP = re.compile(r"[*_#`|~^<>{}\[\]\\]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
_REPEATED_PUNCTUATION = re.compile(r"([.,;:!?])(?:\s*[.,;:])+")
_TERMINAL = re.compile(r"[.!?:;,]$")


def speakable(text: Optional[str], lexicon: VoiceLexicon) -> str:
    """Text fit for the voice: no markdown, links, URLs, emoji or bracketed citations."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _URL.sub("", text)
    text = _EMAIL.sub("", text)
    text = _DOMAIN.sub("", text)
    text = _BRACKETED.sub("", text)
    text = _EMPTY_PARENS.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _RULE.sub("", text)
    text = _LINE_MARKUP.sub("", text)
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC_STAR.sub(r"\1", text)
    text = _ITALIC_UNDERSCORE.sub(r"\1", text)
    text = _EMOJI.sub("", text)
    text = _LEFTOVER_MARKUP.sub(" ", text)
    # lines and list items become sentences
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = " ".join(
        line if _TERMINAL.search(line) or i == len(lines) - 1 else line + "."
        for i, line in enumerate(lines)
    )
    for pattern, said in lexicon.pronounce:
        text = pattern.sub(said, text)
    text = re.sub(r"\s+", " ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    text = _REPEATED_PUNCTUATION.sub(r"\1", text)
    return text.strip(" ,;").strip()


# Full stops that do not end a sentence.
_ABBREVIATIONS = re.compile(r"\b(?:al|Dr|Mr|Mrs|Prof|St|vs|approx|Fig|U\.S|U\.K|e\.g|i\.e)\.$")


def sentences(text: str) -> List[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z0-9])", text.strip())
    merged: List[str] = []
    for part in parts:
        if merged and _ABBREVIATIONS.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {part}"
        elif part:
            merged.append(part)
    return merged


def _cut_long_sentence(sentence: str, max_chars: int) -> List[str]:
    pieces: List[str] = []
    while len(sentence) > max_chars:
        cut = max(sentence.rfind("; ", 0, max_chars), sentence.rfind(", ", 0, max_chars))
        if cut <= max_chars // 3:
            cut = sentence.rfind(" ", 0, max_chars)
        if cut <= 0:
            break
        pieces.append(sentence[: cut + 1].strip())
        sentence = sentence[cut + 1 :].strip()
    return pieces + [sentence]


def split_for_speech(text: str, max_chars: int) -> List[str]:
    """Parts of about `max_chars`, cut at sentence ends; a short tail joins the part before."""
    parts: List[str] = []
    for sentence in sentences(text):
        for piece in _cut_long_sentence(sentence, max_chars):
            if parts and len(parts[-1]) + 1 + len(piece) <= max_chars:
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
    # "say more" for one short sentence is worse than a slightly longer part
    if (
        len(parts) > 1
        and len(parts[-1]) < max_chars // 4
        and len(parts[-2]) + 1 + len(parts[-1]) <= max_chars * 1.2
    ):
        tail = parts.pop()
        parts[-1] = f"{parts[-1]} {tail}"
    return parts


def spoken_choice_name(choice_payload: str, title: str, lexicon: VoiceLexicon) -> str:
    name = lexicon.choice_names.get(choice_payload) or title
    return speakable(name, lexicon).rstrip(".?!") or title


def join_choices(names: Sequence[str], lexicon: VoiceLexicon) -> str:
    """'a', 'a or b', 'a, b, or c'."""
    names = [n for n in names if n]
    conjunction = lexicon.phrase("choice_or")
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        return f"{names[0]} {conjunction} {names[1]}"
    return ", ".join(names[:-1]) + f", {conjunction} " + names[-1]


# --- understanding the caller's choice -------------------------------------------------------
def _content_words(text: str, lexicon: VoiceLexicon) -> List[str]:
    return [w for w in text.split() if w not in lexicon.ignore_words]


def _similar(a: str, b: str, ratio: float) -> bool:
    return a == b or (min(len(a), len(b)) > 3 and SequenceMatcher(None, a, b).ratio() >= ratio)


def _phrase_in(heard: str, phrases: FrozenSet[str], lexicon: VoiceLexicon) -> bool:
    if heard in phrases:
        return True
    content = " ".join(_content_words(heard, lexicon))
    return bool(content) and content in {" ".join(_content_words(p, lexicon)) for p in phrases}


def is_more(heard: str, lexicon: VoiceLexicon) -> bool:
    """The caller asks for the rest of a long answer ("more", "go on", "yes please")."""
    return _phrase_in(heard, lexicon.more_words, lexicon)


def is_repeat(heard: str, lexicon: VoiceLexicon) -> bool:
    """The caller asks to hear the last turn again ("say that again", "pardon")."""
    return _phrase_in(heard, lexicon.repeat_words, lexicon)


def helpful_rating(heard: str, lexicon: VoiceLexicon) -> Optional[str]:
    """ "up" or "down" for a plain yes or no to "was that helpful?"; None for anything else,
    which is a new message (the question is optional)."""
    for rating, words in lexicon.helpful_words.items():
        if _phrase_in(heard, words, lexicon):
            return rating
    return None


def match_choice(heard: str, choices: Sequence[Choice], lexicon: VoiceLexicon) -> Optional[Choice]:
    """The offered choice the caller named, or None (then their words go to NLU as they are).

    `heard` is normalised speech. A choice matches when every content word the caller said is
    (nearly) a word of the choice's spoken name or title; "side affects" names "side effects",
    "is it safe" names "how safe it is". Extra words ("side effects of ocrevus") mean a new
    question, which NLU answers better. Ties between choices are not guessed.
    """
    if not heard or not choices:
        return None
    position = lexicon.ordinals.get(heard) or lexicon.ordinals.get(
        " ".join(_content_words(heard, lexicon))
    )
    if position is not None:
        return choices[position - 1] if 0 < position <= len(choices) else None
    said = _content_words(heard, lexicon)
    if not said:
        return None
    scored: List[Tuple[float, Choice]] = []
    for choice in choices:
        best = 0.0
        for label in (choice.name, choice.title):
            words = _content_words(normalise_speech(label, lexicon), lexicon)
            if not words:
                continue
            if all(any(_similar(s, w, lexicon.match_ratio) for w in words) for s in said):
                covered = sum(any(_similar(s, w, lexicon.match_ratio) for s in said) for w in words)
                best = max(best, covered / len(words))
        if best > 0:
            scored.append((best, choice))
    if not scored:
        return None
    scored.sort(key=lambda pair: -pair[0])
    if len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][1] != scored[0][1]:
        return None
    return scored[0][1]
