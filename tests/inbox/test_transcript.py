"""The conversation before a handoff, from the assistant's tracker."""

import datetime as dt

from inbox.transcript import Source, transcript

START = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone.utc)


def at(seconds):
    return (START + dt.timedelta(seconds=seconds)).timestamp()


TRACKER = {
    "events": [
        {"event": "action", "timestamp": at(0), "name": "action_session_start"},
        {"event": "user", "timestamp": at(1), "text": "what are the side effects of hsct"},
        {
            "event": "bot",
            "timestamp": at(2),
            "text": "Infections are the main risk.",
            "data": {
                "custom": {
                    "type": "evidence_answer",
                    "topic": "side_effects",
                    "sources": [
                        {
                            "id": "a",
                            "title": "Meta-analysis",
                            "publisher": "Neurology",
                            "year": 2017,
                            "url": "https://doi.org/10.1/x",
                        },
                        {"id": "b", "title": "Leaflet", "url": "javascript:alert(1)"},
                        {"id": "c"},
                    ],
                }
            },
        },
        {
            "event": "bot",
            "timestamp": at(3),
            "text": "Related topics:",
            "data": {"buttons": [{"title": "Cost", "payload": "/ask_cost"}]},
        },
        {
            "event": "bot",
            "timestamp": at(4),
            "text": "Ask your MS specialist.",
            "data": {"custom": {"type": "specialist_deferral"}},
        },
        {
            "event": "user",
            "timestamp": at(5),
            "text": "/request_human",
            "metadata": {"display": "Talk to a person"},
        },
        {
            "event": "user",
            "timestamp": at(6),
            "text": "EXTERNAL: EXTERNAL_staff_reply",
            "parse_data": {"intent": {"name": "EXTERNAL_staff_reply"}},
        },
        {
            "event": "bot",
            "timestamp": at(7),
            "text": "Hello from an earlier handoff",
            "data": {"custom": {"type": "staff_message", "staff_name": "Kim"}},
        },
        {
            "event": "bot",
            "timestamp": at(8),
            "text": "Call 999 now.",
            "data": {"custom": {"type": "urgent_help"}},
        },
        {"event": "slot", "timestamp": at(9), "name": "handoff_active", "value": True},
        {"event": "user", "timestamp": at(20), "text": "after the handoff"},
    ]
}


def test_messages_before_the_handoff_with_who_said_them():
    entries = transcript(TRACKER, before=START + dt.timedelta(seconds=10))
    assert [(e.who, e.text) for e in entries] == [
        ("person", "what are the side effects of hsct"),
        ("assistant", "Infections are the main risk."),
        ("assistant", "Related topics:"),
        ("assistant", "Ask your MS specialist."),
        ("person", "Talk to a person"),  # the button's label, not its payload
        ("staff", "Hello from an earlier handoff"),
        ("assistant", "Call 999 now."),
    ]
    assert [e.kind for e in entries] == [
        None,
        "evidence",
        None,
        "deferral",
        None,
        "staff",
        "urgent",
    ]
    assert entries[0].at == START + dt.timedelta(seconds=1)
    assert entries[2].buttons == ["Cost"]
    assert entries[5].staff_name == "Kim"


def test_evidence_answers_keep_their_sources_and_only_web_links():
    answer = transcript(TRACKER)[1]
    assert answer.sources == [
        Source("Meta-analysis", "Neurology", 2017, "https://doi.org/10.1/x"),
        Source("Leaflet", "", None, None),
    ]


def test_without_a_cut_everything_is_shown_and_nothing_breaks_on_odd_trackers():
    assert transcript(TRACKER)[-1].text == "after the handoff"
    assert transcript(None) == []
    assert transcript({}) == []
    assert (
        transcript({"events": [{"event": "bot", "data": {"custom": "not a dict"}, "text": "x"}]})[
            0
        ].text
        == "x"
    )


def test_a_claim_the_answer_checked_is_marked_so_in_the_transcript():
    tracker = {
        "events": [
            {
                "event": "bot",
                "timestamp": 1,
                "text": "Answer",
                "data": {
                    "custom": {
                        "type": "evidence_answer",
                        "sources": [
                            {"title": "Meta", "role": "supports"},
                            {"title": "Old page", "role": "checked_claim"},
                        ],
                    }
                },
            }
        ]
    }
    (entry,) = transcript(tracker)
    assert [(s.title, s.checked_claim) for s in entry.sources] == [
        ("Meta", False),
        ("Old page", True),
    ]
