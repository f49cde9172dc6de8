"""Handing freed memory back to the operating system (ruralstudy.memory)."""

from __future__ import annotations

import sys

import psutil
import pytest

from ruralstudy.memory import release_unused_memory


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2 ** 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_heap_pages_are_returned_to_the_system():
    """200 MB of 2 KB blocks (glibc's heap, not mmap), freed except the last one, which pins
    the heap's top so that free() alone cannot shrink it: the release hands most of it back."""
    blocks = [bytes(2048) for _ in range(100_000)]
    pin = blocks[-1]
    before_free = _rss_mb()
    del blocks[:-1]
    held = _rss_mb()
    release_unused_memory()  # the blocks were freed by reference counting
    after = _rss_mb()
    assert before_free - held < 50, "free() alone already returned the blocks: no test"
    assert held - after > 150, f"RSS {held:.0f} MB -> {after:.0f} MB"
    assert len(pin) == 2048


def test_live_arrow_and_pandas_data_survive_a_release():
    """Only freed memory is handed back: live Arrow arrays and frames read the same after."""
    import pandas as pd
    import pyarrow as pa

    keep = pa.array(list(range(1000)))
    frame = pd.DataFrame({"region": ["甲县", "乙市"] * 500, "value": range(1000)})
    frame["region"] = frame["region"].astype("string[pyarrow]")
    big = pa.array(list(range(2_000_000)))
    del big
    release_unused_memory()
    assert keep.sum().as_py() == sum(range(1000))
    assert frame["region"].tolist()[:2] == ["甲县", "乙市"] and frame["value"].sum() == 499500
