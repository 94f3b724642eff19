"""JobQueue on Amazon SQS with a dead-letter queue attached through a redrive policy.

Its errors may reach a client (a refused submission, a job's error), so they never name the
queue's URL (``aws_errors.hidden_error``): that goes to the log."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from pipeline.adapters.aws_errors import (
    HIDDEN_ERRORS,
    describe,
    error_code,
    hidden_call,
    hidden_error,
)
from pipeline.errors import QueueUnavailableError, ReceiptExpired
from pipeline.ports import JobQueue, QueueDepth, QueueMessage

MAX_WAIT_S = 20
MAX_VISIBILITY_S = 12 * 60 * 60
MAX_BATCH = 10
_STALE_RECEIPT_CODES = {
    "ReceiptHandleIsInvalid",
    "MessageNotInflight",
    "InvalidParameterValue",
    "AWS.SimpleQueueService.MessageNotInflight",
    "AWS.SimpleQueueService.ReceiptHandleIsInvalid",
}


class SQSJobQueue(JobQueue):
    """SQS already has the port's semantics; this maps them one to one.

    The dead-letter move is SQS's own: the queue's redrive policy (``maxReceiveCount``, set by
    ``init``) sends a message that was received too often to ``dead_letter_url``. That count
    never goes down, so it is only a backstop: the worker judges poison by progress and sends
    a healthy job a fresh message before the count is reached (``pipeline.poison``). Reading
    dead letters hides them for ``dead_letter_hold_s`` so the reader can delete each one with
    the receipt it got; one it does not delete shows up again after that hold.
    """

    def __init__(
        self,
        client: Any,
        queue_url: str,
        dead_letter_url: str,
        visibility_timeout_s: float,
        dead_letter_hold_s: int = 30,
    ) -> None:
        self.client = client
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url
        self.visibility_timeout_s = _whole_seconds(visibility_timeout_s)
        self.dead_letter_hold_s = dead_letter_hold_s

    def send(self, body: Mapping[str, Any]) -> str:
        with hidden_call("sending a job message to SQS", QueueUnavailableError, self.queue_url):
            response = self.client.send_message(
                QueueUrl=self.queue_url, MessageBody=json.dumps(dict(body))
            )
        return str(response["MessageId"])

    def receive(self, wait_s: float = 0.0) -> QueueMessage | None:
        """Long-polls in calls of at most 20 s (SQS's limit) until ``wait_s`` has passed."""
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            remaining = deadline - time.monotonic()
            wait = min(MAX_WAIT_S, max(0, math.ceil(remaining)))
            messages = self._receive(self.queue_url, 1, wait, self.visibility_timeout_s)
            if messages or remaining <= 0:
                return _to_message(messages[0]) if messages else None

    def extend(self, receipt: str, visibility_timeout_s: float) -> None:
        with self._holding(self.queue_url):
            self.client.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=receipt,
                VisibilityTimeout=_whole_seconds(visibility_timeout_s),
            )

    def release(self, receipt: str) -> None:
        with self._holding(self.queue_url):
            self.client.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt, VisibilityTimeout=0
            )

    def delete(self, receipt: str) -> None:
        with self._holding(self.queue_url):
            self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)

    def depth(self) -> QueueDepth:
        with hidden_call("reading the SQS queue's depth", QueueUnavailableError, self.queue_url):
            attributes = self.client.get_queue_attributes(
                QueueUrl=self.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        return QueueDepth(
            visible=int(attributes["ApproximateNumberOfMessages"]),
            in_flight=int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )

    def dead_letters(self, limit: int = 10) -> list[QueueMessage]:
        """Each read is a receive on the dead-letter queue, and ApproximateReceiveCount
        survives the redrive, so a dead letter's ``receive_count`` is more than the job's
        deliveries (the reason a job is failed with names the configured limit instead)."""
        found: list[Mapping[str, Any]] = []
        while len(found) < limit:
            batch = self._receive(
                self.dead_letter_url,
                min(MAX_BATCH, limit - len(found)),
                0,
                self.dead_letter_hold_s,
            )
            if not batch:
                break
            found.extend(batch)
        found.sort(key=lambda raw: int(raw.get("Attributes", {}).get("SentTimestamp", 0)))
        return [_to_message(raw) for raw in found]

    def delete_dead_letter(self, receipt: str) -> None:
        with self._holding(self.dead_letter_url):
            self.client.delete_message(QueueUrl=self.dead_letter_url, ReceiptHandle=receipt)

    def _receive(
        self, url: str, count: int, wait_s: int, visibility_s: int
    ) -> list[Mapping[str, Any]]:
        with hidden_call("receiving from SQS", QueueUnavailableError, url):
            response = self.client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=wait_s,
                VisibilityTimeout=visibility_s,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            )
        return list(response.get("Messages", []))

    @staticmethod
    @contextmanager
    def _holding(url: str) -> Iterator[None]:
        """A receipt SQS no longer honours (deleted, or delivered again) is ReceiptExpired; SQS
        unreachable or throttling is QueueUnavailableError; any other error names not the
        queue ``url`` (``hidden_error``)."""
        try:
            yield
        except HIDDEN_ERRORS as exc:
            if isinstance(exc, ClientError) and error_code(exc) in _STALE_RECEIPT_CODES:
                reason = describe(exc)
                raise ReceiptExpired(f"SQS no longer accepts this receipt ({reason})") from exc
            raise hidden_error(exc, "an SQS call", QueueUnavailableError, url) from exc


def _to_message(raw: Mapping[str, Any]) -> QueueMessage:
    attributes = raw.get("Attributes", {})
    return QueueMessage(
        message_id=str(raw["MessageId"]),
        receipt=str(raw["ReceiptHandle"]),
        body=_decode(str(raw.get("Body", ""))),
        receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
    )


def _decode(text: str) -> Mapping[str, Any]:
    """Bodies are JSON objects written by ``send``; anything else (a message someone put on
    the queue by hand) is handed over as ``{"undecodable_body": text}`` rather than raising,
    so one bad message cannot block the worker loop or the dead-letter listing."""
    try:
        body = json.loads(text)
    except ValueError:
        return {"undecodable_body": text}
    return body if isinstance(body, dict) else {"undecodable_body": text}


def _whole_seconds(seconds: float) -> int:
    """SQS takes whole seconds from 0 to 12 hours; rounding up never shortens a lease."""
    return min(MAX_VISIBILITY_S, max(0, math.ceil(seconds)))
