"""API keys: names, hashed secrets, revocation. The secret itself is never stored.

A revocation and a job insert of the same key exclude each other (``hold_key``): a job whose
insert began before the revocation is committed before it (and cancelled by the revocation's
pass over the key's jobs), and one after it is refused (``refuse_revoked``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.engine import Database, as_utc, once_more_if_dropped, utcnow
from pipeline.db.models import ApiKey
from pipeline.db.records import KeyRecord
from pipeline.errors import Conflict, NotFoundError, Unauthorized

REFUSED = "the API key is not valid (unknown or revoked)"
"""What a caller whose key is unknown or revoked is told, at the door or at its job's insert."""


@once_more_if_dropped
class KeyRepository:
    def __init__(self, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self._db = db
        self._now = now

    def add(self, key_id: str, name: str, secret_hash: str) -> KeyRecord:
        key = ApiKey(key_id=key_id, name=name, secret_hash=secret_hash, created_at=self._now())
        try:
            with self._db.write() as session:
                session.add(key)
                session.flush()
                return _record(key)
        except IntegrityError as exc:
            raise Conflict(self._taken(name)) from exc

    def _taken(self, name: str) -> str:
        """Why ``name`` cannot name a new key: a name stays with its key, revoked or not."""
        with self._db.read() as session:
            held = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
            revoked = None if held is None else as_utc(held.revoked_at)
        if revoked is None:
            return f"an API key named {name!r} already exists"
        return (
            f"the API key named {name!r} was revoked on {revoked:%Y-%m-%d}, and a name stays "
            "with its key (keys list shows it): give the new key another name"
        )

    def find_active(self, secret_hash: str) -> KeyRecord | None:
        query = select(ApiKey).where(ApiKey.secret_hash == secret_hash, ApiKey.revoked_at.is_(None))
        with self._db.read() as session:
            key = session.scalars(query).first()
            return None if key is None else _record(key)

    def any_active(self) -> bool:
        query = select(ApiKey.key_id).where(ApiKey.revoked_at.is_(None)).limit(1)
        with self._db.read() as session:
            return session.scalars(query).first() is not None

    def any_ever(self) -> bool:
        """Whether a key was ever created; revoking keeps the row, so this never turns back."""
        with self._db.read() as session:
            return session.scalars(select(ApiKey.key_id).limit(1)).first() is not None

    def all(self) -> list[KeyRecord]:
        with self._db.read() as session:
            return [_record(key) for key in session.scalars(select(ApiKey).order_by(ApiKey.name))]

    def revoke(self, name: str) -> KeyRecord:
        with self._db.write() as session:
            key = _named(session, name)
            hold_key(session, key.key_id, exclusive=True)
            key.revoked_at = key.revoked_at or self._now()
            return _record(key)

    def refuse_revoked(self, owner: str) -> None:
        """Unauthorized when ``owner`` is a revoked key (``refuse_revoked``), for a submission
        handed an existing job, which inserts none to check it at."""
        with self._db.read() as session:
            refuse_revoked(session, owner)

    def named(self, name: str) -> KeyRecord:
        """The key of this name, revoked or not; NotFoundError without one."""
        with self._db.read() as session:
            return _record(_named(session, name))

    def replace_secret(self, name: str, secret_hash: str, reinstate: bool = False) -> KeyRecord:
        """Give the key a new secret; the old one is refused from this commit on. The key
        (and so the owner of its jobs) stays. A revoked key stays revoked unless ``reinstate``
        says the operator means to bring it back: rotating is no way to undo a revocation by
        accident."""
        with self._db.write() as session:
            key = _named(session, name)
            revoked = as_utc(key.revoked_at)
            if revoked is not None and not reinstate:
                raise Conflict(
                    f"the API key named {name!r} was revoked on {revoked:%Y-%m-%d}: give it a new "
                    "secret and make it active again with --reinstate, or leave it revoked"
                )
            key.secret_hash = secret_hash
            key.revoked_at = None
            key.replaced_at = self._now()
            return _record(key)


def refuse_revoked(session: Session, owner: str) -> None:
    """Unauthorized when ``owner`` is a revoked key, read in the transaction that inserts its
    job: a request let in just before the revocation would otherwise leave a live job of the
    revoked key, inserted after the revocation's pass cancelled the key's jobs. Owners of no
    key row (``anonymous``, ``apigw:<id>``) have nothing to revoke here."""
    hold_key(session, owner)
    revoked = session.scalar(select(ApiKey.revoked_at).where(ApiKey.key_id == owner))
    if revoked is not None:
        raise Unauthorized(REFUSED)


def hold_key(session: Session, key_id: str, exclusive: bool = False) -> None:
    """Hold ``key_id`` to the end of the transaction: shared by job inserts, exclusive by the
    revocation. On PostgreSQL an advisory lock (the API's role may only read the keys table,
    so no row lock): under READ COMMITTED the check after it sees a revocation that committed
    while it waited, and a revocation waits for inserts under way, so its pass over the key's
    jobs finds them. SQLite's write transactions (``BEGIN IMMEDIATE``) serialise already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    session.execute(select(lock(_lock_id(key_id))))


def _lock_id(key_id: str) -> int:
    """The advisory lock's 64-bit id for a key (a collision only makes one wait a moment)."""
    digest = hashlib.sha256(f"api-key:{key_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _named(session: Session, name: str) -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.name == name)).first()
    if key is None:
        raise NotFoundError(f"there is no API key named {name!r}")
    return key


def _record(key: ApiKey) -> KeyRecord:
    return KeyRecord(
        key_id=key.key_id,
        name=key.name,
        created_at=as_utc(key.created_at),
        revoked_at=as_utc(key.revoked_at),
        replaced_at=as_utc(key.replaced_at),
    )
