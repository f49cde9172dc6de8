"""Rendering a notebook page (ruralstudy.site.site.render_notebook): nbconvert's exporter with
the ruralstudy template, without nbconvert's final BeautifulSoup pass. The page is the one
nbconvert's own exporter gives, but for serialisation: parsed and serialised by
BeautifulSoup as nbconvert does it, the two are the same text."""

from __future__ import annotations

import base64
import json

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

from ruralstudy.site import site as S

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def _notebook() -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nSome *text* about 村“两委” & <b>bold</b>.",
                                      id="m1"),
        nbformat.v4.new_code_cell("x = 1", id="c1", outputs=[
            nbformat.v4.new_output("display_data", data={
                "text/html": "<div class='table-wrap' tabindex='0'><table><tr><td>1</td>"
                             "</tr></table></div><img src='x.png' alt='a chart'>"}),
            nbformat.v4.new_output("display_data", data={"image/png": PNG}),
            nbformat.v4.new_output("stream", name="stdout", text="printed <out>\n")]),
        nbformat.v4.new_code_cell("y = 2", id="c2", metadata={"tags": ["parameters"]}),
    ]
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return nb


def _stock_body(nb: dict) -> str:
    exporter = HTMLExporter(template_name="ruralstudy",
                            extra_template_basedirs=[str(S._templates_dir() / "nbconvert")])
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.from_dict(nb))
    return body


def test_page_equals_nbconvert_exporter_but_for_serialisation():
    nb = _notebook()
    ours, _ = S._page_exporter().from_notebook_node(nbformat.from_dict(nb))
    stock = _stock_body(nb)
    assert ours != stock  # not serialised by BeautifulSoup ...
    assert str(BeautifulSoup(ours, features="html.parser")) == stock  # ... and else the same


def test_an_image_without_alt_text_gets_nbconvert_placeholder():
    ours, _ = S._page_exporter().from_notebook_node(nbformat.from_dict(_notebook()))
    assert ours.count(f'alt="{S.NO_ALT_TEXT}"') == 1  # the bare PNG output
    assert "alt='a chart'" in ours or 'alt="a chart"' in ours  # an image's own alt is kept
    soup = BeautifulSoup(ours, features="html.parser")
    assert all(img.get("alt") for img in soup.find_all("img"))


@pytest.mark.parametrize("tag, expected", [
    ("<img src='a.png'>", f"<img alt=\"{S.NO_ALT_TEXT}\" src='a.png'>"),
    ("<img alt='' src='a.png'>", "<img alt='' src='a.png'>"),
    ("<img src='a.png' alt=\"x\">", "<img src='a.png' alt=\"x\">"),
    ("<imgx src='a.png'>", "<imgx src='a.png'>")])
def test_alt_placeholder_pattern(tag, expected):
    assert S._IMG_WITHOUT_ALT.sub(f'<img alt="{S.NO_ALT_TEXT}"', tag) == expected


def test_render_notebook_keeps_findings_and_drops_the_title():
    body, findings = S.render_notebook(json.dumps(_notebook()))
    assert "<h1" not in body and "村“两委”" in body and isinstance(findings, list)
