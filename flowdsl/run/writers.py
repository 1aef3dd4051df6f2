"""A Distributed Map's ResultWriter over S3 (``arn:aws:states:::s3:putObject``).

Under ``<Prefix>/<map run id>/`` of ``Bucket`` it writes, as Step Functions does, one file of
child-execution records per status (``SUCCEEDED_0.json``, ``FAILED_0.json``; a further
``_1``... past 5 GB) and ``manifest.json`` listing them; the Map state's result is
``{"MapRunArn": ..., "ResultWriterDetails": {"Bucket": ..., "Key": ".../manifest.json"}}``.

``WriterConfig``: ``Transformation`` NONE (the default: whole execution records), COMPACT
(the outputs) or FLATTEN (the outputs, arrays flattened); a failed execution's record is
written whole whatever the transformation. ``OutputType`` JSON (an array) or JSONL (a
record a line). Records are written to temporary files as the iterations end, so a Map
over many items never holds them all.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from typing import IO, Any

from .bindings import MapIteration, ResultWriterCall
from .errors import StatesError
from .s3 import ObjectStore

WRITER_FAILED = "States.ResultWriterFailed"
MAX_RESULT_FILE_BYTES = 5 * 1024 ** 3
STATUSES = ("FAILED", "PENDING", "SUCCEEDED")
TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")
OUTPUT_TYPES = ("JSON", "JSONL")


def _dumps(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def execution_record(it: MapIteration, state_machine_arn: str) -> dict[str, Any]:
    """A child execution as the result files describe it."""
    rec: dict[str, Any] = {"ExecutionArn": it.execution_arn, "Input": _dumps(it.input),
                           "InputDetails": {"Included": True}, "Name": it.name}
    if it.status == "SUCCEEDED":
        rec.update(Output=_dumps(it.output), OutputDetails={"Included": True}, RedriveCount=0,
                   RedriveStatus="NOT_REDRIVABLE",
                   RedriveStatusReason="Execution is SUCCEEDED and cannot be redriven")
    else:
        out = it.output if isinstance(it.output, dict) else {}
        rec.update({k: out[k] for k in ("Error", "Cause") if k in out})
        rec.update(RedriveCount=0, RedriveStatus="REDRIVABLE_BY_MAP_RUN")
    rec.update(StartDate=it.start_date, StateMachineArn=state_machine_arn, Status=it.status,
               StopDate=it.stop_date)
    return rec


def entries(it: MapIteration, transformation: str, state_machine_arn: str) -> list[Any]:
    """What ``it`` contributes to the results under ``transformation``: its whole record
    (NONE, or whenever it failed), its output (COMPACT), or its output's elements (FLATTEN,
    when the output is an array)."""
    if it.status != "SUCCEEDED" or transformation == "NONE":
        return [execution_record(it, state_machine_arn)]
    if transformation == "FLATTEN" and isinstance(it.output, list):
        return list(it.output)
    return [it.output]


def preview(iterations: list[MapIteration], config: Any, map_run_arn: str) -> list[Any]:
    """A ResultWriter with only ``WriterConfig``: the transformed results become the state's
    result instead of being exported."""
    transformation = (config or {}).get("Transformation", "COMPACT") if isinstance(config, dict) else "COMPACT"
    sm = map_run_arn.replace(":mapRun:", ":stateMachine:", 1)
    return [e for it in iterations for e in entries(it, transformation, sm)]


@dataclass
class _File:
    """One status's current result file, spooled on disk."""

    tmp: IO[bytes]
    count: int = 0
    size: int = 0


@dataclass
class S3ResultSink:
    """Writes one Map Run's results (see the module's docstring)."""

    s3: ObjectStore
    bucket: str
    prefix: str  # "<Prefix>/<map run id>/"
    map_run_arn: str
    transformation: str
    output_type: str
    files: dict[str, _File] = field(default_factory=dict)
    written: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {s: [] for s in STATUSES})

    @property
    def state_machine_arn(self) -> str:
        return self.map_run_arn.replace(":mapRun:", ":stateMachine:", 1)

    def add(self, iteration: MapIteration) -> None:
        for entry in entries(iteration, self.transformation, self.state_machine_arn):
            self._append(iteration.status, _dumps(entry).encode())

    def _append(self, status: str, data: bytes) -> None:
        f = self.files.get(status)
        if f is not None and f.size + len(data) > MAX_RESULT_FILE_BYTES:
            self._flush(status)
            f = None
        if f is None:
            f = self.files[status] = _File(tempfile.TemporaryFile())
            if self.output_type == "JSON":
                f.tmp.write(b"[")
                f.size = 1
        sep = (b"," if self.output_type == "JSON" else b"\n") if f.count else b""
        f.tmp.write(sep + data)
        f.count += 1
        f.size += len(sep) + len(data)

    def _flush(self, status: str) -> None:
        f = self.files.pop(status)
        f.tmp.write(b"]" if self.output_type == "JSON" else b"\n")
        size = f.size + 1
        f.tmp.seek(0)
        key = f"{self.prefix}{status}_{len(self.written[status])}.json"
        try:
            self.s3.put(self.bucket, key, f.tmp)
        except OSError as exc:
            raise StatesError(WRITER_FAILED, f"Cannot write s3://{self.bucket}/{key}: {exc}") from None
        finally:
            f.tmp.close()
        self.written[status].append({"Key": key, "Size": size})

    def close(self) -> dict[str, Any]:
        for status in list(self.files):
            self._flush(status)
        manifest = {"DestinationBucket": self.bucket, "MapRunArn": self.map_run_arn,
                    "ResultFiles": {s: self.written[s] for s in STATUSES}}
        key = f"{self.prefix}manifest.json"
        try:
            self.s3.put(self.bucket, key, _dumps(manifest).encode())
        except OSError as exc:
            raise StatesError(WRITER_FAILED, f"Cannot write s3://{self.bucket}/{key}: {exc}") from None
        return {"MapRunArn": self.map_run_arn, "ResultWriterDetails": {"Bucket": self.bucket, "Key": key}}


@dataclass(frozen=True)
class S3ResultWriter:
    """Writes a Map state's results to ``s3`` (a :class:`~flowdsl.run.s3.LocalS3`, or any
    :class:`~flowdsl.run.s3.ObjectStore`)."""

    s3: ObjectStore

    def open(self, call: ResultWriterCall) -> S3ResultSink:
        params = call.parameters if isinstance(call.parameters, dict) else {}
        config = call.writer.get("WriterConfig") or {}
        transformation = config.get("Transformation", "NONE")
        output_type = config.get("OutputType", "JSON")
        if transformation not in TRANSFORMATIONS:
            raise StatesError(WRITER_FAILED, f"The ResultWriter of state '{call.state_name}' has Transformation "
                              f"{_dumps(transformation)}; it must be one of {', '.join(TRANSFORMATIONS)}")
        if output_type not in OUTPUT_TYPES:
            raise StatesError(WRITER_FAILED, f"The ResultWriter of state '{call.state_name}' has OutputType "
                              f"{_dumps(output_type)}; it must be one of {', '.join(OUTPUT_TYPES)}")
        bucket = params.get("Bucket")
        if not isinstance(bucket, str) or not bucket:
            raise StatesError(WRITER_FAILED, f"The ResultWriter of state '{call.state_name}' needs a Bucket "
                              f"(a string), got {_dumps(bucket)}")
        prefix = params.get("Prefix", "")
        prefix = prefix if isinstance(prefix, str) else ""
        run_id = call.map_run_arn.rsplit(":", 1)[-1]
        folder = f"{prefix.rstrip('/')}/{run_id}/" if prefix else f"{run_id}/"
        return S3ResultSink(self.s3, bucket, folder, call.map_run_arn, transformation, output_type)

    def write(self, call: ResultWriterCall) -> Any:
        sink = self.open(call)
        for it in call.iterations:
            sink.add(it)
        return sink.close()


__all__ = ["S3ResultSink", "S3ResultWriter", "WRITER_FAILED", "entries", "execution_record", "preview"]
