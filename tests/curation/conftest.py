import datetime as dt

import pytest

from curation.conversations import Conversations, read_database
from tests.curation.stored_conversations import NOW, write_tracker_store


@pytest.fixture(scope="session")
def tracker_db(tmp_path_factory):
    return write_tracker_store(tmp_path_factory.mktemp("curation") / "conversations.db")


@pytest.fixture(scope="session")
def last_30_days(tracker_db) -> Conversations:
    return read_database(
        f"sqlite:///{tracker_db}", NOW - dt.timedelta(days=30), NOW + dt.timedelta(hours=1)
    )
