"""The curators' reports in a real inbox, over a fixture of stored conversations: curators and
admins see them, plain staff get 403; every view downloads as CSV; no view shows the contact
details a callback request collected."""

import csv
import io

import pytest

from tests.curation.stored_conversations import (
    CALLBACK_NAME,
    CALLBACK_PHONE,
    COST_PARAPHRASES,
    TYPED_EMAIL,
    endpoints_file,
    write_tracker_store,
)
from tests.inbox.conftest import InboxServer, inbox_env

pytestmark = pytest.mark.server

PAGES = ["/curation", "/curation/items", "/curation/topics"]
DOWNLOADS = ["/curation/unanswered.csv", "/curation/items.csv", "/curation/topics.csv"]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    """SQLite only: what is tested here is the reports, not the handoff database."""
    return f"sqlite:///{tmp_path_factory.mktemp('curation-inbox') / 'handoff.db'}"


@pytest.fixture(scope="module")
def inbox(db_url, fake_rasa, tmp_path_factory):
    directory = tmp_path_factory.mktemp("conversations")
    endpoints = endpoints_file(directory, write_tracker_store(directory / "conversations.db"))
    env = inbox_env(db_url, fake_rasa.url, fake_rasa.token, HANDOFF_ENDPOINTS=str(endpoints))
    server = InboxServer(env, tmp_path_factory.mktemp("inbox-logs"))
    server.start()
    yield server
    server.stop()


def test_the_reports_are_for_curators_and_admins_only(signed_in):
    nurse, _ = signed_in("Nurse Lee")
    for path in PAGES + DOWNLOADS:
        page = nurse.get(path)
        assert page.status == 403, path
        assert "how much" not in page.text.lower()
        api = nurse.get(path, headers={"Accept": "application/json"})
        assert (api.status, api.json()) == (403, {"error": "for curators only"})
    assert 'href="/curation"' not in nurse.get("/queue").text  # nor offered
    for role in ("curator", "admin"):
        client, _ = signed_in("Cory Curator", role=role)
        for path in PAGES + DOWNLOADS:
            assert client.get(path).status == 200, (role, path)


def test_the_unanswered_view_groups_paraphrases(signed_in):
    curator, _ = signed_in("Cory Curator", role="curator")
    page = curator.get("/curation").text
    assert all(text in page for text in COST_PARAPHRASES)
    assert '<span class="count">3</span> messages in 3 conversations' in page
    assert "Didn&#39;t answer my question (1)" in page  # the reason's label
    assert "what is hsct" not in page  # answered well: not here
    week = curator.get("/curation?days=7").text
    assert '<span class="count">2</span> messages' in week and COST_PARAPHRASES[2] not in week
    assert '<option value="7" selected>' in week
    # an unknown period falls back to the default, not an error
    assert curator.get("/curation?days=abc").status == 200


def test_each_view_downloads_as_csv_and_the_download_is_audited(signed_in, store):
    curator, curator_id = signed_in("Cory Curator", role="curator")
    for path in DOWNLOADS:
        response = curator.get(path + "?days=30")
        assert response.status == 200, path
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        view = path.rsplit("/", 1)[1].removesuffix(".csv")
        assert disposition.startswith(f'attachment; filename="curation-{view}-30d-')
        assert disposition.endswith('.csv"')
        assert response.headers["Cache-Control"] == "no-store"
        rows = list(csv.reader(io.StringIO(response.text)))
        assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows), path
    unanswered = list(csv.reader(io.StringIO(curator.get(DOWNLOADS[0]).text)))
    assert unanswered[1][0] in COST_PARAPHRASES and unanswered[1][1] == "3"
    exports = [
        e
        for e in store.audit_entries(50)
        if e["staff_id"] == curator_id and e["action"] == "export_curation"
    ]
    assert {e["detail"] for e in exports} >= {"unanswered, 30 days", "items, 30 days"}


def test_no_view_shows_contact_details(signed_in):
    admin, _ = signed_in("Ana Admin", role="admin")
    for path in PAGES + DOWNLOADS:
        for days in ("7", "30", "90"):
            text = admin.get(f"{path}?days={days}").text
            for secret in (CALLBACK_NAME, CALLBACK_PHONE, TYPED_EMAIL, "Robin", "900461"):
                assert secret not in text, (path, days, secret)
