"""Groups people's messages by meaning, with the sentence encoder the assistant already has
(all-MiniLM-L6-v2, custom_nlu/minilm.py), so "how much is HSCT in Mexico" and "price of stem
cells in Mexico" are counted as one question a new evidence item could answer.

Average-linkage agglomerative clustering on cosine similarity: two groups merge while the
average similarity between their messages is at least `SAME_QUESTION`. Deterministic (the same
messages in the same order give the same groups), and no number of groups to guess.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np

from curation.conversations import PersonMessage
from curation.periods import Period

# Chosen on the demo conversations (devtools/curation_demo.py): at 0.55 a dozen different short
# "... hsct?" questions (eligibility, side effects, FDA approval) became one group, as MiniLM
# rates questions of one shape alike (0.55-0.65); at 0.7 they stay apart, and paraphrases that
# share few words still join ("will hsct fix my bladder problems" / "does hsct help with
# bladder urgency"). Looser paraphrases ("brain fog" / "memory", 0.58) stay two groups.
SAME_QUESTION = 0.7
MAX_EXAMPLES = 5
MAX_COMMENTS = 5
# The most recent messages grouped at most: the clustering holds a square matrix of them.
MAX_GROUPED = 3000

Embed = Callable[[Sequence[str]], np.ndarray]
_encoder_lock = threading.Lock()


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit-length embeddings, one row per text. The encoder loads on first use (TensorFlow:
    seconds, so not at import); its interpreters are not safe to share between threads."""
    from custom_nlu.minilm import get_encoder

    with _encoder_lock:
        encoder = get_encoder()
        if not texts:
            return np.zeros((0, encoder.dimension), dtype=np.float32)
        return np.stack([encoder.embed(text) for text in texts])


@dataclass
class Group:
    """People's messages that ask the same thing."""

    label: str  # the most typical of its messages
    messages: List[PersonMessage]
    examples: List[str]  # different wordings, most typical first
    items: List[Tuple[str, int]]  # items the assistant showed or offered, most often first
    outcomes: Dict[str, int]
    trend: List[int]  # messages per step of the period (Period.steps)
    reasons: Dict[str, int] = field(default_factory=dict)  # thumbs-down reasons by key
    comments: List[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def conversations(self) -> int:
        return len({message.conversation for message in self.messages})


def clusters(vectors: np.ndarray, threshold: float = SAME_QUESTION) -> List[List[int]]:
    """Indexes of the rows, grouped (average linkage on cosine; rows are unit length)."""
    count = len(vectors)
    if count == 0:
        return []
    similarity = (vectors @ vectors.T).astype(np.float64)
    np.fill_diagonal(similarity, -np.inf)
    members: Dict[int, List[int]] = {index: [index] for index in range(count)}
    while len(members) > 1:
        flat = int(np.argmax(similarity))
        first, second = divmod(flat, count)
        if similarity[first, second] < threshold:
            break
        keep, gone = min(first, second), max(first, second)
        size_keep, size_gone = len(members[keep]), len(members[gone])
        merged = (size_keep * similarity[keep] + size_gone * similarity[gone]) / (
            size_keep + size_gone
        )
        similarity[keep, :] = merged
        similarity[:, keep] = merged
        similarity[keep, keep] = -np.inf
        similarity[gone, :] = -np.inf
        similarity[:, gone] = -np.inf
        members[keep] += members.pop(gone)
    return [sorted(indexes) for _, indexes in sorted(members.items())]


def group_messages(
    messages: Sequence[PersonMessage],
    period: Period,
    embed: Embed = encode,
    threshold: float = SAME_QUESTION,
) -> List[Group]:
    """The typed messages grouped by meaning, the largest group first."""
    typed = [message for message in messages if message.typed and message.text][-MAX_GROUPED:]
    texts = list(dict.fromkeys(message.text.lower() for message in typed))
    if not texts:
        return []
    vectors = embed(texts)
    row = {text: index for index, text in enumerate(texts)}
    groups = []
    for indexes in clusters(vectors, threshold):
        wordings = [texts[index] for index in indexes]
        chosen = set(wordings)
        members = [message for message in typed if message.text.lower() in chosen]
        groups.append(_summary(members, wordings, vectors[[row[w] for w in wordings]], period))
    return sorted(groups, key=lambda group: (-group.count, group.label))


def _summary(
    members: List[PersonMessage], wordings: List[str], vectors: np.ndarray, period: Period
) -> Group:
    """`wordings`: the group's lower-cased texts, one per row of `vectors`."""
    written: Dict[str, str] = {}  # lower-cased -> as first written
    for message in members:
        written.setdefault(message.text.lower(), message.text)
    # the most used wording first; among equally used ones, the closest to the group's centre
    uses = Counter(message.text.lower() for message in members)
    weights = np.array([uses[wording] for wording in wordings], dtype=np.float64)
    typicality = vectors @ (weights @ vectors)
    order = sorted(range(len(wordings)), key=lambda i: (-uses[wordings[i]], -typicality[i], i))
    ordered = [written[wordings[i]] for i in order]
    items = Counter(i for message in members for i in message.items + message.offered)
    feedback = [message.feedback for message in members if message.feedback is not None]
    return Group(
        label=ordered[0],
        messages=members,
        examples=ordered[:MAX_EXAMPLES],
        items=sorted(items.items(), key=lambda pair: (-pair[1], pair[0])),
        outcomes=dict(Counter(message.outcome for message in members).most_common()),
        trend=period.counts(message.at for message in members),
        reasons=dict(Counter(f.reason for f in feedback if f.reason).most_common()),
        comments=[f.comment for f in feedback if f.comment][-MAX_COMMENTS:],
    )
