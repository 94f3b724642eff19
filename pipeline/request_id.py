"""What a request id may look like, for the API that refuses any other and for the clients that
should not send one (a ``?job=<img …>`` link, a path pasted as an id)."""

from __future__ import annotations

import re

REQUEST_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""What ``new_request_id`` issues (22 of these characters) with room to spare; anything else
is refused (422) before a lookup, and never quoted back."""
REQUEST_ID = re.compile(REQUEST_ID_PATTERN)
"""The compiled REQUEST_ID_PATTERN."""
