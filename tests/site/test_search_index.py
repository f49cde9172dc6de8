"""ruralstudy.site.site: the search index written a section at a time is the index made whole."""

from __future__ import annotations

import json


def _old_file(pages) -> bytes:
    from ruralstudy.site.site import script_json, search_index

    return ("window.RURALSTUDY_SEARCH = " + script_json(search_index(pages)) + ";\n").encode("utf-8")


def test_streamed_search_index_has_the_bytes_of_the_index_made_whole(tmp_path):
    from ruralstudy.site.site import Page, write_search_index

    hostile = "</script><script>alert('x')</script> & \u2028\u2029 “两委”"
    pages = [Page(f"regions/r-{i}.html", f"Region profile: 达拉特旗 {hostile}",
                  f"<p>intro {i} {hostile}</p><h2 id='a'>Figures</h2><p>两委 44.5</p>"
                  + "<p>" + "村" * 5000 + "</p>", region="达拉特旗") for i in range(400)]
    pages += [Page("data/panel.csv", "x", "not indexed"),
              Page("methods.html", "Methods", "<p>body</p><h2 id='m'>M</h2><p>more</p>",
                   index_text="searchable " + hostile),
              Page("sources/001.html", "Source 001", "<p>t</p>",
                   sections=(("", "", "given"), ("s1", "One", "x"),))]
    out = tmp_path / "search-index.js"
    write_search_index(out, pages)  # 1.6 million characters: written in two pieces
    assert out.read_bytes() == _old_file(pages)
    write_search_index(out, [])
    assert out.read_bytes() == _old_file([])
    text = _old_file(pages).decode("utf-8")
    assert "<" not in text and "'" not in text and "\u2028" not in text
    assert json.loads(text.removeprefix("window.RURALSTUDY_SEARCH = ").removesuffix(";\n"))


def test_script_json_escapes_pieces_as_it_escapes_the_whole():
    from ruralstudy.site.site import _script_safe, script_json

    obj = {"t": "a<b>c&d'e\u2028f\u2029g 中文", "n": [1, 2]}
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    assert script_json(obj) == _script_safe(text)
    for cut in range(len(text)):
        assert _script_safe(text[:cut]) + _script_safe(text[cut:]) == script_json(obj)
