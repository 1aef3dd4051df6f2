"""A Distributed Map's ItemBatcher: items grouped into batches, each one child execution's
input ``{"BatchInput": ..., "Items": [...]}`` (``BatchInput`` only when the batcher has one).

A batch holds at most ``max_items`` items and at most ``max_bytes`` bytes of serialised input
(a single item larger than that is a batch of its own); items keep their order.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator

MAX_BATCH_BYTES = 256 * 1024  # MaxInputBytesPerBatch cannot exceed 256 KiB


def _size(v: Any) -> int:
    return len(json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode())


def batches(items: Iterable[Any], max_items: int | None, max_bytes: int | None,
            batch_input: Any = None, has_batch_input: bool = False) -> Iterator[dict[str, Any]]:
    """``items`` in batches, lazily."""
    limit = min(max_bytes, MAX_BATCH_BYTES) if max_bytes else MAX_BATCH_BYTES
    head: dict[str, Any] = {"BatchInput": batch_input} if has_batch_input else {}
    empty = _size({**head, "Items": []})
    batch: list[Any] = []
    size = empty
    for item in items:
        n = _size(item) + (1 if batch else 0)
        if batch and ((max_items is not None and len(batch) >= max_items) or size + n > limit):
            yield {**head, "Items": batch}
            batch, size, n = [], empty, n - 1
        batch.append(item)
        size += n
    if batch:
        yield {**head, "Items": batch}


__all__ = ["MAX_BATCH_BYTES", "batches"]
