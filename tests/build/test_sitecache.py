"""Publishing only the pages that changed (ruralstudy.build.sitecache.PageReuse): a page whose
content is unchanged is the file published before (a hard link) when the footer's stamp is the
same, a copy with the new stamp when the commit changed, and always the bytes a fresh layout
gives."""

from __future__ import annotations

from ruralstudy.build.cache import Cache, own_cache
from ruralstudy.build.graph import State
from ruralstudy.build.sitecache import PageReuse
from ruralstudy.site.site import Page, publish, wrap

STAMP = {"commit": "abc123", "raw_sha256": "1" * 64, "date": "2026-12-01",
         "versions": "ruralstudy 0.1"}


def _pages(changed: str = "") -> list[Page]:
    return [Page("index.html", "Home", "<p>home</p>"),
            Page("sources/r1.html", "Report 1", "<p>report one</p>"),
            Page("sources/r2.html", "Report 2", f"<p>report two{changed}</p>")]


def _publish(tmp_path, pages: list[Page], stamp: dict) -> tuple[PageReuse, object]:
    root = tmp_path / ".cache"
    own_cache(root)
    state = State(root / "state.json")
    site = tmp_path / "reports" / "site"
    site.parent.mkdir(parents=True, exist_ok=True)
    reuse = PageReuse(Cache(root), state, set(), site, stamp, "lib")
    reuse.prepare(pages)
    folder = publish(pages, stamp, {}, site, reuse=reuse)
    reuse.save(folder)
    state.save()
    return reuse, site


def test_new_data_leave_unchanged_pages_as_hard_links_of_the_published_files(tmp_path):
    _, site = _publish(tmp_path, _pages(), STAMP)
    before = {p: (site / p).stat().st_ino for p in ("index.html", "sources/r1.html")}
    new_data = {**STAMP, "raw_sha256": "2" * 64}  # a report added: the data's digest changes
    reuse, site = _publish(tmp_path, _pages(changed=" (revised)"), new_data)
    assert reuse.linked == 2 and reuse.patched == 0
    for path, ino in before.items():
        assert (site / path).stat().st_ino == ino  # the very file published before
    for p in _pages(changed=" (revised)"):
        assert (site / p.path).read_text(encoding="utf-8") == wrap(p, new_data)
    assert "2" * 64 not in (site / "index.html").read_text(encoding="utf-8")


def test_the_record_rewrites_only_the_shards_of_changed_pages(tmp_path):
    """The record of the published pages is kept in shards by path: a changed page writes
    its own shard's entry, every other shard keeps its entry, and the next build still links
    every unchanged page."""
    from ruralstudy.build.sitecache import POINTER, shard_of, PAGE_SHARDS

    def pages(revised: str = "") -> list[Page]:  # fresh pages, as each build makes them
        return [Page(f"sources/r{i}.html", f"Report {i}",
                     f"<p>report {i}{revised if i == 7 else ''}</p>") for i in range(60)]

    _publish(tmp_path, pages(), STAMP)
    first = dict(State(tmp_path / ".cache" / "state.json").data[POINTER]["shards"])
    assert len(first) > 20
    reuse, _ = _publish(tmp_path, pages(" (revised)"), STAMP)
    assert reuse.linked == 59
    after = State(tmp_path / ".cache" / "state.json").data[POINTER]["shards"]
    assert {s for s in after if after[s] != first.get(s)} == {shard_of("sources/r7.html",
                                                                       PAGE_SHARDS)}
    reuse, _ = _publish(tmp_path, pages(" (revised)"), STAMP)
    assert reuse.linked == 60


def test_a_new_commit_copies_unchanged_pages_with_the_new_footer(tmp_path):
    _publish(tmp_path, _pages(), STAMP)
    new_commit = {**STAMP, "commit": "def456"}
    reuse, site = _publish(tmp_path, _pages(), new_commit)
    assert reuse.linked == 0 and reuse.patched == 3
    for p in _pages():
        text = (site / p.path).read_text(encoding="utf-8")
        assert text == wrap(p, new_commit) and "def456" in text and "abc123" not in text


def _doc(i: int):
    """A report as the source bodies see it: doc id, manifest entry, raw file."""
    from types import SimpleNamespace

    return SimpleNamespace(doc_id=f"d{i}", entry=SimpleNamespace(file=f"d{i}.txt", line=i),
                           raw=SimpleNamespace(sha256=str(i) * 8, encoding="utf-8"))


def _build_bodies(root, docs, frame, make):
    """One build's source bodies: each report's body by doc id (made, or read back from the
    cache), saved as the build saves them; and the graph's state after it."""
    from ruralstudy.build.sitecache import SourceBodies

    state = State(root / "state.json")
    b = SourceBodies(Cache(root), state, set(), "lib", frame)
    out = {d.doc_id: b(d, lambda d=d: frame[frame.doc_id == d.doc_id], make) for d in docs}
    b.save()
    state.save()
    return out, state


def test_source_bodies_are_made_once_and_again_only_when_their_rows_change(tmp_path):
    import pandas as pd

    root = tmp_path / ".cache"
    own_cache(root)
    docs = [_doc(i) for i in range(3)]
    rows = pd.DataFrame({"doc_id": ["d0", "d1", "d2"], "value": [1.0, 2.0, 3.0]})
    made: list[str] = []

    def make(doc, r):
        made.append(doc.doc_id)
        return f"<p>{doc.doc_id} 村“两委” {r['value'].tolist()}</p>"

    first, _ = _build_bodies(root, docs, rows, make)
    assert made == ["d0", "d1", "d2"]
    made.clear()
    assert _build_bodies(root, docs, rows, make)[0] == first and made == []  # read back
    changed = rows.assign(value=[1.0, 2.5, 3.0])
    again, _ = _build_bodies(root, docs, changed, make)
    assert made == ["d1"] and again["d0"] == first["d0"] and again["d1"] != first["d1"]


def test_source_bodies_rewrite_only_the_shard_of_a_changed_report(tmp_path):
    """A report added or changed writes the entry of its own shard; the other shards' entries
    stay as they were, and a later build reads every body back."""
    import pandas as pd

    from ruralstudy.build.sitecache import SourceBodies

    root = tmp_path / ".cache"
    own_cache(root)
    made: list[str] = []

    def make(d, r):
        made.append(d.doc_id)
        return f"<p>{d.doc_id}</p>"

    def run(docs):
        frame = pd.DataFrame({"doc_id": [d.doc_id for d in docs], "value": 1.0})
        out, state = _build_bodies(root, docs, frame, make)
        return out, dict(state.data[SourceBodies.POINTER])

    docs = [_doc(i) for i in range(40)]
    first, shards = run(docs)
    assert len(made) == 40 and len(set(shards.values())) == len(shards) > 10
    made.clear()
    added, after = run(docs + [_doc(99)])
    assert made == ["d99"] and added == {**first, "d99": "<p>d99</p>"}
    own = SourceBodies.shard("d99")
    assert {s for s in after if after[s] != shards.get(s)} == {own}
    made.clear()
    again, _ = run(docs + [_doc(99)])
    assert made == [] and again == added


def test_arrow_file_of_the_bodies_reads_back_and_leaves_the_strings_as_they_were():
    """The bodies' Arrow file: record batches (several here) that read back as the columns,
    the same bytes for the same columns, and no UTF-8 copy left inside the strings (CPython
    keeps one in a str once asked for it, as Arrow does given the str)."""
    import sys

    from ruralstudy.build.sitecache import ARROW_BATCH_ROWS, _arrow_table_bytes, _arrow_table_columns

    n = 2 * ARROW_BATCH_ROWS + 3
    cols = {"doc_id": [f"d{i}" for i in range(n)], "key": ["k" * 64] * n,
            "body": [f"<p>村“两委” {i}</p>" * (i % 7) for i in range(n)]}
    sizes = [sys.getsizeof(s) for s in cols["body"]]
    data = _arrow_table_bytes(cols)
    assert [sys.getsizeof(s) for s in cols["body"]] == sizes
    assert _arrow_table_columns(bytes(data)) == cols
    assert bytes(_arrow_table_bytes(cols)) == bytes(data)
    assert _arrow_table_columns(bytes(_arrow_table_bytes({"a": [], "b": []}))) == {"a": [], "b": []}
