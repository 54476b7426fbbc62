"""However many people ask for staff, each of them can be reached in the queue: the lists come in
pages with their total; and a cap on requests that refused someone shows as a banner.

A module of its own: a database of its own (conftest's `db_url` is per module), so the many
waiting handoffs made here do not push other tests' handoffs onto a later page."""

import re
from typing import List

import pytest

from handoff.limits import LimitReached, RequestLimits
from inbox.views.queue import PAGE_SIZE
from tests.inbox.conftest import new_conversation_id

pytestmark = pytest.mark.server

WAITING = 2 * PAGE_SIZE + 7  # three pages


def card_ids(html: str) -> List[str]:
    return re.findall(r'<li class="card item[^"]*" data-id="([0-9a-f]{32})"', html)


def next_link(html: str) -> str:
    found = re.search(r'<a href="([^"]+)" rel="next"', html)
    return found[1].replace("&amp;", "&") if found else ""


def test_every_waiting_person_can_be_reached_page_by_page(signed_in, store):
    client, _ = signed_in()
    opened = [
        store.open_handoff(new_conversation_id(), "webchat", "requested") for _ in range(WAITING)
    ]
    urgent = store.open_handoff(new_conversation_id(), "voice", "emergency", urgent=True)

    first = client.get("/queue").text
    assert card_ids(first)[0] == urgent.id  # most urgent first, as before
    assert len(card_ids(first)) == PAGE_SIZE
    assert f"Showing 1&ndash;{PAGE_SIZE} of {WAITING + 1}" in first
    assert 'rel="prev"' not in first and 'data-page="1"' in first

    seen, path, pages = [], "/queue", 0
    while path:
        page = client.get(path).text
        seen += card_ids(page)
        path, pages = next_link(page), pages + 1
    assert pages == 3
    assert seen == [urgent.id] + [h.id for h in opened]  # each once, oldest waiting first
    assert opened[-1].id in card_ids(page)  # the last one to ask is on the last page
    assert 'rel="prev"' in page and 'href="/queue?tab=waiting&amp;page=2"' in page
    assert f"of {WAITING + 1} (page 3 of 3)" in page

    # the live update of an open page keeps its page; a page past the end shows the last one
    fragment = client.get("/api/queue?tab=waiting&page=3").json()
    assert fragment["page"] == 3 and opened[-1].id in fragment["html"]
    assert fragment["counts"]["waiting"] == WAITING + 1
    beyond = client.get("/api/queue?tab=waiting&page=99").json()
    assert beyond["page"] == 3 and card_ids(beyond["html"]) == card_ids(page)
    assert client.get("/queue?page=nonsense").status == 200


def test_callback_requests_come_in_pages_too(signed_in, store):
    client, _ = signed_in()
    made = [
        store.create_callback(new_conversation_id(), "webchat", f"Person {n}", "07700 900123")
        for n in range(PAGE_SIZE + 3)
    ]
    first = client.get("/queue?tab=callbacks").text
    assert len(card_ids(first)) == PAGE_SIZE and f"of {PAGE_SIZE + 3}" in first
    last = client.get(next_link(first)).text
    assert card_ids(last) == made[PAGE_SIZE:]
    assert not next_link(last)


def test_a_cap_that_refused_requests_shows_as_a_banner(signed_in, store):
    client, _ = signed_in()
    assert "alert-banner" not in client.get("/queue").text
    small = RequestLimits(per_conversation=1, per_address=1, overall=1000)
    store.open_handoff(new_conversation_id(), "webchat", "requested", False, "k" * 32, small)
    for _ in range(3):
        with pytest.raises(LimitReached):
            store.open_handoff(
                new_conversation_id(), "webchat", "requested", False, "k" * 32, small
            )
    for tab in ("waiting", "callbacks"):
        page = client.get(f"/queue?tab={tab}").text
        [banner] = re.findall(
            r'<div class="notice notice-warning alert-banner" data-alert="(\w+)"', page
        )
        assert banner == "address"
        assert "Too many requests for staff came from one address" in page
        assert "The cap is 1 per hour;" in page and "3 requests were refused" in page
    assert "alert-banner" in client.get("/api/queue?tab=mine").json()["html"]
