"""ObjectStore on an S3 bucket: uploads, results CSVs, presigned downloads and upload forms.

Its errors may reach a client (an API answer, a job's error), so they name an object by its
key and never the bucket (``aws_errors.hidden_error``): the ``s3://`` address is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError

from pipeline.adapters.aws_errors import HIDDEN_ERRORS, error_code, hidden_call, hidden_error
from pipeline.errors import (
    ConfigError,
    Conflict,
    NotFoundError,
    PipelineError,
    StoreUnavailableError,
)
from pipeline.file_names import content_disposition
from pipeline.ports import ObjectStore, PresignedUpload, StoredObject

log = logging.getLogger(__name__)

MIB = 1024 * 1024
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
_CHANGED_CODES = {"412", "PreconditionFailed"}


class S3ObjectStore(ObjectStore):
    """Large files go through boto3's managed transfer: streamed from disk, split into parts
    above ``multipart_threshold`` and uploaded in parallel, so memory stays flat whatever the
    size. The bucket's default encryption covers every object."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        multipart_threshold: int = 64 * MIB,
        multipart_chunksize: int = 16 * MIB,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.transfer_config = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize
        )

    def put_file(self, key: str, source: Path, content_type: str | None = None) -> None:
        """boto3's managed upload wraps S3's refusal in S3UploadFailedError, whose message
        names the bucket and the local file: S3's own error is told instead, as any other
        call's (a throttling S3 StoreUnavailableError, not a crash of the job)."""
        extra = {"ContentType": content_type} if content_type else None
        with self._hidden("uploading", key):
            try:
                self.client.upload_file(
                    str(source), self.bucket, key, ExtraArgs=extra, Config=self.transfer_config
                )
            except S3UploadFailedError as exc:
                if isinstance(exc.__context__, ClientError):
                    raise exc.__context__ from None
                log.warning("uploading %s failed: %s", self._address(key), exc)
                raise PipelineError(
                    f"uploading object {key!r} failed; the server log has more"
                ) from exc

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        with self._hidden("writing", key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def get_file(self, key: str, destination: Path, version: str | None = None) -> Path:
        """Without ``version`` boto3's managed download (ranged GETs in parallel); with it one
        GET on the condition If-Match: ETag, streamed to the file, so the bytes are the ones
        that ETag names (S3 answers 412 once the key holds anything else)."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self._call("downloading", key), self._broken_off(key):
            if version is None:
                self.client.download_file(
                    self.bucket, key, str(destination), Config=self.transfer_config
                )
                return destination
            response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=version)
            with destination.open("wb") as out:
                for block in response["Body"].iter_chunks(MIB):
                    out.write(block)
        return destination

    def get_bytes(self, key: str) -> bytes:
        with self._call("reading", key):
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return bytes(response["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except NotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        return self.stat(key).size

    def stat(self, key: str) -> StoredObject:
        with self._call("inspecting", key):
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        return StoredObject(size=int(head["ContentLength"]), version=str(head["ETag"]))

    def copy(self, source: str, target: str, version: str | None = None) -> None:
        """One CopyObject, inside S3 (up to 5 GB, far above any upload the API accepts); with
        ``version`` on the condition CopySourceIfMatch: ETag, so S3 refuses (412) to copy
        anything but the content that ETag names."""
        condition = {"CopySourceIfMatch": version} if version is not None else {}
        with self._call(f"copying to {_checked(target)!r} from", source):
            self.client.copy_object(
                Bucket=self.bucket,
                Key=target,
                CopySource={"Bucket": self.bucket, "Key": source},
                **condition,
            )

    def delete(self, key: str) -> None:
        with self._hidden("deleting", key):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_under(self, prefix: str) -> int:
        """Listed a page of 1,000 keys at a time, each page deleted in one request."""
        folder = f"{_checked(prefix.rstrip('/'))}/"
        removed = 0
        where = f"{self._address(folder)}*"
        with hidden_call(f"deleting the objects under {folder!r}", StoreUnavailableError, where):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder
            )
            for page in pages:
                keys = [{"Key": found["Key"]} for found in page.get("Contents", [])]
                if keys:
                    answer = self.client.delete_objects(
                        Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                    )
                    if answer.get("Errors"):
                        first = answer["Errors"][0]
                        log.warning("deleting %s failed: %s", where, answer["Errors"])
                        raise PipelineError(
                            f"deleting object {first.get('Key')!r} failed ({first.get('Code')}); "
                            "the server log has more"
                        )
                    removed += len(keys)
        return removed

    def presigned_get(
        self, key: str, expires_s: int = 3600, download_as: str | None = None
    ) -> str | None:
        saved = (
            {"ResponseContentDisposition": content_disposition(download_as)} if download_as else {}
        )
        return self._presign("get_object", key, expires_s, saved)

    def presigned_upload(
        self, key: str, max_bytes: int, expires_s: int = 3600
    ) -> PresignedUpload | None:
        """A presigned POST, not PUT: a PUT URL signs no size, so its holder could store up to
        5 GB under the key; the POST policy's content-length-range makes S3 itself refuse a
        file over ``max_bytes`` (EntityTooLarge), and an empty one, before storing any of it.
        boto3 adds the conditions on the bucket and the exact key."""
        form = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=_checked(key),
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_s,
        )
        fields = {str(name): str(value) for name, value in form["fields"].items()}
        return PresignedUpload(url=str(form["url"]), fields=fields)

    def _presign(
        self, operation: str, key: str, expires_s: int, extra: dict[str, str] | None = None
    ) -> str:
        params = {"Bucket": self.bucket, "Key": _checked(key), **(extra or {})}
        url = self.client.generate_presigned_url(operation, Params=params, ExpiresIn=expires_s)
        return str(url)

    def _hidden(self, verb: str, key: str) -> AbstractContextManager[None]:
        """Any AWS error of ``verb`` on ``key`` as ``hidden_error``: the key, not the bucket."""
        where = self._address(_checked(key))
        return hidden_call(f"{verb} object {key!r}", StoreUnavailableError, where)

    @contextmanager
    def _broken_off(self, key: str) -> Iterator[None]:
        """A download cut off midway (the connection dropped, the body ended short, boto3's
        managed download out of retries) is a fault of the moment: StoreUnavailableError,
        whose message names the key, not the bucket or the endpoint."""
        try:
            yield
        except (HTTPClientError, IncompleteReadError, RetriesExceededError) as exc:
            log.warning("downloading %s broke off: %s", self._address(key), exc)
            raise StoreUnavailableError(
                f"downloading object {key!r} broke off; try again later"
            ) from exc

    def _address(self, key: str) -> str:
        """``s3://bucket/key``: for the log only."""
        return f"s3://{self.bucket}/{key}"

    @contextmanager
    def _call(self, verb: str, key: str) -> Iterator[None]:
        """A missing key becomes NotFoundError, a failed If-Match Conflict, an unreachable
        or throttling S3 StoreUnavailableError; any other AWS error a PipelineError. None
        names the bucket (``hidden_error``)."""
        what = f"{verb} object {_checked(key)!r}"
        try:
            yield
        except HIDDEN_ERRORS as exc:
            if isinstance(exc, ClientError) and error_code(exc) in _MISSING_CODES:
                raise NotFoundError(f"object {key!r} is not in the object store") from exc
            if isinstance(exc, ClientError) and error_code(exc) in _CHANGED_CODES:
                raise Conflict(f"{what}: the object changed since it was inspected") from exc
            raise hidden_error(exc, what, StoreUnavailableError, self._address(key)) from exc


def _checked(key: str) -> str:
    """Relative keys of non-empty segments, no '.', '..' or backslashes: the same objects on a
    local folder and on S3, where 'a/./b' and 'a/b' would otherwise be different keys."""
    segments = key.split("/")
    if "\\" in key or any(segment in ("", ".", "..") for segment in segments):
        raise ConfigError(f"invalid object key {key!r}")
    return key
