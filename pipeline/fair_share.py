"""Each owner's fair share of the workers: a key's twentieth file does not go before another
key's first.

Jobs are delivered in the order they were submitted, so a department that sends twenty files
would have every worker busy with its files while another department's one file waits behind
all of them (turns, ``PIPELINE_TURN_S``, let a waiting job in ahead of the rest of a running
one, not ahead of the jobs queued before it). A worker that receives a job never started, of
an owner with more jobs running than another owner who has a job queued, puts it behind the
queue and takes the next message: the owner with fewer jobs running goes first. A message is
put behind at most ``MAX_DEFERRALS`` times (counted in its body), so a job is never held back
for good, not even by a queued job whose message is gone. Pure: the worker reads the counts
(``JobRepository.owners_at_work``) and the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_DEFERRALS = 3
"""How many times one job's message is put behind for another owner's job."""
DEFERRED = "deferred"
"""The message body's count of the times its job was put behind for another owner's."""


def deferrals(body: Mapping[str, Any]) -> int:
    """How many times this message's job was put behind already (0 for a submit's message)."""
    count = body.get(DEFERRED, 0)
    return count if isinstance(count, int) and count > 0 else 0


def another_owner_first(
    owner: str, running: Mapping[str, int], waiting_owners: Iterable[str]
) -> bool:
    """Whether a queued job of ``owner`` should let another owner's go first: ``owner`` has
    jobs running (``running``: jobs per owner) and an owner with a job queued
    (``waiting_owners``) has fewer."""
    mine = running.get(owner, 0)
    return mine > 0 and any(
        running.get(other, 0) < mine for other in waiting_owners if other != owner
    )
