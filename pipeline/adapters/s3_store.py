"""ObjectStore on an S3 bucket: uploads, results CSVs and presigned URLs for big files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError
from botocore.exceptions import ConnectionError as BotoConnectionError

from pipeline.adapters.aws_errors import aws_call, describe, error_code, unavailable_error
from pipeline.errors import (
    ConfigError,
    Conflict,
    NotFoundError,
    PipelineError,
    StoreUnavailableError,
)
from pipeline.file_names import content_disposition
from pipeline.ports import ObjectStore, StoredObject

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
        extra = {"ContentType": content_type} if content_type else None
        with aws_call(f"uploading s3://{self.bucket}/{_checked(key)}", StoreUnavailableError):
            self.client.upload_file(
                str(source), self.bucket, key, ExtraArgs=extra, Config=self.transfer_config
            )

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        with aws_call(f"writing s3://{self.bucket}/{_checked(key)}", StoreUnavailableError):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)

    def get_file(self, key: str, destination: Path, version: str | None = None) -> Path:
        """Without ``version`` boto3's managed download (ranged GETs in parallel); with it one
        GET on the condition If-Match: ETag, streamed to the file, so the bytes are the ones
        that ETag names (S3 answers 412 once the key holds anything else)."""
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self._call("downloading", key):
            if version is None:
                self.client.download_file(
                    self.bucket, key, str(destination), Config=self.transfer_config
                )
                return destination
            response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=version)
            try:
                with destination.open("wb") as out:
                    for block in response["Body"].iter_chunks(MIB):
                        out.write(block)
            except (HTTPClientError, IncompleteReadError) as exc:
                raise StoreUnavailableError(
                    f"downloading s3://{self.bucket}/{key} broke off ({exc}); try again later"
                ) from exc
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
        with self._call(f"copying to s3://{self.bucket}/{_checked(target)} from", source):
            self.client.copy_object(
                Bucket=self.bucket,
                Key=target,
                CopySource={"Bucket": self.bucket, "Key": source},
                **condition,
            )

    def delete(self, key: str) -> None:
        with aws_call(f"deleting s3://{self.bucket}/{_checked(key)}", StoreUnavailableError):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_under(self, prefix: str) -> int:
        """Listed a page of 1,000 keys at a time, each page deleted in one request."""
        folder = f"{_checked(prefix.rstrip('/'))}/"
        removed = 0
        with aws_call(f"deleting s3://{self.bucket}/{folder}*", StoreUnavailableError):
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
                        raise PipelineError(
                            f"deleting s3://{self.bucket}/{first.get('Key')} failed "
                            f"({first.get('Code')}: {first.get('Message')})"
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

    def presigned_put(self, key: str, expires_s: int = 3600) -> str | None:
        return self._presign("put_object", key, expires_s)

    def _presign(
        self, operation: str, key: str, expires_s: int, extra: dict[str, str] | None = None
    ) -> str:
        params = {"Bucket": self.bucket, "Key": _checked(key), **(extra or {})}
        url = self.client.generate_presigned_url(operation, Params=params, ExpiresIn=expires_s)
        return str(url)

    @contextmanager
    def _call(self, verb: str, key: str) -> Iterator[None]:
        """A missing key becomes NotFoundError, a failed If-Match Conflict, an unreachable
        or throttling S3 StoreUnavailableError; any other AWS error a PipelineError."""
        what = f"{verb} s3://{self.bucket}/{_checked(key)}"
        try:
            yield
        except (ClientError, BotoConnectionError) as exc:
            fault = unavailable_error(exc, what, StoreUnavailableError)
            if fault is not None:
                raise fault from exc
            if not isinstance(exc, ClientError):
                raise
            if error_code(exc) in _MISSING_CODES:  # no bucket named: a client may read it
                raise NotFoundError(f"object {key!r} is not in the object store") from exc
            if error_code(exc) in _CHANGED_CODES:
                raise Conflict(f"{what}: the object changed since it was inspected") from exc
            raise PipelineError(f"{what} failed ({describe(exc)})") from exc


def _checked(key: str) -> str:
    """Relative keys of non-empty segments, no '.', '..' or backslashes: the same objects on a
    local folder and on S3, where 'a/./b' and 'a/b' would otherwise be different keys."""
    segments = key.split("/")
    if "\\" in key or any(segment in ("", ".", "..") for segment in segments):
        raise ConfigError(f"invalid object key {key!r}")
    return key
