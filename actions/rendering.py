"""Turns evidence items into what an answer carries: the written and spoken text, the names of
its sources, the machine-readable citations payload, and the related-topic buttons.

Plain Python (no rasa_sdk), so the web chat, the voice channel and the tests share it. The
sentences around these values live in `domain.yml` responses; this module only joins evidence
text and formats citations.
"""

import re
from typing import Dict, List, Optional, Sequence

from actions.evidence_store import EvidenceItem, EvidenceStore, Source, Topic
from messages.contract import CHECKED_CLAIM, EVIDENCE_ANSWER, SUPPORTS

EVIDENCE_ITEM_ENTITY = "evidence_item"  # a "did you mean" button names the item it stands for


def source_label(source: Source) -> str:
    """Short citation for a line of text.

    Studies: "Silfverberg et al., Journal of Neurology, Neurosurgery and Psychiatry (2024)".
    Others: "National Multiple Sclerosis Society (US), Stem Cell Therapy for MS".
    """
    if source.kind == "study" and source.authors:
        first_author = source.authors.split(",")[0].split()[0]
        label = f"{first_author} et al., {source.publisher}"
    else:
        label = f"{source.publisher}, {source.title}" if source.publisher else source.title
    return f"{label} ({source.year})" if source.year else label


def sources_line(sources: Sequence[Source]) -> str:
    labels: List[str] = []
    for source in sources:
        label = source_label(source)
        if label not in labels:
            labels.append(label)
    return "; ".join(labels)


def spoken_sources(sources: Sequence[Source]) -> str:
    """How voice names the sources: their spoken names, joined as speech."""
    names = [source.spoken_name or source.publisher or source.title for source in sources]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def answer_text(items: Sequence[EvidenceItem]) -> str:
    return "\n\n".join(item.answer for item in items)


def details_text(shown: Sequence[EvidenceItem], unseen: Sequence[EvidenceItem]) -> str:
    """The "tell me more" text: the details of what was shown, then the rest of the topic."""
    parts = [item.details for item in shown if item.details]
    parts += [item.answer for item in unseen]
    return "\n\n".join(parts)


def spoken_text(items: Sequence[EvidenceItem]) -> str:
    return " ".join(item.spoken for item in items)


def citations_payload(
    topic: Topic,
    items: Sequence[EvidenceItem],
    sources: Sequence[Source],
    checked: Sequence[Source] = (),
) -> Dict[str, object]:
    """The machine-readable part of an answer, for clients that show citations. Each source
    says its role: it supports the answer, or it is a claim the answer checked."""
    reviewed = [item.last_reviewed for item in items if item.last_reviewed]
    return {
        "type": EVIDENCE_ANSWER,
        "topic": topic.id,
        "evidence_ids": [item.id for item in items],
        # the oldest review among the items: what "Last reviewed" under an answer can promise
        "last_reviewed": min(reviewed).isoformat() if reviewed else None,
        "sources": [{**source.as_citation(), "role": SUPPORTS} for source in sources]
        + [{**source.as_citation(), "role": CHECKED_CLAIM} for source in checked],
    }


def written_sources(sources: Sequence[Source], checked: Sequence[Source]) -> str:
    """The sources line of a written answer; claims the answer corrected come apart."""
    line = sources_line(sources)
    if checked:
        line += f". *A claim we checked:* {sources_line(checked)}"
    return line


MAX_QUOTED_CHARS = 160
_EMPHASIS = re.compile(r"[`*_~\\]")
_MARKDOWN_CONTROL = re.compile(r"[#>\[\]()<>|]")
_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


def quoted(question: str) -> str:
    """A person's own words, safe to repeat inside a bot message ("You asked: …"): no
    markdown, no links (the widget renders bot text as markdown, and an echoed link would
    look like the assistant's), one line, and short."""
    text = _ADDRESS.sub(" link ", _EMPHASIS.sub("", question or ""))
    text = " ".join(_MARKDOWN_CONTROL.sub(" ", text).split())
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 1] + "…"


def topic_button(topic: Topic) -> Dict[str, str]:
    return {"title": topic.title, "payload": f"/{topic.intent}"}


def item_button(store: EvidenceStore, item_id: str) -> Dict[str, str]:
    """A button that asks for one evidence item: its topic's intent with the item's id."""
    item = store.item(item_id)
    topic = store.topics[item.topic]
    return {
        "title": item.title,
        "payload": f'/{topic.intent}{{"{EVIDENCE_ITEM_ENTITY}": "{item.id}"}}',
    }


def related_buttons(store: EvidenceStore, topic: Topic, limit: int = 3) -> List[Dict[str, str]]:
    related = [store.topics[t] for t in topic.related if t in store.topics][:limit]
    return [topic_button(t) for t in related]


def rendered_answer(
    store: EvidenceStore,
    topic: Topic,
    items: Sequence[EvidenceItem],
    text: Optional[str] = None,
    spoken: Optional[str] = None,
) -> Dict[str, object]:
    """Everything the answer response needs, as response variables plus the payload."""
    sources = store.sources_for(items)
    checked = store.checked_claims_for(items)
    return {
        "answer": text if text is not None else answer_text(items),
        "spoken": spoken if spoken is not None else spoken_text(items),
        "sources": written_sources(sources, checked),
        "spoken_sources": spoken_sources(sources),
        "topic_title": topic.title,
        "payload": citations_payload(topic, items, sources, checked),
    }
