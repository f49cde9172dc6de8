"""Incremental aggregates (ruralstudy.build.incremental): a frame recombined from cached pieces
after a change equals the frame computed from scratch, and only changed items are computed.
No timing: what is checked is which items were computed and the bytes of the result."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy import iorw
from ruralstudy.build.cache import Cache, own_cache
from ruralstudy.build.graph import State
from ruralstudy.build.incremental import Pieces, doc_keys


def _pieces(tmp_path, write=True):
    root = tmp_path / "cache"
    own_cache(root)
    return Pieces(Cache(root), State(root / "state.json"), set(), write=write)


def _rows(items):
    """A row-wise function of each item: two rows per item, with typed columns."""
    out = []
    for i in items:
        n = int(i[1:])
        out += [{"doc_id": i, "start": n, "value": n / 3, "year": pd.NA if n % 2 else 2020,
                 "text": f"{i}-a"},
                {"doc_id": i, "start": n + 1, "value": float("nan"), "year": 2021,
                 "text": f"{i}-b"}]
    df = pd.DataFrame(out, columns=["doc_id", "start", "value", "year", "text"])
    df["year"] = df["year"].astype("Int64")
    return df


def _combine(p, items, keys=None):
    computed = []

    def compute(todo):
        computed.extend(todo)
        return _rows(todo)

    keys = keys or {i: f"k{i}" for i in items}
    return p.combine("t", keys, "doc_id", compute, salt="lib"), computed


def test_adding_an_item_computes_only_that_item_and_equals_scratch(tmp_path):
    p = _pieces(tmp_path)
    items = [f"d{n}" for n in range(10)]
    _, first = _combine(p, items)
    assert first == items
    more = items[:5] + ["d99"] + items[5:]  # a new report in the middle of the corpus order
    inc, computed = _combine(p, more)
    assert computed == ["d99"]
    scratch, _ = _combine(_pieces(tmp_path / "other"), more)
    assert iorw.frame_to_parquet_bytes(inc) == iorw.frame_to_parquet_bytes(scratch)
    pd.testing.assert_frame_equal(inc, scratch)


def test_changed_and_removed_items(tmp_path):
    p = _pieces(tmp_path)
    items = [f"d{n}" for n in range(6)]
    _combine(p, items)
    keys = {i: f"k{i}" for i in items if i != "d2"}
    keys["d4"] = "changed"
    inc, computed = _combine(p, list(keys), keys)
    assert computed == ["d4"]
    assert "d2" not in set(inc["doc_id"])
    scratch, _ = _combine(_pieces(tmp_path / "other"), list(keys), keys)
    pd.testing.assert_frame_equal(inc, scratch)


def test_unchanged_items_read_the_combined_frame_and_compute_nothing(tmp_path):
    p = _pieces(tmp_path)
    items = ["d1", "d2"]
    a, _ = _combine(p, items)
    b, computed = _combine(p, items)
    assert computed == []
    pd.testing.assert_frame_equal(a, b)


def test_a_lost_combined_entry_is_recomputed(tmp_path):
    import shutil

    p = _pieces(tmp_path)
    _combine(p, ["d1", "d2"])
    shutil.rmtree(tmp_path / "cache" / "pieces-t")
    _, computed = _combine(p, ["d1", "d2", "d3"])
    assert computed == ["d1", "d2", "d3"]


def test_dry_run_writes_nothing(tmp_path):
    p = _pieces(tmp_path, write=False)
    _combine(p, ["d1"])
    assert not (tmp_path / "cache" / "pieces-t").exists()


def test_doc_keys_follow_content_and_extra():
    f = _rows(["d1", "d2"])
    k = doc_keys(f)
    assert list(k) == ["d1", "d2"]
    g = f.copy()
    g.loc[g.doc_id == "d2", "value"] = 7.0
    k2 = doc_keys(g)
    assert k2["d1"] == k["d1"] and k2["d2"] != k["d2"]
    assert doc_keys(f, {"d1": "other"})["d1"] != k["d1"]


@pytest.fixture(scope="module")
def seed_observations():
    from ruralstudy.build.pipeline import (extract_quietly, manifest_published,
                                           manifest_region_codes)
    from ruralstudy.paths import Paths
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.tables.indicators import observe_figures, observe_sheets
    from ruralstudy.tables.sheets import load_sheets
    from conftest import ROOT

    p = Paths(ROOT)
    figures = extract_quietly(p)
    cb = load_codebook()
    return (p, figures, observe_figures(figures, cb, manifest_region_codes(p),
                                        manifest_published(p)),
            observe_sheets(load_sheets(p.sheets).rows, cb))


def test_fast_combination_equals_combine_observations(seed_observations):
    from ruralstudy.build.pipeline import combined_observations
    from ruralstudy.tables.indicators import combine_observations

    _, _, rep, sheets = seed_observations
    a, b = combine_observations(rep, sheets), combined_observations(rep, sheets)
    pd.testing.assert_frame_equal(a, b)
    assert iorw.frame_to_csv_bytes(a) == iorw.frame_to_csv_bytes(b)


def test_observations_from_pieces_equal_observe_figures(seed_observations, tmp_path):
    """Per-report observations, cached and recombined after a report is added, are the
    observations of the whole corpus computed at once."""
    from ruralstudy.build.incremental import observe_reports
    from ruralstudy.build.pipeline import manifest_published, manifest_region_codes
    from ruralstudy.measures.codebook import load_codebook

    p, figures, whole, _ = seed_observations
    cb, codes, pub = load_codebook(), manifest_region_codes(p), manifest_published(p)
    pieces = _pieces(tmp_path)
    last = figures["doc_id"].iloc[-1]
    observe_reports(pieces, figures[figures.doc_id != last], cb, codes, pub, "lib")
    inc = observe_reports(pieces, figures, cb, codes, pub, "lib")
    assert pieces.computed["observe"] == [last]
    pd.testing.assert_frame_equal(inc.reset_index(drop=True), whole.reset_index(drop=True),
                                  check_dtype=False)


def test_observations_keyed_by_extraction_keys(seed_observations, tmp_path):
    """Given each report's extraction key, the pieces are keyed by it (no hashing of the
    figures): the same observations; a changed key recomputes that report only; a report
    without a key falls back to hashing every report's rows."""
    from ruralstudy.build.incremental import observe_reports
    from ruralstudy.build.pipeline import manifest_published, manifest_region_codes
    from ruralstudy.measures.codebook import load_codebook

    p, figures, whole, _ = seed_observations
    cb, codes, pub = load_codebook(), manifest_region_codes(p), manifest_published(p)
    docs = list(pd.unique(figures["doc_id"]))
    content = {d: f"key-{d}" for d in docs}
    pieces = _pieces(tmp_path)
    first = observe_reports(pieces, figures, cb, codes, pub, "lib", content)
    assert pieces.computed["observe"] == docs
    pd.testing.assert_frame_equal(first.reset_index(drop=True), whole.reset_index(drop=True),
                                  check_dtype=False)
    again = observe_reports(pieces, figures, cb, codes, pub, "lib", content)
    assert pieces.computed["observe"] == []
    observe_reports(pieces, figures, cb, codes, pub, "lib", {**content, docs[1]: "changed"})
    assert pieces.computed["observe"] == [docs[1]]
    partial = {d: k for d, k in content.items() if d != docs[0]}
    hashed = observe_reports(pieces, figures, cb, codes, pub, "lib", partial)
    assert pieces.computed["observe"] == docs  # keyed by rows now: nothing matches
    pd.testing.assert_frame_equal(hashed, again, check_exact=True)


def test_observations_computed_a_few_reports_at_a_time_equal_all_at_once(seed_observations,
                                                                         tmp_path, monkeypatch):
    """A cold build computes the pieces a slice of reports at a time (memory): the combined
    frame is the one computed all at once, byte for byte as stored."""
    from ruralstudy.build import incremental
    from ruralstudy.build.incremental import observe_reports
    from ruralstudy.build.pipeline import manifest_published, manifest_region_codes
    from ruralstudy.measures.codebook import load_codebook

    p, figures, _, _ = seed_observations
    cb, codes, pub = load_codebook(), manifest_region_codes(p), manifest_published(p)
    assert figures["doc_id"].nunique() >= 3
    whole = observe_reports(_pieces(tmp_path / "a"), figures, cb, codes, pub, "lib")
    monkeypatch.setattr(incremental, "CHUNK", 2)
    sliced_pieces = _pieces(tmp_path / "b")
    sliced = observe_reports(sliced_pieces, figures, cb, codes, pub, "lib")
    assert len(sliced_pieces.computed["observe"]) == figures["doc_id"].nunique()
    assert iorw.frame_to_parquet_bytes(sliced) == iorw.frame_to_parquet_bytes(whole)


def _stored_back(p, name="t"):
    """The combined frame a later build reads back from the entry the last combine stored."""
    from ruralstudy.build.incremental import FRAME, STATE_KEY, read_stored

    key = p.state.data[STATE_KEY][f"pieces-{name}"]
    return read_stored(p.cache.load(f"pieces-{name}", key)[FRAME])


def test_recombined_frame_is_the_stored_frame_read_back(tmp_path):
    """The kept rows and the new rows are concatenated without reading the whole back: the
    result is still, dtype for dtype, what the store gives a later build."""
    p = _pieces(tmp_path)
    items = [f"d{n}" for n in range(6)]
    _combine(p, items)
    inc, computed = _combine(p, items + ["d7"])
    assert computed == ["d7"]
    pd.testing.assert_frame_equal(inc, _stored_back(p), check_exact=True)
    assert list(inc.dtypes) == list(_stored_back(p).dtypes)


def test_parts_whose_dtypes_differ_are_read_back_whole(tmp_path):
    """A new item whose column holds only missing values gets another Arrow type than the
    kept rows' (null against string): the parts are not concatenated as they are, and the
    result is still the stored frame read back."""
    from ruralstudy.build.incremental import same_columns, stored

    p = _pieces(tmp_path)

    def rows(todo):  # row-wise per item, as compute must be: d9's text is missing
        df = _rows(todo).astype({"text": object})
        df.loc[df["doc_id"] == "d9", "text"] = None
        return df

    p.combine("t", {f"d{n}": f"k{n}" for n in range(4)}, "doc_id", rows, salt="lib")
    keys = {**{f"d{n}": f"k{n}" for n in range(4)}, "d9": "k9"}
    inc = p.combine("t", keys, "doc_id", rows, salt="lib")
    kept, new = stored(_rows(["d0"])), stored(rows(["d9"]))
    assert not same_columns([kept, new])  # the case this test is about
    pd.testing.assert_frame_equal(inc, _stored_back(p), check_exact=True)
    scratch = _pieces(tmp_path / "other").combine("t", keys, "doc_id", rows, salt="lib")
    pd.testing.assert_frame_equal(inc, scratch, check_exact=True)
