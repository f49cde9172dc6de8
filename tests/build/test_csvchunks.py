"""The large processed CSV tables written from their unchanged chunks
(ruralstudy.build.csvchunks): the bytes always equal one ``to_csv`` of the whole frame, the
unchanged chunks of the last written file are reused, and a file changed since it was written
is never trusted. No timing: what is checked is bytes and which chunks were reused."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from ruralstudy import iorw
from ruralstudy.build.cache import Cache, own_cache
from ruralstudy.build.csvchunks import CsvChunks, chunk_bounds
from ruralstudy.build.graph import State

NAME = "figures.csv"


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Rows with what CSV quoting and number formatting must get right: commas, quotes,
    newlines and Chinese in text, missing values, nullable integers, floats, booleans."""
    rng = np.random.default_rng(seed)
    texts = np.array(["村“两委”干部", 'a "quoted", value', "two\nlines", "", "共有行政村86个",
                      "=1+1", "plain"], dtype=object)
    df = pd.DataFrame({
        "doc_id": [f"d{i // 7:05d}" for i in range(n)],
        "start": np.arange(n, dtype=np.int64) * 3,
        "text": texts[rng.integers(0, len(texts), n)],
        "value": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40, 9, n)),
        "year": pd.array(np.where(rng.random(n) < 0.2, None, 2020 + rng.integers(0, 4, n)),
                         dtype="Int64"),
        "flag": rng.random(n) < 0.5,
    })
    df["text"] = df["text"].astype("string")
    return df


def _chunks(tmp_path, write=True) -> CsvChunks:
    root = tmp_path / "cache"
    own_cache(root)
    (tmp_path / "processed").mkdir(exist_ok=True)
    return CsvChunks(Cache(root), State(root / "state.json"), set(), tmp_path / "processed",
                     write=write)


def _build(tmp_path, df: pd.DataFrame) -> tuple[bytes, int, int]:
    """One build: the CSV as the build makes it, written to the processed folder; the state
    is kept for the next build (as ``BuildRun`` saves it). Returns bytes, chunks reused and
    chunks in all."""
    c = _chunks(tmp_path)
    data = c.csv(NAME, df)
    n = len(c.pending[NAME]["chunks"])
    iorw.write_files_together(tmp_path / "processed", {NAME: data})
    c.written()
    c.state.save()
    return data, c.reused[NAME], n


def test_bytes_equal_one_to_csv_of_the_whole_frame_after_every_kind_of_change(tmp_path):
    df = _frame(20_000)
    data, reused, n = _build(tmp_path, df)
    assert data == iorw.frame_to_csv_bytes(df)
    assert reused == 0 and n > 5  # a first build: every chunk formatted
    # a report's rows added in the middle
    added = pd.concat([df.iloc[:9_000], _frame(40, seed=7).assign(doc_id="d01285x"),
                       df.iloc[9_000:]], ignore_index=True)
    data, reused, n = _build(tmp_path, added)
    assert data == iorw.frame_to_csv_bytes(added)
    assert n - reused <= 2  # only the chunk(s) holding the new rows were formatted
    # one row changed, some rows removed
    changed = added.drop(index=range(100, 130)).reset_index(drop=True)
    changed.loc[15_000, "value"] = -1.5
    data, reused, n = _build(tmp_path, changed)
    assert data == iorw.frame_to_csv_bytes(changed)
    assert n - reused <= 4
    # unchanged: every chunk reused
    data, reused, n = _build(tmp_path, changed)
    assert data == iorw.frame_to_csv_bytes(changed) and reused == n


def test_a_processed_file_changed_since_it_was_written_is_not_trusted(tmp_path):
    df = _frame(8_000)
    _build(tmp_path, df)
    target = tmp_path / "processed" / NAME
    text = target.read_bytes()
    # same size, other bytes, the modification time put back: the change time still moved
    st = target.stat()
    target.write_bytes(text.replace(b"plain", b"PLAIN"))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    c = _chunks(tmp_path)
    data = c.csv(NAME, df)
    assert data == iorw.frame_to_csv_bytes(df)
    assert c.reused[NAME] == 0


def test_a_copied_file_with_the_same_bytes_is_still_used(tmp_path):
    """A project copied elsewhere (``cp -a``: new inode and change time) keeps its chunks: the
    file's bytes are checked against the digest recorded when it was written."""
    df = _frame(8_000)
    _build(tmp_path, df)
    target = tmp_path / "processed" / NAME
    data = target.read_bytes()
    target.unlink()
    target.write_bytes(data)  # another file with the same bytes
    c = _chunks(tmp_path)
    assert c.csv(NAME, df) == iorw.frame_to_csv_bytes(df)
    assert c.reused[NAME] == len(c.pending[NAME]["chunks"]) > 0


def test_a_missing_file_or_index_formats_everything(tmp_path):
    df = _frame(6_000)
    _build(tmp_path, df)
    (tmp_path / "processed" / NAME).unlink()
    c = _chunks(tmp_path)
    assert c.csv(NAME, df) == iorw.frame_to_csv_bytes(df) and c.reused[NAME] == 0
    c = _chunks(tmp_path / "other")
    assert c.csv(NAME, df) == iorw.frame_to_csv_bytes(df) and c.reused[NAME] == 0


@pytest.mark.parametrize("n", [0, 1, 3])
def test_small_and_empty_frames(tmp_path, n):
    df = _frame(n)
    data, _, _ = _build(tmp_path, df)
    assert data == iorw.frame_to_csv_bytes(df)
    assert data.startswith(b"doc_id,start,text,value,year,flag\n")


def test_cuts_depend_on_the_rows_not_their_positions():
    h = pd.util.hash_pandas_object(_frame(30_000), index=False).to_numpy()
    b = chunk_bounds(h)
    assert b[0] == 0 and b[-1] == len(h) and np.all(np.diff(b) > 0)
    shifted = chunk_bounds(np.concatenate([h[:5], h]))  # five rows in front
    assert set((b[1:-1] + 5).tolist()) <= set(shifted.tolist())


def test_a_dry_run_records_nothing(tmp_path):
    df = _frame(3_000)
    c = _chunks(tmp_path, write=False)
    iorw.write_files_together(tmp_path / "processed", {NAME: c.csv(NAME, df)})
    c.written()
    assert "__csv_chunks__" not in c.state.data
