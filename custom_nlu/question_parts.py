"""Finds the questions in a message: people write a paragraph of context around one question,
or ask three things at once ("how much does it cost? and is it safe? where can I go?").

Plain Python, no Rasa: the item ranker (an NLU component), the evaluation and the tests use it.

    question_parts("Diagnosed in 2015, on Tysabri. My neuro says no. Is HSCT safe?")
    -> ["Is HSCT safe?"]

Rules, in order:
- the text is cut into sentences (., ?, ! or a line break), and a sentence is cut again where
  "and" / "also" / "plus" is followed by a question word ("how much is it and how long does
  it take"), which is how recogniser text without punctuation joins two questions;
- a sentence is a question when it ends with "?" or starts with a question word or a request
  ("can you tell me", "I'd like to know", "wondering if");
- a question of fewer than MIN_PART_WORDS words ("Why?", "Any thoughts?") is not a part of
  its own: it belongs to the question before it;
- with no question found, the whole message is one part (a statement like "tell me about the
  side effects", or an unpunctuated transcript);
- at most MAX_PARTS parts are kept; `more_than_max` tells the caller some were left out.
"""

import re
from dataclasses import dataclass
from typing import List

MAX_PARTS = 3
MIN_PART_WORDS = 3

QUESTION_STARTS = (
    "what", "whats", "what's", "how", "hows", "how's", "why", "when", "where", "who", "whom",
    "which", "is", "isn't", "isnt", "are", "aren't", "arent", "was", "were", "can", "cant",
    "can't", "could", "couldn't", "do", "does", "doesn't", "doesnt", "did", "didn't", "will",
    "wont", "won't", "would", "wouldn't", "should", "shouldn't", "shall", "has", "have",
    "had", "any", "anyone", "anybody", "has anyone", "am", "might", "may", "must",
)  # fmt: skip
REQUEST_PATTERN = re.compile(
    r"\b(can|could|would) you (please )?(tell|explain|let)|\b(i'?d|i would|i want to|want to|"
    r"i need to|need to) (like to )?know\b|\bwonder(ing)?\b|\bany (advice|thoughts|info|"
    r"information|idea|ideas)\b|\bplease (tell|explain)|\btell me\b|\bexplain\b|"
    r"\bthoughts on\b|\bi'?m curious\b",
    re.IGNORECASE,
)
# Sentence ends: . ? ! (runs of them) or line breaks; a decimal point ("2.5") is not an end.
SENTENCE_END = re.compile(r"(?<=[?!])\s*|(?<=[^\d\s][.])\s+|\s*\n+\s*")
# Two questions joined without punctuation: "... and how long ...", "... also is it ..."
# ("or" does not join two questions: "is it a cure or does it slow MS down?" is one question)
JOINED_QUESTION = re.compile(
    r"\s*,?\s+(?:and|also|and also|plus)\s+(?=(?:what|how|why|when|where|which|who|is|are|"
    r"can|could|does|do|will|would|should)\b\s+\w+\s+\w+)",
    re.IGNORECASE,
)
# a full stop after these does not end a sentence ("complications, i.e. other illnesses?")
ABBREVIATION_END = re.compile(r"\b(?:i\.e|e\.g|etc|vs|dr|approx|incl|esp)\.$", re.IGNORECASE)
WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class QuestionParts:
    parts: List[str]
    more_than_max: bool = False
    # True when the parts are not simply the whole message (context was set aside, or the
    # message held several questions)
    focused: bool = False


def _sentences(text: str) -> List[str]:
    # Each sentence is a list of fragments joined once at the end: joining as we go, and
    # searching the joined text for an abbreviation, made a paste of "e.g. e.g. …" cost the
    # square of its length.
    pieces: List[List[str]] = []
    for piece in SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if pieces and ABBREVIATION_END.search(pieces[-1][-1]):
            pieces[-1].append(piece)
        else:
            pieces.append([piece])
    sentences = []
    for fragments in pieces:
        sentence = " ".join(fragments)
        sentences.extend(s.strip() for s in JOINED_QUESTION.split(sentence) if s.strip())
    return sentences


def _words(text: str) -> List[str]:
    return WORD.findall(text.lower())


def is_question(sentence: str) -> bool:
    words = _words(sentence)
    if not words:
        return False
    if sentence.rstrip().endswith("?"):
        return True
    first_two = " ".join(words[:2])
    # "so what …", "ok how …", "hi, is …": a filler word before the question word
    fillers = {"so", "ok", "okay", "and", "but", "also", "hi", "hello", "um", "well", "then"}
    start = words[1:] if words[0] in fillers and len(words) > 1 else words
    return (
        start[0] in QUESTION_STARTS
        or first_two in QUESTION_STARTS
        or bool(REQUEST_PATTERN.search(sentence))
    )


def question_parts(text: str, max_parts: int = MAX_PARTS) -> QuestionParts:
    """The questions a message asks, in order (see the module's docstring)."""
    cleaned = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not cleaned:
        return QuestionParts(parts=[])
    sentences = _sentences(cleaned)
    grouped: List[List[str]] = []  # each question as its sentences, joined below
    for sentence in sentences:
        if not is_question(sentence):
            continue
        if grouped and len(_words(sentence)) < MIN_PART_WORDS:
            grouped[-1].append(sentence)  # a short follow-up belongs to the question before
            continue
        grouped.append([sentence])
    questions = [" ".join(group) for group in grouped]
    if not questions:
        return QuestionParts(parts=[" ".join(cleaned.split())])
    # A lone short question ("Why?") after context is the context's question: keep both.
    if len(questions) == 1 and len(_words(questions[0])) < MIN_PART_WORDS:
        return QuestionParts(parts=[" ".join(cleaned.split())])
    whole = " ".join(cleaned.split())
    kept = questions[:max_parts]
    return QuestionParts(
        parts=kept,
        more_than_max=len(questions) > max_parts,
        focused=kept != [whole],
    )
