"""API keys: create (the secret is shown once), list, revoke, rotate, hand one owner's jobs to
another, and authenticate a request.

Whether a call needs a key is configuration (``PIPELINE_AUTH``, read by ``keys_required``
once, when an edge starts), never "does any key exist right now": revoking the last key must
not open the service to everyone. The one state that counts only ever closes: with ``auto``
on loopback, keys become required once the first key is created, and stay required. A key
that is presented is always checked: an unknown or revoked one is refused in every mode, a
valid one acts as its owner (each key sees only its own jobs). Without a key, a caller of an
API that needs none is ``anonymous``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.addresses import is_loopback
from pipeline.bootstrap import Backend
from pipeline.db.keys import REFUSED
from pipeline.db.records import ACTIVE, JobRecord, KeyRecord
from pipeline.errors import Conflict, InputError, JobNotFound, Unauthorized
from pipeline.release.shown import as_shown
from pipeline.service.jobs import ANONYMOUS
from pipeline.terminal_text import inert

KEY_PREFIX = "sp_"
GATEWAY_OWNER_PREFIX = "apigw:"
"""Jobs submitted through API Gateway with a key are owned by ``apigw:<the key's id>``."""
_GATEWAY_OWNER = re.compile(rf"{GATEWAY_OWNER_PREFIX}[A-Za-z0-9]{{1,58}}")
HEADER = "X-API-Key"
HIDDEN_SECRET = KEY_PREFIX + "..."  # ASCII, as the access log's other marks
# Query parameters a client might put a key in (compared lower-case, "-" read as "_").
_KEY_PARAMETERS = frozenset({"api_key", "apikey", "x_api_key", "key"})
# A secret under any other name (``?token=``, ``?access_token=``, ``?auth=Bearer sp_…``): the
# prefix and the 43 characters ``token_urlsafe(32)`` gives, as a word of its own, holding both
# capitals and small letters (43 random ones lack either with odds of 1 in 10^9), so that a
# course such as ``sp_signal_processing_and_communication_systems`` is no key.
_SECRET_IN_VALUE = re.compile(
    rf"(?<![A-Za-z0-9_-]){KEY_PREFIX}(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])"
    r"[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"
)


@dataclass(frozen=True)
class CreatedKey:
    name: str
    key_id: str
    secret: str


@dataclass(frozen=True)
class RevokedKey(KeyRecord):
    """A key ``revoke_key`` revoked, and how many of its queued and running jobs it
    cancelled."""

    jobs_cancelled: int = 0


@dataclass(frozen=True)
class HandedOver:
    """Jobs moved from one owner to another (``keys hand-over``)."""

    source: str
    target: str
    jobs: int


def create_key(backend: Backend, name: str) -> CreatedKey:
    name = name.strip()
    if not name or len(name) > 255:
        raise InputError("a key name must be 1 to 255 characters")
    if inert(name) != name:
        raise InputError(
            f"a key name is one line of printable text; {inert(name)!r} holds a control "
            "character (a tab, line break, escape or direction override)"
        )
    if _reserved(name):
        raise InputError(
            f"{name!r} names the jobs sent without a key or an API Gateway key's in `keys jobs` "
            "and `keys hand-over`: give the key another name"
        )
    _refuse_look_alike(backend, name)
    secret = _new_secret()
    record = backend.repository.keys.add(secrets.token_hex(8), name, _hash(secret))
    return CreatedKey(name=record.name, key_id=record.key_id, secret=secret)


def rotate_key(backend: Backend, name: str, reinstate: bool = False) -> CreatedKey:
    """A new secret for the key named ``name``; the old one is refused from now on, on every
    edge (each request looks its key up). The key's jobs stay its own: what a department whose
    key leaked needs, where revoking would leave them to nobody. A revoked key is refused
    unless ``reinstate``."""
    secret = _new_secret()
    record = backend.repository.keys.replace_secret(name.strip(), _hash(secret), reinstate)
    return CreatedKey(name=record.name, key_id=record.key_id, secret=secret)


def hand_over_jobs(backend: Backend, source: str, target: str) -> HandedOver:
    """Give every job of ``source`` to ``target``: each is a key name, or ``apigw:<id>`` for
    an API Gateway key; ``source`` may also be ``anonymous`` (jobs sent without a key) and a
    revoked key. ``target`` must be an active key: giving jobs to ``anonymous`` would show
    them to every caller without a key, and to a revoked key to nobody."""
    source, target = source.strip(), target.strip()
    source_owner = _owner(backend, source, as_source=True)
    target_owner = _owner(backend, target, as_source=False)
    if source_owner == target_owner:
        raise InputError(f"{source!r} and {target!r} are the same owner: nothing to hand over")
    moved = backend.repository.jobs.hand_over(source_owner, target_owner)
    return HandedOver(source=source, target=target, jobs=moved)


def jobs_of(backend: Backend, who: str, limit: int) -> list[JobRecord]:
    """The newest ``limit`` jobs of a key name (revoked or not), ``anonymous`` or
    ``apigw:<id>``: what an operator reads to find a job whose owner cannot (a revoked key's,
    one sent before the first key), to erase it (``erase --operator``) or hand it over."""
    return backend.repository.jobs.list_for(_owner(backend, who.strip(), as_source=True), limit)


def _owner(backend: Backend, who: str, as_source: bool) -> str:
    """The owner id the jobs table holds for a key name, ``apigw:<id>`` or ``anonymous``. A
    key created with such a name before they were refused makes the word ambiguous: refused,
    rather than guessed (``keys hand-over anonymous X`` must never move every keyless job
    where a key's were meant)."""
    if _reserved(who) and any(key.name == who for key in backend.repository.keys.all()):
        raise InputError(
            f"{who!r} is a key's name (made before such names were refused) and also names "
            "other jobs' owner, so which jobs it means cannot be told: refused"
        )
    if who == ANONYMOUS:
        if not as_source:
            raise InputError(
                "jobs are not handed to anonymous: every caller without a key could then read "
                "and erase them"
            )
        return ANONYMOUS
    if who.startswith(GATEWAY_OWNER_PREFIX):
        if not _GATEWAY_OWNER.fullmatch(who):
            raise InputError(
                f"{who!r} is no API Gateway key: write apigw: and the key's id (letters and "
                "digits, as `aws apigateway get-api-keys` lists it)"
            )
        return who
    key = backend.repository.keys.named(who)
    if not as_source and key.revoked_at is not None:
        raise InputError(
            f"the API key named {who!r} is revoked: its jobs could be read by nobody "
            f"(keys rotate {who} --reinstate gives it a new secret first)"
        )
    return key.key_id


def list_keys(backend: Backend) -> list[KeyRecord]:
    return backend.repository.keys.all()


def revoke_key(backend: Backend, name: str) -> RevokedKey:
    """Refuse the key's secret from now on and cancel its queued and running jobs (rows
    already labelled are kept, as ``cancel`` keeps them; a worker labelling one stops at its
    next chunk): no key can read them any more, so labelling them would only hold the workers
    other keys wait for (a leaked key's flood). A submission under way as the key is revoked
    either inserts its job before the revocation commits, and this pass cancels it, or is
    refused with the revoked key's Unauthorized (``pipeline.db.keys.refuse_revoked``).
    Revoking a revoked key again cancels what is still unfinished."""
    record = backend.repository.keys.revoke(name.strip())
    cancelled = _cancel_unfinished(backend, record.key_id)
    return RevokedKey(**dataclasses.asdict(record), jobs_cancelled=cancelled)


def _cancel_unfinished(backend: Backend, owner: str) -> int:
    """Cancel every queued or running job of ``owner``; returns how many."""
    jobs = backend.repository.jobs
    cancelled = 0
    for job in jobs.list_for(owner, limit=sys.maxsize):
        if job.status not in ACTIVE:
            continue
        try:
            jobs.cancel(job.request_id, owner)
        except (Conflict, JobNotFound):  # it finished, or was handed over, meanwhile
            continue
        cancelled += 1
    return cancelled


def keys_required(setting: str, host: str | None) -> bool:
    """``keys`` and ``none`` say so; ``auto`` needs keys unless the API listens on a loopback
    address only. ``host`` None is an API behind API Gateway: reachable from anywhere."""
    if setting in ("keys", "none"):
        return setting == "keys"
    return host is None or not is_loopback(host)


def authenticate(
    backend: Backend, presented: str | None, required: bool, closes_once_keyed: bool = False
) -> str:
    """The owner the caller acts as: a valid key's id, or ``anonymous`` where no key is
    required and none was sent. Raises Unauthorized otherwise, whatever keys exist.

    ``closes_once_keyed`` (``auto`` on loopback) needs keys as soon as one has ever been
    created: a user who made a key expects it to be needed. Revoked keys stay on record, so
    revoking the last one never opens the API again."""
    if presented:
        record = backend.repository.keys.find_active(_hash(presented))
        if record is None:
            raise Unauthorized(REFUSED)
        return record.key_id
    if required or (closes_once_keyed and backend.repository.keys.any_ever()):
        raise Unauthorized(
            f"this server needs an API key: send it in the {HEADER} header "
            "(an Authorization header is not read)"
        )
    return ANONYMOUS


def presented_key(values: Sequence[str]) -> str | None:
    """The one key a request sends in its ``X-API-Key`` headers, None without one. Two are
    refused (401), whatever they hold: checking one and ignoring the other would let a valid
    key carry a garbled or foreign one past the check, and which one counts would depend on the
    edge (the FastAPI app read the first, API Gateway's single-value headers keep the last)."""
    if len(values) > 1:
        raise Unauthorized(
            f"send one API key: the request has {len(values)} {HEADER} headers, and a key that "
            "is sent is always checked"
        )
    return values[0] if values else None


def refuse_key_in_query(parameters: Iterable[tuple[str, str]]) -> None:
    """A key in the URL ends up in access logs, proxies and browser history: refuse it, so
    nobody gets used to sending it there. ``parameters`` are the query's (name, value) pairs:
    a parameter named like a key is refused whatever its value, and a value that holds a
    secret whatever its name."""
    if any(
        name.lower().replace("-", "_") in _KEY_PARAMETERS or _SECRET_IN_VALUE.search(value)
        for name, value in parameters
    ):
        raise Unauthorized(
            f"an API key in the URL is refused: send it in the {HEADER} header (URLs are "
            "logged and kept in browser history; revoke a key you sent this way)"
        )


def refuse_key_in_path(path: str) -> None:
    """A secret in the URL's path (a key pasted where a request id goes: ``status sp_…``,
    ``/v1/jobs/sp_…``) is refused as one in the query is: the path is logged too (masked in
    ``up``'s access log, but not by every proxy on the way). ``path`` is the decoded path."""
    if _SECRET_IN_VALUE.search(path):
        raise Unauthorized(
            "an API key in the URL's path is refused (a key where a request id goes?): send "
            f"it in the {HEADER} header only; URLs are logged and kept in browser history, so "
            "revoke this key (`sentiment-pipeline keys revoke NAME`) and create another"
        )


def hide_secrets(text: str) -> str:
    """``text`` with each secret in it cut to ``sp_...``: what a log may keep of a URL."""
    return _SECRET_IN_VALUE.sub(HIDDEN_SECRET, text)


def any_keys(backend: Backend) -> bool:
    return backend.repository.keys.any_active()


def any_keys_ever(backend: Backend) -> bool:
    """Whether a key was ever created (revoked ones count): what closes ``auto`` on loopback."""
    return backend.repository.keys.any_ever()


def _refuse_look_alike(backend: Backend, name: str) -> None:
    """Conflict where ``name`` reads as another key's name (``Chem`` or ``сhem``, with a
    Cyrillic с, beside ``chem``): `keys list` would show two keys alike, and `keys revoke`,
    `rotate`, `jobs` and `hand-over`, which pick by the exact name, could act on another
    department's key for the spelling an operator typed or pasted. A key of the very same
    name is left to the repository, which says whether it is revoked."""
    reading = _reading(name)
    for key in backend.repository.keys.all():
        if key.name != name and _reading(key.name) == reading:
            written = "" if name.isascii() else f" (written {name!a})"
            raise Conflict(
                f"{name!r}{written} reads as the existing API key {inert(key.name)!r}: they "
                "differ only in case, look-alike letters (a Cyrillic с for a Latin c), width "
                "or invisible characters; give the key a name of its own"
            )


def _reading(name: str) -> str:
    """``name`` as a reader tells it from others: as shown (``pipeline.release.shown``:
    invisible characters dropped, compatibility forms and a Latin word's Cyrillic or Greek
    look-alikes made plain Latin letters), in any case."""
    return as_shown(name).casefold()


def _reserved(name: str) -> bool:
    """Whether ``name`` is how ``keys jobs`` and ``keys hand-over`` name an owner that is no
    key of the table: ``anonymous``, or ``apigw:<id>``."""
    return name == ANONYMOUS or name.startswith(GATEWAY_OWNER_PREFIX)


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
