"""Leases: a named role that one holder at a time may play, for a time it keeps renewing.

The master uses one so that only one of several running masters reconciles (a twin started by
two submissions at once on AWS, a second ``up`` or ``master`` on one machine). Taking,
renewing and taking over are one conditional statement each, so the database decides who won
when contenders race; the same statements run on SQLite and PostgreSQL.

Time is the database's clock, read inside the transaction that compares or sets an expiry:
masters may run on different machines (Fargate tasks, a laptop against RDS) whose clocks
disagree, and the database is the one clock they all share. On SQLite that is the clock of
the machine the file lives on, which is the only machine that may use it. Tests inject a clock
instead (``now``), which replaces the database's for every comparison and expiry alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.db.engine import Database, as_utc, database_now, once_more_if_dropped
from pipeline.db.models import Lease, Timestamp


@dataclass(frozen=True)
class LeaseRecord:
    name: str
    holder: str
    acquired_at: datetime
    """When this holder took it (kept across renewals)."""
    expires_at: datetime


@once_more_if_dropped
class LeaseRepository:
    def __init__(self, db: Database, now: Callable[[], datetime] | None = None) -> None:
        """``now``: a clock replacing the database's (tests); None reads the database's."""
        self._db = db
        self._now = now

    def acquire(self, name: str, holder: str, ttl_s: float) -> LeaseRecord | None:
        """Take the lease, or renew it when ``holder`` already has it, for ``ttl_s`` from now.

        Returns the lease as it stands afterwards: held by ``holder`` when it won, else by
        whoever holds it (None in the rare moment another holder released it mid-way).
        """
        with self._db.write() as session:
            now = self._clock(session)
            expires = now + timedelta(seconds=ttl_s)
            taken = session.execute(
                update(Lease)
                .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at <= now))
                .values(
                    holder=holder,
                    expires_at=expires,
                    acquired_at=case(
                        (Lease.holder == holder, Lease.acquired_at),
                        else_=literal(now, Timestamp),
                    ),
                )
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) == 0:
                self._insert_if_absent(session, name, holder, now, expires)
            lease = session.get(Lease, name, populate_existing=True)
            return None if lease is None else _record(lease)

    def release(self, name: str, holder: str) -> bool:
        """Give the lease up so that a contender takes it at once; False when ``holder`` did
        not hold it (it expired and was taken over)."""
        with self._db.write() as session:
            gone = session.execute(
                delete(Lease)
                .where(Lease.name == name, Lease.holder == holder)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(gone) == 1

    def get(self, name: str) -> LeaseRecord | None:
        """The lease's last holder and expiry (which may have passed)."""
        with self._db.read() as session:
            lease = session.get(Lease, name)
            return None if lease is None else _record(lease)

    def _clock(self, session: Session) -> datetime:
        return self._now() if self._now is not None else database_now(session)

    def _insert_if_absent(
        self, session: Session, name: str, holder: str, now: datetime, expires: datetime
    ) -> None:
        """Insert the lease unless a row of that name exists; a contender's insert racing this
        one (PostgreSQL; SQLite's write lock serialises them) makes this a no-op, not an error."""
        dialect: Any = postgresql if self._db.dialect == "postgresql" else sqlite
        values = {"name": name, "holder": holder, "acquired_at": now, "expires_at": expires}
        session.execute(
            dialect.insert(Lease).values(**values).on_conflict_do_nothing(index_elements=["name"])
        )


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _record(lease: Lease) -> LeaseRecord:
    return LeaseRecord(
        name=lease.name,
        holder=lease.holder,
        acquired_at=as_utc(lease.acquired_at),
        expires_at=as_utc(lease.expires_at),
    )
