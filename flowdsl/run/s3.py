"""A local S3 for runs: ``s3://bucket/key`` is the file ``<root>/bucket/key``.

The readers and the writer of a Distributed Map reach S3 only through :class:`ObjectStore`
(open an object as a stream, describe it, put one, list a bucket by prefix), so the moto S3
server, or a real bucket, serves them as well through :class:`BotoS3`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Protocol, runtime_checkable

from flowdsl.atomic import write_atomic
from flowdsl.errors import FlowError


class NoSuchKey(FlowError, LookupError):
    """The object (or its bucket) does not exist."""

    def __init__(self, bucket: str, key: str, what: str = "NoSuchKey") -> None:
        super().__init__(f"{what}: s3://{bucket}/{key}")
        self.bucket, self.key, self.code = bucket, key, what


@dataclass(frozen=True, slots=True)
class S3Object:
    """One object as ``ListObjectsV2`` describes it."""

    key: str
    size: int
    etag: str  # quoted, as S3 gives it: '"0cc1...f5"'
    last_modified: int  # seconds since the epoch
    storage_class: str = "STANDARD"


@runtime_checkable
class ObjectStore(Protocol):
    """What a Distributed Map needs of S3."""

    def open(self, bucket: str, key: str) -> IO[bytes]: ...

    def head(self, bucket: str, key: str) -> S3Object: ...

    def put(self, bucket: str, key: str, body: bytes | IO[bytes]) -> None: ...

    def list(self, bucket: str, prefix: str = "") -> Iterator[S3Object]:
        """The bucket's objects whose key starts with ``prefix``, by key (S3's order: UTF-8
        bytes, lexicographic)."""
        ...


def _etag(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f'"{digest.hexdigest()}"'


@dataclass(frozen=True)
class LocalS3:
    """S3 in a folder: bucket ``b``'s object ``k`` is the file ``root/b/k``."""

    root: str | os.PathLike[str] = "data"

    @property
    def base(self) -> Path:
        return Path(self.root)

    def path(self, bucket: str, key: str) -> Path:
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise NoSuchKey(bucket, key, "NoSuchBucket")
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in ("", ".", ".."):
            raise NoSuchKey(bucket, key)
        return self.base / bucket / key

    def open(self, bucket: str, key: str) -> IO[bytes]:
        p = self.path(bucket, key)
        if not p.is_file():
            raise NoSuchKey(bucket, key, "NoSuchKey" if (self.base / bucket).is_dir() else "NoSuchBucket")
        return p.open("rb")

    def head(self, bucket: str, key: str) -> S3Object:
        p = self.path(bucket, key)
        if not p.is_file():
            raise NoSuchKey(bucket, key)
        st = p.stat()
        return S3Object(key, st.st_size, _etag(p), int(st.st_mtime))

    def get(self, bucket: str, key: str) -> bytes:
        with self.open(bucket, key) as f:
            return f.read()

    def put(self, bucket: str, key: str, body: bytes | str | IO[bytes]) -> None:
        """Store ``body`` (bytes, text as UTF-8, or a binary file read to its end) whole."""
        p = self.path(bucket, key)
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, (bytes, str)):
            write_atomic(p, body.encode() if isinstance(body, str) else body)
            return
        with p.open("wb") as f:
            shutil.copyfileobj(body, f)

    def list(self, bucket: str, prefix: str = "") -> Iterator[S3Object]:
        top = self.base / bucket
        if not top.is_dir():
            raise NoSuchKey(bucket, prefix, "NoSuchBucket")
        keys = []
        for dirpath, _, files in os.walk(top):
            for f in files:
                key = (Path(dirpath) / f).relative_to(top).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        for key in sorted(keys, key=lambda k: k.encode()):
            yield self.head(bucket, key)


class BotoS3:
    """The same interface over a boto3 S3 client (a real bucket, or the moto S3 server)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _call(self, bucket: str, key: str, fn: Any, **kw: Any) -> Any:
        try:
            return fn(Bucket=bucket, **kw)
        except Exception as exc:  # botocore's ClientError, without importing botocore
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "NoSuchBucket", "404"):
                raise NoSuchKey(bucket, key, "NoSuchBucket" if code == "NoSuchBucket" else "NoSuchKey") from None
            raise

    def open(self, bucket: str, key: str) -> IO[bytes]:
        return self._call(bucket, key, self.client.get_object, Key=key)["Body"]  # type: ignore[no-any-return]

    def head(self, bucket: str, key: str) -> S3Object:
        r = self._call(bucket, key, self.client.head_object, Key=key)
        return S3Object(key, r["ContentLength"], r["ETag"], int(r["LastModified"].timestamp()),
                        r.get("StorageClass", "STANDARD"))

    def put(self, bucket: str, key: str, body: bytes | IO[bytes]) -> None:
        self._call(bucket, key, self.client.put_object, Key=key, Body=body)

    def list(self, bucket: str, prefix: str = "") -> Iterator[S3Object]:
        token: dict[str, Any] = {}
        while True:
            r = self._call(bucket, prefix, self.client.list_objects_v2, Prefix=prefix, **token)
            for o in r.get("Contents", ()):
                yield S3Object(o["Key"], o["Size"], o["ETag"], int(o["LastModified"].timestamp()),
                               o.get("StorageClass", "STANDARD"))
            if not r.get("IsTruncated"):
                return
            token = {"ContinuationToken": r["NextContinuationToken"]}


def local_s3(files: dict[str, bytes | str], root: str | os.PathLike[str]) -> LocalS3:
    """A :class:`LocalS3` at ``root`` holding ``files`` (``"bucket/key": content``)."""
    s3 = LocalS3(root)
    for where, body in files.items():
        bucket, _, key = where.removeprefix("s3://").partition("/")
        s3.put(bucket, key, body)
    return s3


__all__ = ["BotoS3", "LocalS3", "NoSuchKey", "ObjectStore", "S3Object", "local_s3"]
