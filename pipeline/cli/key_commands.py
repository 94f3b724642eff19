"""Key commands (this machine's backend: the database ``init`` made): create, list, revoke,
rotate a key, list an owner's jobs, and hand one owner's jobs to another. Times are UTC."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pipeline.errors import InputError
from pipeline.settings import Settings
from pipeline.terminal_text import inert

UTC_TIME = "%Y-%m-%d %H:%M UTC"


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="manage API keys (X-API-Key)")
    actions = keys.add_subparsers(dest="key_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a key; its secret is shown once")
    create.add_argument("name")
    create.set_defaults(handler=_create)
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.set_defaults(handler=_list)
    revoke = actions.add_parser(
        "revoke",
        help="revoke a key by name and cancel its queued and running jobs (its jobs stay its "
        "own; finished rows are kept)",
    )
    revoke.add_argument("name")
    revoke.set_defaults(handler=_revoke)
    rotate = actions.add_parser(
        "rotate",
        help="give a key a new secret (shown once) and refuse the old one; its jobs stay its own",
    )
    rotate.add_argument("name")
    rotate.add_argument(
        "--reinstate",
        action="store_true",
        help="the key was revoked: make it active again with the new secret",
    )
    rotate.set_defaults(handler=_rotate)
    jobs = actions.add_parser(
        "jobs",
        help="list the jobs of a key (revoked or not), 'anonymous' or apigw:ID, newest first",
    )
    jobs.add_argument("owner", metavar="OWNER")
    jobs.add_argument("--limit", type=int, default=100, help="most jobs listed (default 100)")
    jobs.set_defaults(handler=_jobs)
    hand_over = actions.add_parser(
        "hand-over",
        help="give every job of one owner to another key",
        description="Give every job of SOURCE to TARGET. Each is a key name or apigw:ID (an "
        "API Gateway key's id); SOURCE may also be 'anonymous' (jobs sent without a key) or a "
        "revoked key. TARGET must be an active key.",
    )
    hand_over.add_argument("source")
    hand_over.add_argument("target")
    hand_over.set_defaults(handler=_hand_over)


def _backend() -> Any:
    from pipeline.bootstrap import init_backend

    return init_backend(Settings.from_env())


def _create(args: argparse.Namespace) -> int:
    from pipeline.service.keys import create_key

    created = create_key(_backend(), args.name)
    print(created.secret)
    print(
        f"API key {created.name!r} created; the secret above is shown only once. Send it in the "
        "X-API-Key header (PIPELINE_API_KEY for the command line).",
        file=sys.stderr,
    )
    return 0


def _list(_args: argparse.Namespace) -> int:
    from pipeline.service.keys import list_keys

    for key in list_keys(_backend()):
        state = f"revoked {key.revoked_at:{UTC_TIME}}" if key.revoked_at else "active"
        if key.replaced_at and not key.revoked_at:
            state += f", secret replaced {key.replaced_at:{UTC_TIME}}"
        print(f"{inert(key.name)}\t{key.key_id}\t{key.created_at:{UTC_TIME}}\t{state}")
    return 0


def _jobs(args: argparse.Namespace) -> int:
    from pipeline.service.keys import jobs_of

    if args.limit < 1:
        raise InputError(f"--limit must be at least 1, not {args.limit}")
    found = jobs_of(_backend(), args.owner, args.limit)
    for job in found:
        rows = f"{job.rows_done:,}/{job.rows_total:,} rows"
        erased = f"\terased {job.erased_at:{UTC_TIME}}" if job.erased_at else ""
        created = f"{job.created_at:{UTC_TIME}}"
        print(f"{job.request_id}\t{created}\t{job.status}\t{rows}\t{inert(job.input_name)}{erased}")
    jobs = "1 job" if len(found) == 1 else f"{len(found):,} jobs"
    more = f" (the newest {args.limit:,}: --limit shows more)" if len(found) == args.limit else ""
    print(f"{jobs} of {args.owner!r}{more}", file=sys.stderr)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from pipeline.service.keys import list_keys, revoke_key

    backend = _backend()
    earlier = {key.name: key.revoked_at for key in list_keys(backend)}.get(args.name)
    key = revoke_key(backend, args.name)
    if earlier is not None:
        print(f"API key {key.name!r} was already revoked on {earlier:%Y-%m-%d}", file=sys.stderr)
    else:
        print(
            f"API key {key.name!r} revoked; its jobs can be read again only with `keys rotate "
            f"{key.name} --reinstate` or handed to another key with `keys hand-over`",
            file=sys.stderr,
        )
    print(_cancelled(key.name, key.jobs_cancelled), file=sys.stderr)
    return 0


def _cancelled(name: str, count: int) -> str:
    """What a revocation did to the key's unfinished jobs: nobody could read them any more."""
    if not count:
        return "none of its jobs was queued or running"
    were = "1 of its jobs was" if count == 1 else f"{count:,} of its jobs were"
    return (
        f"{were} queued or running: cancelled (rows already labelled are kept; `keys jobs "
        f"{name}` lists them)"
    )


def _rotate(args: argparse.Namespace) -> int:
    from pipeline.service.keys import rotate_key

    rotated = rotate_key(_backend(), args.name, reinstate=args.reinstate)
    print(rotated.secret)
    again = " and active again" if args.reinstate else ""
    print(
        f"API key {rotated.name!r} has a new secret{again} (above, shown only once); the old "
        "secret is refused from now on, and the key's jobs are still its own.",
        file=sys.stderr,
    )
    return 0


def _hand_over(args: argparse.Namespace) -> int:
    from pipeline.service.keys import hand_over_jobs

    moved = hand_over_jobs(_backend(), args.source, args.target)
    jobs = "1 job" if moved.jobs == 1 else f"{moved.jobs:,} jobs"
    print(f"{jobs} of {moved.source!r} handed to {moved.target!r}", file=sys.stderr)
    return 0
