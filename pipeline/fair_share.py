"""Each owner's fair share of the workers: a key's twentieth file does not go before another
key's first.

Jobs are delivered in the order they were submitted, so a department that sends twenty files
would have every worker busy with its files while another department's one file waits behind
all of them (turns, ``PIPELINE_TURN_S``, let a waiting job in ahead of the rest of a running
one, not ahead of the jobs queued before it). A worker that receives a job never started, of
an owner with more jobs running than another owner who has a job queued, puts it behind the
queue and takes the next message: the owner with fewer jobs running goes first. Owners with as
many jobs running take turns: a job goes behind when the worker took up a job of its owner more
recently than one of another owner with a job queued, or took up none of that owner's yet.
Counting running jobs alone never engaged with one worker, which is free only when nothing
runs: a key's six files all went before another key's one (hunt 2). A
message is put behind at most ``MAX_DEFERRALS`` times (counted in its body), so a job is never
held back for good, not even by a queued job whose message is gone. Pure: the worker reads the
counts (``JobRepository.owners_at_work``), remembers whose jobs it took up, and reads the
message.
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
    owner: str,
    running: Mapping[str, int],
    waiting_owners: Iterable[str],
    last_taken: Mapping[str, float] | None = None,
) -> bool:
    """Whether a queued job of ``owner`` should let another owner's go first: an owner with a
    job queued (``waiting_owners``) has fewer jobs running (``running``: jobs per owner), or
    as many and its turn came before ``owner``'s (``last_taken``: when the worker last took
    up a job of each owner, on any clock that only goes forward; an owner missing from it
    never had a turn)."""
    mine = running.get(owner, 0)
    taken = last_taken or {}
    my_turn = taken.get(owner)
    for other in waiting_owners:
        if other == owner:
            continue
        theirs = running.get(other, 0)
        if theirs < mine:
            return True
        if theirs == mine and my_turn is not None and taken.get(other, float("-inf")) < my_turn:
            return True
    return False
