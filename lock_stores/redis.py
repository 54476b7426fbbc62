"""Rasa's Redis lock store, with each change to a lock made atomically.

Rasa 3.6's RedisLockStore changes a conversation's ticket lock by reading it, changing it in
Python and writing it back. Two replicas (or workers) doing that at the same moment for the
same conversation overwrite each other: a ticket disappears, or the lock is deleted while
someone still waits for it, and that message fails (Rasa's REST channel then answers with an
empty list). tests/integration/test_replicas.py lost messages this way under load. Here every
read-change-write is one Redis transaction (WATCH / MULTI / EXEC, retried when the lock
changed meanwhile); the lock format, keys and ticket rules are Rasa's.
"""

import json
from typing import Any, Callable, Optional, Text, Tuple, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from addons.rasa_patches import require_attributes

T = TypeVar("T")
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], T]]
OVERRIDDEN = ("issue_ticket", "update_lock", "finish_serving", "cleanup", "create_lock")


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket operations are Redis transactions."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # created from endpoints.yml by import path
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)
        # Rasa's client and key prefix are read, and the ticket operations LockStore.lock()
        # calls are replaced: a renamed one would silently bring back the lost tickets
        require_attributes(self, ("red", "key_prefix"), "AtomicRedisLockStore")
        require_attributes(RedisLockStore, OVERRIDDEN, "AtomicRedisLockStore")

    def _transaction(self, conversation_id: Text, change: Change) -> T:
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # someone changed the lock between our read and write: again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transaction(conversation_id, change)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transaction(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transaction(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the ticket, and the lock if nobody else waits — in one step, so a ticket
        issued meanwhile is never deleted with the lock."""

        def change(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transaction(conversation_id, change)
