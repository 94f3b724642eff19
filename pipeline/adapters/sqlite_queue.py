"""JobQueue on a SQLite file with SQS semantics, safe across worker processes.

Every change runs in a ``BEGIN IMMEDIATE`` transaction, which takes SQLite's write lock before
reading, so two processes can never receive the same delivery. A lock held past the busy
timeout, or a file that cannot be opened, raises QueueUnavailableError (HTTP 503). Time comes
from an injected clock, so tests move it forward instead of sleeping.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import ReceiptExpired
from pipeline.faults import queue_faults
from pipeline.ports import JobQueue, QueueDepth, QueueMessage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages (visible_at, sent_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    sent_at REAL NOT NULL,
    moved_at REAL NOT NULL,
    receive_count INTEGER NOT NULL,
    receipt TEXT NOT NULL UNIQUE
);
"""
_CHECK_WAIT_S = 1.0
POLL_INTERVAL_S = 0.025
"""How often a waiting receive looks for a message, so that a submission reaches an idle worker
within tens of milliseconds. A look is a read, which takes no lock under WAL; only a look that
finds a visible message takes the write lock to receive it."""


class SqliteJobQueue(JobQueue):
    """At-least-once queue: a received message is hidden for the visibility timeout; after
    ``max_receives`` deliveries the next receive moves it to the dead-letter table instead (a
    backstop: the worker judges poison by progress, see ``pipeline.poison``)."""

    def __init__(
        self,
        path: Path,
        visibility_timeout_s: float = 300.0,
        max_receives: int = 10,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        poll_interval_s: float = POLL_INTERVAL_S,
        busy_timeout_s: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.visibility_timeout_s = visibility_timeout_s
        self.max_receives = max_receives
        self._clock = clock
        self._sleep = sleep
        self._poll_interval_s = poll_interval_s
        self._busy_timeout_s = busy_timeout_s
        self._ready = False
        self._local = threading.local()

    def initialize(self) -> None:
        """Create the file and tables (idempotent); also done on first use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with queue_faults():
            conn = self._open()
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            finally:
                conn.close()
        self._ready = True

    def send(self, body: Mapping[str, Any]) -> str:
        message_id = uuid.uuid4().hex
        now = self._clock()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO messages (id, body, sent_at, visible_at) VALUES (?, ?, ?, ?)",
                (message_id, json.dumps(dict(body)), now, now),
            )
        return message_id

    def receive(self, wait_s: float = 0.0) -> QueueMessage | None:
        deadline = self._clock() + wait_s
        while True:
            message = self._receive_once() if self._any_visible() else None
            remaining = deadline - self._clock()
            if message is not None or remaining <= 0:
                return message
            self._sleep(min(self._poll_interval_s, remaining))

    def extend(self, receipt: str, visibility_timeout_s: float) -> None:
        """Like SQS (MessageNotInflight), only a message still in flight can be extended: a
        heartbeat that comes after its message was released, by its own worker or by the
        master for a worker taken for dead, must not hide the message again."""
        now = self._clock()
        self._update_visibility(receipt, now + visibility_timeout_s, in_flight_at=now)

    def release(self, receipt: str) -> None:
        self._update_visibility(receipt, self._clock())

    def delete(self, receipt: str) -> None:
        with self._transaction() as conn:
            if conn.execute("DELETE FROM messages WHERE receipt = ?", (receipt,)).rowcount == 0:
                raise ReceiptExpired("the message was already deleted or delivered again")

    def depth(self) -> QueueDepth:
        now = self._clock()
        with self._connect() as conn:
            visible, in_flight = conn.execute(
                "SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ?), 0) "
                "FROM messages",
                (now, now),
            ).fetchone()
        return QueueDepth(visible=int(visible), in_flight=int(in_flight))

    def dead_letters(self, limit: int = 10) -> list[QueueMessage]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, receipt, body, receive_count FROM dead_letters "
                "ORDER BY moved_at, rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [_message(row) for row in rows]

    def delete_dead_letter(self, receipt: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM dead_letters WHERE receipt = ?", (receipt,))

    def check(self) -> None:
        """For /health: whether a send would get the queue's write lock within a second."""
        if not self._ready:
            self.initialize()
        with queue_faults():
            wait_s = min(_CHECK_WAIT_S, self._busy_timeout_s)
            conn = sqlite3.connect(self.path, timeout=wait_s, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()

    def _any_visible(self) -> bool:
        """A look on this thread's own lasting connection, a hundred times cheaper than
        opening one per look; the statement runs to its end (``fetchall``), so no read
        transaction stays open to hold back the WAL checkpoint."""
        if not self._ready:
            self.initialize()
        with queue_faults():
            found = (
                self._reader()
                .execute("SELECT 1 FROM messages WHERE visible_at <= ? LIMIT 1", (self._clock(),))
                .fetchall()
            )
        return bool(found)

    def _reader(self) -> sqlite3.Connection:
        """This thread's look connection; a forked child opens its own (SQLite connections
        must not cross a fork)."""
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "reader", None)
        if held is None or held[0] != os.getpid():
            held = (os.getpid(), self._open())
            self._local.reader = held
        return held[1]

    def _receive_once(self) -> QueueMessage | None:
        now = self._clock()
        with self._transaction() as conn:
            while True:
                row = conn.execute(
                    "SELECT id, body, receive_count FROM messages WHERE visible_at <= ? "
                    "ORDER BY sent_at, rowid LIMIT 1",
                    (now,),
                ).fetchone()
                if row is None:
                    return None
                message_id, body, count = row
                if count >= self.max_receives:
                    self._move_to_dead_letters(conn, message_id, now)
                    continue
                receipt = uuid.uuid4().hex
                conn.execute(
                    "UPDATE messages SET receive_count = ?, receipt = ?, visible_at = ? "
                    "WHERE id = ?",
                    (count + 1, receipt, now + self.visibility_timeout_s, message_id),
                )
                return _message((message_id, receipt, body, count + 1))

    @staticmethod
    def _move_to_dead_letters(conn: sqlite3.Connection, message_id: str, now: float) -> None:
        conn.execute(
            "INSERT INTO dead_letters (id, body, sent_at, moved_at, receive_count, receipt) "
            "SELECT id, body, sent_at, ?, receive_count, ? FROM messages WHERE id = ?",
            (now, uuid.uuid4().hex, message_id),
        )
        conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def _update_visibility(
        self, receipt: str, visible_at: float, in_flight_at: float | None = None
    ) -> None:
        """With ``in_flight_at``, only a message still hidden at that moment is changed."""
        hidden_after = float("-inf") if in_flight_at is None else in_flight_at
        with self._transaction() as conn:
            changed = conn.execute(
                "UPDATE messages SET visible_at = ? WHERE receipt = ? AND visible_at > ?",
                (visible_at, receipt, hidden_after),
            ).rowcount
            if changed == 0:
                raise ReceiptExpired("the message was deleted, released or delivered again")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.initialize()
        with queue_faults():
            conn = self._open()
            try:
                yield conn
            finally:
                conn.close()

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=self._busy_timeout_s, isolation_level=None)


def _message(row: tuple[Any, ...]) -> QueueMessage:
    message_id, receipt, body, count = row
    return QueueMessage(
        message_id=message_id, receipt=receipt, body=json.loads(body), receive_count=int(count)
    )
