"""API keys: names, hashed secrets, revocation. The secret itself is never stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.engine import Database, as_utc, once_more_if_dropped, utcnow
from pipeline.db.models import ApiKey
from pipeline.db.records import KeyRecord
from pipeline.errors import Conflict, NotFoundError


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
            key.revoked_at = key.revoked_at or self._now()
            return _record(key)

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
