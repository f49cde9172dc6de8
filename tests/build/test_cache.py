"""The cache key function and cache entries that detect corruption."""

from __future__ import annotations

import json

from ruralstudy.build.cache import Cache, library_digest, notebook_code, step_key

BASE = dict(code="x = 1", params={"min_n": 8}, inputs={"panel": "aa", "raw:000.txt": "bb"},
            library="lib1")


def key(**over):
    kw = {**BASE, **over}
    return step_key("execute", **kw)


def test_key_is_stable_and_order_free():
    assert key() == key()
    assert key(inputs={"raw:000.txt": "bb", "panel": "aa"}) == key()


def test_key_changes_with_every_input():
    k = key()
    assert key(inputs={**BASE["inputs"], "raw:000.txt": "bc"}) != k  # one data byte
    assert key(params={"min_n": 9}) != k  # a parameter
    assert key(code="x = 2") != k  # a code cell
    assert key(library="lib2") != k  # a library module
    assert step_key("render", **BASE) != k  # another step


def _nb(markdown: str, code: str) -> dict:
    return {"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": markdown},
                      {"cell_type": "code", "id": "b", "metadata": {"tags": ["parameters"]},
                       "source": code, "outputs": [{"output_type": "stream", "text": "x"}]}]}


def test_markdown_does_not_change_notebook_code_but_code_does():
    assert notebook_code(_nb("# One", "a = 1")) == notebook_code(_nb("# Two", "a = 1"))
    assert notebook_code(_nb("# One", "a = 1")) != notebook_code(_nb("# One", "a = 2"))
    nb = _nb("# One", "a = 1")
    nb["cells"][1]["outputs"] = []
    assert notebook_code(nb) == notebook_code(_nb("# One", "a = 1"))  # outputs do not count


def test_library_digest_is_content_based():
    assert library_digest() == library_digest() and len(library_digest()) == 64


def test_entries_detect_corruption_and_partial_writes(tmp_path):
    c = Cache(tmp_path)
    c.put("execute", "k1", {"notebook.ipynb": b"{}", "other.txt": b"abc"})
    assert c.read("execute", "k1", "notebook.ipynb") == b"{}"
    (tmp_path / "execute" / "k1" / "other.txt").write_bytes(b"abd")  # corrupted
    assert c.get("execute", "k1") is None and not (tmp_path / "execute" / "k1").exists()
    c.put("execute", "k2", {"notebook.ipynb": b"{}"})
    (tmp_path / "execute" / "k2" / "MANIFEST.json").unlink()  # a crash before the manifest
    assert c.get("execute", "k2") is None
    c.put("execute", "k3", {"notebook.ipynb": b"{}"})
    man = json.loads((tmp_path / "execute" / "k3" / "MANIFEST.json").read_text())
    assert set(man) == {"notebook.ipynb"}


def test_prune_drops_least_recently_used_first_and_keeps_what_is_asked(tmp_path):
    import os

    from ruralstudy.build.cache import parse_size, prune

    c = Cache(tmp_path)
    for i, k in enumerate(["old", "mid", "new"]):
        c.put("execute", k, {"notebook.ipynb": b"x" * 1000})
        t = 1_000_000 + i * 100
        os.utime(tmp_path / "execute" / k / "MANIFEST.json", (t, t))
    assert c.get("execute", "old") is not None  # reading an entry makes it the newest
    rep = prune(tmp_path, limit=2500)
    assert [e.key for e in rep.removed] == ["mid"]
    rep = prune(tmp_path, limit=0, keep={("execute", "new")})
    assert {e.key for e in rep.removed} == {"old"} and c.get("execute", "new") is not None
    assert parse_size("2GB") == 2 * 1024 ** 3 and parse_size("500 MB") == 500 * 1024 ** 2
    assert parse_size("1024") == 1024


def test_prune_unused_keeps_only_the_last_builds_entries(tmp_path):
    from ruralstudy.build.cache import USED_FILE, prune

    c = Cache(tmp_path)
    c.put("execute", "a", {"notebook.ipynb": b"{}"})
    c.put("render", "b", {"page.json": b"{}"})
    (tmp_path / "execute" / ".tmp-leftover").mkdir()
    (tmp_path / USED_FILE).write_text(json.dumps([["render", "b"]]))
    rep = prune(tmp_path, unused=True)
    assert [e.key for e in rep.removed] == ["a"]
    assert c.get("render", "b") is not None and not (tmp_path / "execute" / ".tmp-leftover").exists()


def test_digest_frame_is_content_based_and_the_same_in_another_process():
    import subprocess
    import sys

    import pandas as pd

    from ruralstudy.build.cache import digest_frame

    df = pd.DataFrame({"region": ["甲县", "乙市", None], "value": [1.5, float("nan"), 3.0],
                       "year": pd.array([2023, None, 2022], dtype="Int64")})
    d = digest_frame(df)
    assert d == digest_frame(df.copy())
    assert d != digest_frame(df.assign(value=[1.5, float("nan"), 3.0000001]))
    assert d != digest_frame(df.iloc[::-1])  # row order counts
    assert d != digest_frame(df.rename(columns={"value": "v"}))
    assert d != digest_frame(df.astype({"year": "float64"}))
    assert digest_frame(df.iloc[0:0]) != digest_frame(df.iloc[0:0, :2])
    code = ("import pandas as pd; from ruralstudy.build.cache import digest_frame; "
            "df = pd.DataFrame({'region': ['甲县', '乙市', None], 'value': [1.5, float('nan'), 3.0], "
            "'year': pd.array([2023, None, 2022], dtype='Int64')}); print(digest_frame(df))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONHASHSEED": "12345"})
    assert out.stdout.strip() == d


def test_digest_frame_groups_equal_digest_frame_of_each_slice():
    import pandas as pd

    from ruralstudy.build.cache import digest_frame, digest_frame_groups

    df = pd.DataFrame({"region": ["乙", "甲", "乙", "丙", "甲"], "value": [1.0, 2.0, None, 4.0, 5.0],
                       "unit": ["个", "%", "个", None, "%"]})
    groups = digest_frame_groups(df, "region")
    assert groups == {k: digest_frame(g) for k, g in df.groupby("region")}
    assert len(set(groups.values())) == 3
    assert digest_frame_groups(df.iloc[0:0], "region") == {}


def test_frame_memo_gives_the_stored_frames_and_makes_them_once(tmp_path):
    """The sheets' frames are made once per set of file digests and library, and a build
    that finds them gets the frames a build that made them got (read back from Parquet)."""
    import pandas as pd

    from ruralstudy.build.cache import Cache, FrameMemo, own_cache

    own_cache(tmp_path / "c")
    made = []

    def make():
        made.append(1)
        return {"rows": pd.DataFrame({"region": ["甲县", None], "value": [1.5, float("nan")],
                                      "year": pd.array([2021, None], dtype="Int64")}),
                "rejects": pd.DataFrame({"reason": pd.Series([], dtype="string")})}

    used: set = set()
    memo = FrameMemo(Cache(tmp_path / "c"), used, "lib")
    first = memo("sheets", {"a.csv": "d1"}, make)
    again = FrameMemo(Cache(tmp_path / "c"), set(), "lib")("sheets", {"a.csv": "d1"}, make)
    assert made == [1] and set(first) == {"rows", "rejects"}
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert first["rows"]["year"].dtype == "Int64" and len(used) == 1
    memo("sheets", {"a.csv": "d2"}, make)  # a sheet changed: made again
    FrameMemo(Cache(tmp_path / "c"), set(), "other library")("sheets", {"a.csv": "d1"}, make)
    assert made == [1, 1, 1]
    dry = FrameMemo(Cache(tmp_path / "c"), set(), "lib", write=False)
    dry("sheets", {"a.csv": "d3"}, make)
    dry("sheets", {"a.csv": "d3"}, make)
    assert made == [1, 1, 1, 1, 1]  # a dry run stores nothing
