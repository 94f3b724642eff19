"""API keys: create (the secret is shown once), list, revoke, and authenticate a request.

With no active key the service is open and every job belongs to ``anonymous``; once a key
exists every call needs one, and each key only sees its own jobs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from pipeline.bootstrap import Backend
from pipeline.db.records import KeyRecord
from pipeline.errors import InputError, Unauthorized
from pipeline.service.jobs import ANONYMOUS

KEY_PREFIX = "sp_"
HEADER = "X-API-Key"


@dataclass(frozen=True)
class CreatedKey:
    name: str
    key_id: str
    secret: str


def create_key(backend: Backend, name: str) -> CreatedKey:
    name = name.strip()
    if not name or len(name) > 255:
        raise InputError("a key name must be 1 to 255 characters")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    record = backend.repository.keys.add(secrets.token_hex(8), name, _hash(secret))
    return CreatedKey(name=record.name, key_id=record.key_id, secret=secret)


def list_keys(backend: Backend) -> list[KeyRecord]:
    return backend.repository.keys.all()


def revoke_key(backend: Backend, name: str) -> KeyRecord:
    return backend.repository.keys.revoke(name)


def authenticate(backend: Backend, presented: str | None) -> str:
    """The owner the caller acts as; raises Unauthorized when keys exist and this is not one."""
    keys = backend.repository.keys
    if presented:
        record = keys.find_active(_hash(presented))
        if record is not None:
            return record.key_id
    if not keys.any_active():
        return ANONYMOUS
    if not presented:
        raise Unauthorized(f"this server needs an API key: send it in the {HEADER} header")
    raise Unauthorized("the API key is not valid (unknown or revoked)")


def any_keys(backend: Backend) -> bool:
    return backend.repository.keys.any_active()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
