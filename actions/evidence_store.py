"""The curated evidence store: sources, topics and evidence items read from `evidence/` (YAML).

Plain Python, no rasa_sdk: the actions, the voice channel, the checks and the tests all query the
store through this small interface (`topic_for_intent`, `select_items`, `sources_for`), so the
YAML files could be replaced by a database without touching them.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

EVIDENCE_DIR = Path(__file__).resolve().parent.parent / "evidence"

# How many items make one answer: enough to cover a topic, short enough to read on a phone.
MAX_ITEMS_PER_ANSWER = 2


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    kind: str
    authors: Optional[str] = None
    year: Optional[int] = None
    url: Optional[str] = None
    spoken_name: Optional[str] = None

    def as_citation(self) -> Dict[str, object]:
        """What a client needs to show the source: title, publisher, year, link."""
        citation = {"id": self.id, "title": self.title, "publisher": self.publisher}
        if self.authors:
            citation["authors"] = self.authors
        if self.year:
            citation["year"] = self.year
        if self.url:
            citation["url"] = self.url
        return citation


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    title: str
    spoken_title: str
    related: Sequence[str] = ()
    preface: Optional[str] = None  # a domain response sent before the answer
    # what to ask a particular centre or specialist for this topic's answer about them
    ask_your_centre: Optional[str] = None


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    topic: str
    answer: str
    spoken: str
    sources: Sequence[str]
    evidence_kind: str
    last_reviewed: Optional[dt.date]
    details: Optional[str] = None
    primary: bool = False
    applies_to: Mapping[str, Sequence[str]] = field(default_factory=dict)
    title: str = ""  # a short button label for this item ("did you mean …")
    spoken_title: str = ""
    # the questions this item answers, as people ask them: what the item ranker compares with
    questions: Sequence[str] = ()
    # sources the answer cites as claims it corrects (a seed's wrong figure), not as support
    checked_claims: Sequence[str] = ()

    def match_score(self, entities: Mapping[str, Set[str]]) -> int:
        """How many of the recognised entity values this item is specifically about."""
        return sum(
            len(set(values) & entities.get(label, set()))
            for label, values in self.applies_to.items()
        )


class EvidenceStore:
    """Read-only view of the evidence files."""

    def __init__(
        self,
        sources: Iterable[Source],
        topics: Iterable[Topic],
        items: Iterable[EvidenceItem],
    ) -> None:
        self.sources: Dict[str, Source] = {s.id: s for s in sources}
        self.topics: Dict[str, Topic] = {t.id: t for t in topics}
        self.items: List[EvidenceItem] = list(items)
        self._topic_by_intent = {t.intent: t for t in self.topics.values()}
        self._item_by_id = {item.id: item for item in self.items}

    # --- queries ---------------------------------------------------------------------------
    def topic_for_intent(self, intent: Optional[str]) -> Optional[Topic]:
        return self._topic_by_intent.get(intent or "")

    def items_for_topic(self, topic_id: str) -> List[EvidenceItem]:
        return [item for item in self.items if item.topic == topic_id]

    def item(self, item_id: str) -> Optional[EvidenceItem]:
        return self._item_by_id.get(item_id)

    def select_items(
        self, topic_id: str, entities: Optional[Mapping[str, Set[str]]] = None
    ) -> List[EvidenceItem]:
        """The items that answer a question on `topic_id`.

        Items about a recognised entity (a named drug, progressive MS, MSC...) come first, so
        "does it work for SPMS?" is answered from the progressive-MS evidence; then the topic's
        primary items fill the answer up to MAX_ITEMS_PER_ANSWER.
        """
        candidates = self.items_for_topic(topic_id)
        entities = entities or {}
        matched = sorted(
            (item for item in candidates if item.match_score(entities) > 0),
            key=lambda item: -item.match_score(entities),
        )
        primary = [item for item in candidates if item.primary and item not in matched]
        chosen = (matched + primary)[:MAX_ITEMS_PER_ANSWER]
        return chosen or candidates[:1]

    def more_items(self, topic_id: str, shown_ids: Sequence[str]) -> List[EvidenceItem]:
        """Items of the topic the person has not been shown yet."""
        return [i for i in self.items_for_topic(topic_id) if i.id not in set(shown_ids)]

    def sources_for(self, items: Iterable[EvidenceItem]) -> List[Source]:
        """The sources the items rest on, once each, in order of first use."""
        return self._collect(item.sources for item in items)

    def checked_claims_for(self, items: Iterable[EvidenceItem]) -> List[Source]:
        """Sources the items cite only as claims they checked (and corrected)."""
        items = list(items)
        supporting = {s.id for s in self.sources_for(items)}
        return [s for s in self._collect(i.checked_claims for i in items) if s.id not in supporting]

    def _collect(self, id_lists: Iterable[Sequence[str]]) -> List[Source]:
        seen: Dict[str, Source] = {}
        for source_ids in id_lists:
            for source_id in source_ids:
                if source_id in self.sources and source_id not in seen:
                    seen[source_id] = self.sources[source_id]
        return list(seen.values())


# --- loading -------------------------------------------------------------------------------
# libyaml's safe loader when PyYAML was built with it (the pinned wheel is): several times
# faster than the pure-Python one, and the action server reads the store on its first answer
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_SafeLoader) or {}


def parse_date(value: object) -> Optional[dt.date]:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def load_raw(evidence_dir: Path = EVIDENCE_DIR) -> dict:
    """The files as plain data (what the checker validates before anything trusts them)."""
    items = []
    for path in sorted((evidence_dir / "items").glob("*.yml")):
        data = _read_yaml(path)
        for entry in data.get("items") or []:
            items.append(
                {**entry, "topic": entry.get("topic", data.get("topic")), "_file": path.name}
            )
    return {
        "sources": _read_yaml(evidence_dir / "sources.yml").get("sources") or [],
        "topics": _read_yaml(evidence_dir / "topics.yml").get("topics") or [],
        "items": items,
    }


def build_store(raw: dict) -> EvidenceStore:
    sources = [
        Source(
            id=s["id"],
            title=s["title"],
            publisher=s.get("publisher", ""),
            kind=s.get("kind", ""),
            authors=s.get("authors"),
            year=s.get("year"),
            url=s.get("url"),
            spoken_name=s.get("spoken_name"),
        )
        for s in raw["sources"]
    ]
    topics = [
        Topic(
            id=t["id"],
            intent=t["intent"],
            title=t["title"],
            spoken_title=t.get("spoken_title", t["title"].lower()),
            related=tuple(t.get("related") or ()),
            preface=t.get("preface"),
            ask_your_centre=t.get("ask_your_centre"),
        )
        for t in raw["topics"]
    ]
    items = [
        EvidenceItem(
            id=i["id"],
            topic=i["topic"],
            answer=i["answer"].strip(),
            spoken=(i.get("spoken") or "").strip(),
            sources=tuple(i.get("sources") or ()),
            evidence_kind=i.get("evidence_kind", ""),
            last_reviewed=parse_date(i.get("last_reviewed")),
            details=(i.get("details") or "").strip() or None,
            primary=bool(i.get("primary", False)),
            applies_to={k: tuple(v or ()) for k, v in (i.get("applies_to") or {}).items()},
            title=i.get("title") or "",
            spoken_title=i.get("spoken_title") or "",
            questions=tuple(str(q) for q in i.get("questions") or ()),
            checked_claims=tuple(i.get("checked_claims") or ()),
        )
        for i in raw["items"]
    ]
    return EvidenceStore(sources, topics, items)


def ranking_examples(raw: Optional[dict] = None) -> List[Tuple[str, str, str]]:
    """(item id, topic, example text) for every example question of every item, plus the
    item's title: what the ranker compares a message with."""
    examples = []
    for item in (raw or load_raw())["items"]:
        texts = list(item.get("questions") or [])
        if item.get("title"):
            texts.append(item["title"])
        examples += [(item["id"], item["topic"], str(text)) for text in texts]
    return examples


def answer_texts(raw: Optional[dict] = None) -> List[Tuple[str, str]]:
    """(item id, answer) for every item: the ranker also compares a message with the answer."""
    return [(item["id"], str(item["answer"])) for item in (raw or load_raw())["items"]]


def examples_fingerprint(evidence_dir: Path = EVIDENCE_DIR) -> str:
    """Changes when what the item ranker learns (example questions, titles, answers) changes."""
    raw = load_raw(evidence_dir)  # read once: this runs on every `make` that checks the model
    learned = [ranking_examples(raw), answer_texts(raw)]
    return hashlib.sha256(json.dumps(learned).encode()).hexdigest()[:16]


@lru_cache(maxsize=None)
def get_store(evidence_dir: Path = EVIDENCE_DIR) -> EvidenceStore:
    """The store, loaded once per process on first use (never at import time)."""
    return build_store(load_raw(evidence_dir))
