"""A Distributed Map's ItemReader over S3: every reader Step Functions offers.

* ``arn:aws:states:::s3:getObject`` with ``ReaderConfig.InputType``: ``JSON`` (the object is
  an array), ``JSONL`` (one item a line), ``CSV`` (a header row, ``CSVHeaderLocation``
  ``FIRST_ROW``, or ``GIVEN`` with ``CSVHeaders``; ``CSVDelimiter`` COMMA, PIPE, SEMICOLON,
  SPACE or TAB; every value a string), ``MANIFEST`` (an S3 Inventory ``manifest.json``: the
  rows of its CSV data files, named by its ``fileSchema``) and ``PARQUET`` (when pyarrow is
  installed);
* ``arn:aws:states:::s3:listObjectsV2``: the objects under ``Prefix``, each as
  ``{"Etag", "Key", "LastModified", "Size", "StorageClass"}``.

Items are produced lazily: a file is read as the Map consumes it, never whole (a JSON array
object, which has to be parsed whole, is limited in size as on AWS). Failures are
``States.ItemReaderFailed``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import importlib.util
import io
import json
from dataclasses import dataclass
from typing import IO, Any, Iterator

from flowdsl.vocabulary import parse_states_arn

from .bindings import ItemReaderCall
from .errors import StatesError
from .s3 import NoSuchKey, ObjectStore

READER_FAILED = "States.ItemReaderFailed"
MAX_OBJECT_BYTES = 10 * 1024 ** 3  # the largest object an ItemReader reads (10 GB)
MAX_JSON_BYTES = 8 * 1024 ** 2  # a JSON-array (or manifest) object is parsed whole: 8 MB at most
MAX_CSV_HEADER_BYTES = 10 * 1024  # "Step Functions supports CSV headers of up to 10 KiB"
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
INPUT_TYPES = ("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")


def failed(cause: str) -> StatesError:
    return StatesError(READER_FAILED, cause)


def _text(raw: IO[bytes]) -> IO[str]:
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")  # type: ignore[arg-type]


@dataclass(frozen=True)
class S3ItemReader:
    """Reads a Map state's items from ``s3`` (a :class:`~flowdsl.run.s3.LocalS3`, or any
    :class:`~flowdsl.run.s3.ObjectStore`)."""

    s3: ObjectStore

    def read(self, call: ItemReaderCall) -> Iterator[Any]:
        arn = parse_states_arn(call.resource)
        action = arn.integration if arn else None
        params = call.parameters if isinstance(call.parameters, dict) else {}
        config = call.reader.get("ReaderConfig") or {}
        bucket = params.get("Bucket")
        if not isinstance(bucket, str) or not bucket:
            raise failed(f"The ItemReader of state '{call.state_name}' needs a Bucket (a string), got "
                         f"{json.dumps(bucket)}")
        if action == "s3:listObjectsV2":
            prefix = params.get("Prefix", "")
            return self._list(bucket, prefix if isinstance(prefix, str) else "")
        if action != "s3:getObject":
            raise failed(f"The ItemReader of state '{call.state_name}' has Resource {call.resource!r}; "
                         "Step Functions reads items with s3:getObject or s3:listObjectsV2")
        key = params.get("Key")
        if not isinstance(key, str) or not key:
            raise failed(f"The ItemReader of state '{call.state_name}' needs a Key (a string), got {json.dumps(key)}")
        kind = config.get("InputType")
        if kind not in INPUT_TYPES:
            raise failed(f"The ItemReader of state '{call.state_name}' reads s3:getObject with "
                         f"ReaderConfig.InputType {json.dumps(kind)}; it must be one of {', '.join(INPUT_TYPES)}")
        size = self._size(bucket, key)
        if kind == "JSON":
            return self._json(bucket, key, size)
        if kind == "JSONL":
            return self._jsonl(bucket, key)
        if kind == "CSV":
            return self._csv(call.state_name, bucket, key, config)
        if kind == "MANIFEST":
            return self._manifest(bucket, key, size)
        return self._parquet(bucket, key)

    # ------------------------------------------------------------------ objects

    def _size(self, bucket: str, key: str) -> int:
        try:
            size = self.s3.head(bucket, key).size
        except NoSuchKey as exc:
            raise failed(self._missing(exc)) from None
        if size > MAX_OBJECT_BYTES:
            raise failed(f"The object s3://{bucket}/{key} is {size:,} bytes; an ItemReader reads objects of "
                         f"at most 10 GB ({MAX_OBJECT_BYTES:,} bytes)")
        return size

    @staticmethod
    def _missing(exc: NoSuchKey) -> str:
        if exc.code == "NoSuchBucket":
            return f"The specified bucket does not exist: {exc.bucket}"
        return f"The specified key does not exist: s3://{exc.bucket}/{exc.key}"

    def _open(self, bucket: str, key: str) -> IO[bytes]:
        try:
            return self.s3.open(bucket, key)
        except NoSuchKey as exc:
            raise failed(self._missing(exc)) from None

    def _list(self, bucket: str, prefix: str) -> Iterator[Any]:
        try:
            objects = self.s3.list(bucket, prefix)
            first = next(objects, None)
        except NoSuchKey as exc:
            raise failed(self._missing(exc)) from None

        def items() -> Iterator[Any]:
            o = first
            while o is not None:
                yield {"Etag": o.etag, "Key": o.key, "LastModified": o.last_modified, "Size": o.size,
                       "StorageClass": o.storage_class}
                o = next(objects, None)
        return items()

    # ------------------------------------------------------------------ JSON and JSON Lines

    def _json(self, bucket: str, key: str, size: int) -> Iterator[Any]:
        if size > MAX_JSON_BYTES:
            raise failed(f"The JSON object s3://{bucket}/{key} is {size:,} bytes; a JSON ItemReader reads "
                         f"at most 8 MB ({MAX_JSON_BYTES:,} bytes); use JSONL or CSV for larger data sets")
        with self._open(bucket, key) as f:
            body = f.read()
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise failed(f"The object s3://{bucket}/{key} is not valid JSON: {exc}") from None
        if not isinstance(data, list):
            raise failed(f"The object s3://{bucket}/{key} must contain a JSON array, not a JSON "
                         f"{type(data).__name__.replace('dict', 'object')}")
        return iter(data)

    def _jsonl(self, bucket: str, key: str) -> Iterator[Any]:
        raw = self._open(bucket, key)

        def items() -> Iterator[Any]:
            with _text(raw) as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        yield json.loads(line)
                    except ValueError as exc:
                        raise failed(f"Line {n} of s3://{bucket}/{key} is not a JSON value: {exc}") from None
        return items()

    # ------------------------------------------------------------------ CSV

    def _csv(self, state: str, bucket: str, key: str, config: dict[str, Any]) -> Iterator[Any]:
        where = config.get("CSVHeaderLocation", "FIRST_ROW")
        delimiter_name = config.get("CSVDelimiter", "COMMA")
        if delimiter_name not in DELIMITERS:
            raise failed(f"The ItemReader of state '{state}' has CSVDelimiter {json.dumps(delimiter_name)}; "
                         f"it must be one of {', '.join(DELIMITERS)}")
        given: list[str] | None = None
        if where == "GIVEN":
            given = config.get("CSVHeaders")
            if not isinstance(given, list) or not given or not all(isinstance(h, str) for h in given):
                raise failed(f"The ItemReader of state '{state}' has CSVHeaderLocation GIVEN and needs "
                             "CSVHeaders, a non-empty array of strings")
        elif where != "FIRST_ROW":
            raise failed(f"The ItemReader of state '{state}' has CSVHeaderLocation {json.dumps(where)}; it "
                         "must be FIRST_ROW or GIVEN")
        raw = self._open(bucket, key)
        return _csv_rows(_text(raw), DELIMITERS[delimiter_name], given, f"s3://{bucket}/{key}")

    # ------------------------------------------------------------------ S3 Inventory

    def _manifest(self, bucket: str, key: str, size: int) -> Iterator[Any]:
        if size > MAX_JSON_BYTES:
            raise failed(f"The manifest s3://{bucket}/{key} is {size:,} bytes; at most {MAX_JSON_BYTES:,}")
        with self._open(bucket, key) as f:
            try:
                manifest = json.loads(f.read())
            except (ValueError, UnicodeDecodeError) as exc:
                raise failed(f"The manifest s3://{bucket}/{key} is not valid JSON: {exc}") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
            raise failed(f"The manifest s3://{bucket}/{key} is not an S3 Inventory manifest (it needs 'files')")
        if manifest.get("fileFormat", "CSV") != "CSV":
            raise failed(f"The manifest s3://{bucket}/{key} lists {manifest.get('fileFormat')} files; a "
                         "MANIFEST ItemReader reads S3 Inventory reports in CSV")
        schema = [c.strip() for c in str(manifest.get("fileSchema", "")).split(",") if c.strip()]
        if not schema:
            raise failed(f"The manifest s3://{bucket}/{key} has no fileSchema")
        dest = str(manifest.get("destinationBucket", f"arn:aws:s3:::{bucket}"))
        dest_bucket = dest.rsplit(":", 1)[-1]
        files = [f.get("key") for f in manifest["files"] if isinstance(f, dict)]

        def items() -> Iterator[Any]:
            for data_key in files:
                raw = self._open(dest_bucket, data_key)
                stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if data_key.endswith(".gz") else raw  # type: ignore[assignment]
                yield from _csv_rows(_text(stream), ",", schema, f"s3://{dest_bucket}/{data_key}")
        return items()

    # ------------------------------------------------------------------ Parquet

    def _parquet(self, bucket: str, key: str) -> Iterator[Any]:
        if importlib.util.find_spec("pyarrow") is None:
            raise failed(f"Cannot read the Parquet object s3://{bucket}/{key} locally: reading Parquet needs "
                         "the pyarrow package (pip install pyarrow)")
        import pyarrow.parquet as pq

        raw = self._open(bucket, key)

        def items() -> Iterator[Any]:
            with raw:
                for batch in pq.ParquetFile(raw).iter_batches(batch_size=1024):
                    yield from batch.to_pylist()
        return items()


def _csv_rows(text: IO[str], delimiter: str, given: list[str] | None, where: str) -> Iterator[dict[str, str]]:
    """Rows as objects of strings, keyed by the header (``given``, or the first row)."""
    with text:
        rows = csv.reader(text, delimiter=delimiter)
        header = given
        try:
            for row in rows:
                if not row:
                    continue
                if header is None:
                    if len(codecs.encode(delimiter.join(row), "utf-8")) > MAX_CSV_HEADER_BYTES:
                        raise failed(f"The CSV header of {where} is longer than 10 KiB, the most Step "
                                     "Functions supports")
                    header = row
                    continue
                yield dict(zip(header, row))
        except csv.Error as exc:
            raise failed(f"{where}: line {rows.line_num}: {exc}") from None
        except UnicodeDecodeError as exc:
            raise failed(f"{where} is not UTF-8 text: {exc}") from None


__all__ = ["DELIMITERS", "INPUT_TYPES", "READER_FAILED", "S3ItemReader"]
