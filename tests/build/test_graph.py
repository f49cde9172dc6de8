"""The no-op check's parts in ruralstudy.build.graph: the input stat cache (InputStats), the
output check (output_stats, outputs_unchanged) and the last complete build's record
(BuildRecord). Unit tests on a few files; the whole build's no-op is in test_build_logic.py.

The stat cache must never give an old digest for an edited file. Which edits are seen, and how:

- content changed, size changed: the size;
- same size, mtime restored with ``os.utime`` (``touch -d``): the ctime, which utime moves;
- same size and times, file replaced by a rename (editors, git): the inode (and the ctime);
- same size, edited within the same timestamp tick as the hash, so that size, mtime, inode and
  ctime all read as recorded (a coarse-clock file system): the racy-clean rule, which trusts
  no entry whose mtime or ctime is within ``RACY_MARGIN_NS`` of the cache's writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from ruralstudy.build import graph
from ruralstudy.build.graph import (BuildRecord, InputStats, file_digests, files_under,
                                    output_sizes, output_stats, outputs_unchanged)

TICK = 0.02  # s: more than a kernel timestamp tick (at most 10 ms), so stats move between steps


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_inputs(root: Path) -> dict[str, Path]:
    files = {"data/raw/a.txt": "甲县2023年全县共有行政村40个。\n",
             "data/raw/sub/b.csv": "x,y\n1,2\n",
             "data/manual/overrides.csv": "target,action\n"}
    out = {}
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
        out[rel] = f
    return out


def entries(files: dict[str, Path]) -> list[tuple[str, str]]:
    return sorted((rel, str(f)) for rel, f in files.items())


def settled(tmp_path: Path, files: dict[str, Path], margin_ns: int = 0) -> InputStats:
    """A stat cache written after hashing ``files``, read back as a new build would."""
    cache = tmp_path / "cache" / "input-stats.json"
    first = InputStats(cache, margin_ns=margin_ns)
    first.digests(entries(files))
    time.sleep(TICK)  # the files' ctimes are older than the cache's writing
    first.save()
    return InputStats(cache, margin_ns=margin_ns)


def same_size_edit(f: Path, restore_mtime: bool = True) -> None:
    """Change one character of ``f`` keeping its size (and its mtime when asked)."""
    st = f.stat()
    data = f.read_bytes()
    new = data.replace("40".encode(), "41".encode()) if b"40" in data else data[:-1] + b"!"
    assert new != data and len(new) == len(data)
    with open(f, "r+b") as fh:  # in place: the inode stays
        fh.write(new)
    if restore_mtime:
        os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert f.stat().st_mtime_ns == st.st_mtime_ns and f.stat().st_size == st.st_size


# --- the input stat cache ---------------------------------------------------------------------

def test_digests_are_file_digests_and_unchanged_files_are_not_read_again(tmp_path):
    files = make_inputs(tmp_path)
    cache = tmp_path / "cache" / "input-stats.json"
    first = InputStats(cache, margin_ns=0)
    got = first.digests(entries(files))
    assert got == file_digests(files.values(), tmp_path)  # the very digests the build used
    assert sorted(first.hashed) == sorted(files) and first.changed
    time.sleep(TICK)
    first.save()
    again = InputStats(cache, margin_ns=0)
    assert again.digests(entries(files)) == got
    assert again.hashed == [] and not again.changed
    mtime = cache.stat().st_mtime_ns
    again.save()  # nothing changed: nothing written
    assert cache.stat().st_mtime_ns == mtime


def test_an_edit_keeping_size_and_mtime_is_seen_by_its_ctime(tmp_path):
    files = make_inputs(tmp_path)
    stats = settled(tmp_path, files)
    f = files["data/raw/a.txt"]
    same_size_edit(f)  # what `touch -d` after an edit, or a careful tool, leaves
    got = stats.digests(entries(files))
    assert stats.hashed == ["data/raw/a.txt"]
    assert got["data/raw/a.txt"] == sha(f.read_bytes())


def test_a_file_replaced_by_a_rename_with_the_same_size_and_mtime_is_seen(tmp_path):
    files = make_inputs(tmp_path)
    stats = settled(tmp_path, files)
    f = files["data/raw/sub/b.csv"]
    st = f.stat()
    tmp = f.with_name("b.csv.new")
    tmp.write_bytes(b"x,y\n1,3\n")
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, f)  # as editors and git write files
    got = stats.digests(entries(files))
    assert stats.hashed == ["data/raw/sub/b.csv"]
    assert got["data/raw/sub/b.csv"] == sha(b"x,y\n1,3\n")


def test_an_edit_with_a_new_size_or_mtime_is_seen(tmp_path):
    files = make_inputs(tmp_path)
    stats = settled(tmp_path, files)
    files["data/raw/a.txt"].write_text("longer text than before\n", encoding="utf-8")
    same_size_edit(files["data/manual/overrides.csv"], restore_mtime=False)
    got = stats.digests(entries(files))
    assert sorted(stats.hashed) == ["data/manual/overrides.csv", "data/raw/a.txt"]
    assert got == file_digests(files.values(), tmp_path)


@pytest.fixture()
def coarse_clock(monkeypatch):
    """A file system whose timestamps have a granularity of a second and no usable ctime
    (FAT-like): an in-place edit of the same size within the same second leaves the stat as
    it was."""
    def key(st: os.stat_result) -> tuple[int, int, int, int]:
        return (st.st_size, st.st_mtime_ns // 10 ** 9 * 10 ** 9, st.st_ino, 0)

    monkeypatch.setattr(graph, "stat_key", key)


def racy_edit(tmp_path: Path, margin_ns: int) -> tuple[InputStats, Path, dict[str, Path]]:
    """Hash a file, write the cache, then edit the file in the same second keeping its size:
    its stat (as the coarse clock gives it) is the recorded one."""
    files = make_inputs(tmp_path)
    f = files["data/raw/a.txt"]
    now = time.time_ns()
    os.utime(f, ns=(now, now))
    cache = tmp_path / "cache" / "input-stats.json"
    first = InputStats(cache, margin_ns=margin_ns)
    first.digests(entries(files))
    first.save()
    same_size_edit(f)  # the mtime is the one hashed; the ctime is not looked at
    assert graph.stat_key(f.stat())[:2] == tuple(first.entries["data/raw/a.txt"][:2])
    return InputStats(cache, margin_ns=margin_ns), f, files


def test_a_racily_clean_entry_is_hashed_again(tmp_path, coarse_clock):
    stats, f, files = racy_edit(tmp_path, margin_ns=graph.RACY_MARGIN_NS)
    got = stats.digests(entries(files))
    assert "data/raw/a.txt" in stats.hashed
    assert got["data/raw/a.txt"] == sha(f.read_bytes())


def test_without_the_racy_rule_that_edit_would_be_missed(tmp_path, coarse_clock):
    """The case the rule is for: with no margin, the recorded stat is trusted and the old
    digest given (this is what the default margin prevents; see the test above)."""
    stats, f, files = racy_edit(tmp_path, margin_ns=-10 ** 12)  # trust even the future
    got = stats.digests(entries(files))
    assert stats.hashed == []
    assert got["data/raw/a.txt"] != sha(f.read_bytes())


def test_racy_entries_are_trusted_once_older_than_the_margin(tmp_path, monkeypatch):
    files = make_inputs(tmp_path)
    cache = tmp_path / "cache" / "input-stats.json"
    first = InputStats(cache)  # the default margin: every file was just written
    first.digests(entries(files))
    first.save()
    second = InputStats(cache)
    second.digests(entries(files))
    assert sorted(second.hashed) == sorted(files)  # too recent to trust: hashed again
    assert second.changed
    later = time.time_ns() + 2 * graph.RACY_MARGIN_NS
    monkeypatch.setattr(graph.time, "time_ns", lambda: later)  # saved a while later
    second.save()
    third = InputStats(cache)
    assert third.digests(entries(files)) == file_digests(files.values(), tmp_path)
    assert third.hashed == []


def test_added_removed_and_unreadable_files(tmp_path):
    files = make_inputs(tmp_path)
    stats = settled(tmp_path, files)
    files["data/raw/sub/b.csv"].unlink()
    del files["data/raw/sub/b.csv"]
    new = tmp_path / "data/raw/c.txt"
    new.write_text("新\n", encoding="utf-8")
    files["data/raw/c.txt"] = new
    broken = tmp_path / "data/raw/broken.txt"
    broken.symlink_to(tmp_path / "nowhere")
    got = stats.digests(entries(files) + [("data/raw/broken.txt", str(broken))])
    assert stats.hashed == ["data/raw/c.txt"] and stats.changed
    assert got["data/raw/broken.txt"] == "unreadable"
    assert set(stats.entries) == {"data/raw/a.txt", "data/raw/c.txt", "data/manual/overrides.csv"}


@pytest.mark.parametrize("content", [b"", b"not json", b'{"v": 1}', b'{"v": 99, "files": {}}',
                                     b'{"v": 1, "written_ns": "x", "files": {}}', b"[]",
                                     b'{"v": 1, "written_ns": 0, "files": {"data/raw/a.txt": 5}}'])
def test_an_unreadable_or_foreign_cache_means_hashing_everything(tmp_path, content):
    files = make_inputs(tmp_path)
    cache = tmp_path / "cache" / "input-stats.json"
    cache.parent.mkdir()
    cache.write_bytes(content)
    stats = InputStats(cache, margin_ns=0)
    assert stats.digests(entries(files)) == file_digests(files.values(), tmp_path)
    assert sorted(stats.hashed) == sorted(files)


def test_a_forged_entry_with_another_stat_is_not_trusted(tmp_path):
    files = make_inputs(tmp_path)
    stats = settled(tmp_path, files)
    cache = stats.path
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["files"]["data/raw/a.txt"][1] += 1  # another mtime: another file
    data["files"]["data/raw/a.txt"][4] = "0" * 64
    cache.write_text(json.dumps(data), encoding="utf-8")
    stats = InputStats(cache, margin_ns=0)
    got = stats.digests(entries(files))
    assert stats.hashed == ["data/raw/a.txt"] and got["data/raw/a.txt"] != "0" * 64


def test_files_under_lists_what_rglob_and_is_file_list(tmp_path):
    root = tmp_path / "raw"
    make_inputs(tmp_path)
    (tmp_path / "data/raw/.hidden").write_text("h", encoding="utf-8")
    (tmp_path / "data/raw/deep/er").mkdir(parents=True)
    (tmp_path / "data/raw/deep/er/c.txt").write_text("c", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("o", encoding="utf-8")
    (tmp_path / "data/raw/linked").symlink_to(outside)  # a linked folder: not entered
    (tmp_path / "data/raw/link.txt").symlink_to(outside / "o.txt")  # a linked file: listed
    (tmp_path / "data/raw/dangling").symlink_to(tmp_path / "nowhere")
    root = tmp_path / "data/raw"
    want = sorted((p.relative_to(tmp_path).as_posix(), str(p)) for p in root.rglob("*")
                  if p.is_file())
    assert sorted(files_under(root, "data/raw/")) == want
    assert "data/raw/link.txt" in dict(want) and "data/raw/linked/o.txt" not in dict(want)


# --- outputs and the record -------------------------------------------------------------------

def make_outputs(root: Path) -> list[Path]:
    (root / "data/processed").mkdir(parents=True)
    (root / "data/processed/figures.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "reports/.site-builds/s1/regions").mkdir(parents=True)
    (root / "reports/.site-builds/s1/index.html").write_text("<p>x</p>", encoding="utf-8")
    (root / "reports/.site-builds/s1/regions/a.html").write_text("<p>a</p>", encoding="utf-8")
    (root / "reports/site").symlink_to(".site-builds/s1")  # the site is a link, as built
    return [root / "data/processed", root / "reports/site"]


def test_output_stats_lists_what_output_sizes_lists(tmp_path):
    folders = make_outputs(tmp_path)
    stats = output_stats(tmp_path, folders)
    flat = {f"{d}/{n}": v[0] for d, names in stats.items() for n, v in names.items()}
    assert flat == output_sizes(tmp_path, folders)
    assert set(stats) == {"data/processed", "reports/site", "reports/site/regions"}


def test_outputs_unchanged_sees_a_deleted_resized_or_rewritten_file(tmp_path):
    folders = make_outputs(tmp_path)
    rec = output_stats(tmp_path, folders)
    assert outputs_unchanged(tmp_path, rec)
    (tmp_path / "reports/site/new.html").write_text("added", encoding="utf-8")
    assert outputs_unchanged(tmp_path, rec)  # files added since are not looked at
    page = tmp_path / "reports/site/regions/a.html"
    page.unlink()
    assert not outputs_unchanged(tmp_path, rec)
    page.write_text("<p>a</p>", encoding="utf-8")
    rec = output_stats(tmp_path, folders)
    page.write_text("<p>aa</p>", encoding="utf-8")
    assert not outputs_unchanged(tmp_path, rec)
    rec = output_stats(tmp_path, folders)
    time.sleep(TICK)
    page.write_text("<p>b!</p>", encoding="utf-8")  # same size, other bytes: a new mtime
    assert not outputs_unchanged(tmp_path, rec)
    rec = output_stats(tmp_path, folders)
    (tmp_path / "reports/site").unlink()  # the whole site gone
    assert not outputs_unchanged(tmp_path, rec)


def test_build_record_round_trip_and_unreadable_records(tmp_path):
    folders = make_outputs(tmp_path)
    path = tmp_path / "cache" / "build-record.json"
    assert BuildRecord.load(path) is None  # none yet: plan the graph
    rec = BuildRecord("f" * 64, ["extract 000", "site"], "n" * 64, output_stats(tmp_path, folders))
    rec.save(path)
    back = BuildRecord.load(path)
    assert back == rec
    assert back.up_to_date("f" * 64, tmp_path) == ["extract 000", "site"]
    assert back.up_to_date("g" * 64, tmp_path) is None
    (tmp_path / "data/processed/figures.csv").unlink()
    assert back.up_to_date("f" * 64, tmp_path) is None
    for bad in (b"", b"{", b"[]", b'{"v": 2}', b'{"v": 1, "fingerprint": "f"}',
                b'{"v": 1, "fingerprint": "f", "steps": [], "notebook_inputs": "", "outputs": []}'):
        path.write_bytes(bad)
        assert BuildRecord.load(path) is None


def test_a_malformed_outputs_listing_never_says_unchanged(tmp_path):
    make_outputs(tmp_path)
    assert not outputs_unchanged(tmp_path, {"data/processed": {"figures.csv": []}})
    assert not outputs_unchanged(tmp_path, {"data/processed": {"figures.csv": None}})
    assert not outputs_unchanged(tmp_path, {"data/processed": []})
    assert not outputs_unchanged(tmp_path, {"nowhere": {"x": [1, 2]}})
