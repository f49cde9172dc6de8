"""OCR of scanned reports (ruralstudy.texts.ocr): real Tesseract on scans the tests make themselves.

A page of report text with twelve known figures is drawn with a CJK font (Noto Sans CJK SC),
rotated 1.5 degrees, blurred and speckled like a photocopy, and saved as an image-only PDF
(no text layer) and as a PNG. Reading it must give at least 11 of the 12 figures with their
values right (the issue asks for 9 in 10; 12 of 12 are read), each with its OCR confidence;
a page of noise must be refused, naming the page. Timings (2 shared cores, under load): the
fast tests about 30-40 s in all (a page is about 4 s of Tesseract; read pages are cached);
the two marked slow, which read two fresh pages each, 7-12 s each.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ruralstudy.texts import limits, ocr
from ruralstudy.errors import CorpusError

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian's fonts-noto-cjk

pytestmark = [
    pytest.mark.skipif(bool(ocr.missing()), reason=f"OCR cannot run: {ocr.missing()}"),
    pytest.mark.skipif(not Path(FONT).exists(), reason="fonts-noto-cjk is not installed "
                       "(scripts/system-deps.sh)")]
FONT_SC = 2  # the collection's simplified-Chinese face

#: The test page's paragraphs, with twelve figures (raw text, value) in them.
PARAGRAPHS = [
    "全县共有行政村326个，本次换届共选出村“两委”成员1542名，其中女性成员187名，"
    "35岁以下的412名。",
    "新一届村党组织书记平均年龄45.4岁，较上届下降3.2岁；大专及以上学历的占21.8%。"
    "实现书记、主任“一肩挑”的村298个。",
    "2023年全县村集体经济收入达6230万元，同比增长12.5%，年收入50万元以上的村68个。"
    "村委会选举参选率达96.7%。",
]
#: (as the extractor gives them: a fall is negative, 万元 counted in 元)
FIGURES = [("326个", 326), ("1542名", 1542), ("187名", 187), ("412名", 412),
           ("45.4岁", 45.4), ("3.2岁", -3.2), ("21.8%", 21.8), ("298个", 298),
           ("6230万元", 62_300_000), ("12.5%", 12.5), ("68个", 68), ("96.7%", 96.7)]


def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(FONT, size, index=FONT_SC)


def scanned_page(paragraphs: list[str], *, angle: float = 1.5, blur: float = 1.0,
                 speckle: int = 6000, seed: int = 0, size=(2480, 3508), font_px: int = 46,
                 title: str = "某某县村级组织换届工作总结"):
    """A photocopy-like A4 page at 300 dpi: the title and paragraphs drawn with a CJK font,
    wrapped at the text width (figures may break across lines), rotated by ``angle`` degrees,
    blurred and speckled (deterministic for a seed)."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    font = _font(font_px)
    left, top, width = 240, 300, size[0] - 480
    d.text((size[0] // 2, top), title, font=_font(font_px + 16), fill=0, anchor="mt")
    y = top + 3 * font_px
    for para in paragraphs:
        line, indent = "", 2 * font_px
        for ch in para:
            if d.textlength(line + ch, font=font) > width - indent:
                d.text((left + indent, y), line, font=font, fill=0)
                y, line, indent = y + int(font_px * 1.8), "", 0
            line += ch
        d.text((left + indent, y), line, font=font, fill=0)
        y += int(font_px * 1.8) + font_px // 2
    img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    rnd = random.Random(seed)
    px = img.load()
    for _ in range(speckle):
        x, yy = rnd.randrange(size[0]), rnd.randrange(size[1])
        px[x, yy] = rnd.choice((0, 60, 200, 255))
    return img


def noise_page(seed: int = 1, size=(2480, 3508)):
    """A page of noise: rows of random ideographs in random greys, blurred past reading
    (Tesseract reads it at a confidence of 20-30)."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    font = _font(46)
    for row in range(4):
        for col in range(40):
            x, y = 200 + col * 52 + rnd.randrange(-6, 7), 300 + row * 90 + rnd.randrange(-9, 10)
            ch = chr(rnd.randrange(0x4E00, 0x9FA5))
            d.text((x, y), ch, font=font, fill=rnd.randrange(0, 140))
    return img.filter(ImageFilter.GaussianBlur(5))


def image_pdf(pages, path: Path) -> Path:
    """An image-only PDF (no text layer) of the pages, at 300 dpi, as a scanner makes it."""
    first, *rest = [p.convert("L") for p in pages]
    first.save(path, "PDF", resolution=300, save_all=True, append_images=rest)
    return path


@pytest.fixture(scope="module", autouse=True)
def ocr_cache(tmp_path_factory):
    """The hOCR cache in a folder of the tests' own (never the user's)."""
    folder = tmp_path_factory.mktemp("ocr-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RURALSTUDY_OCR_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    return image_pdf([scanned_page(PARAGRAPHS)], tmp_path_factory.mktemp("scan") / "scan.pdf")


@pytest.fixture(scope="module")
def scan_report(scan):
    """The scan read once (as the build reads a report), shared by the tests below."""
    from ruralstudy.texts.corpus import document_from_file

    return document_from_file(scan, doc_id="900")


def _figures(path: Path):
    from ruralstudy.figures.extract import iter_file_figures

    return list(iter_file_figures(path, doc_id="t"))


def _right(figures) -> list[tuple[str, float]]:
    """The test page's figures found with their value right."""
    got = [(f.raw, f.value) for f in figures]
    return [(raw, v) for raw, v in FIGURES
            if any(abs(value - v) < 1e-9 and raw.rstrip("个名岁万元%") in r for r, value in got)]


# --- pure parts ---------------------------------------------------------------------------

def test_join_words_drops_spaces_next_to_chinese_but_not_between_digits():
    text, starts = ocr.join_words(["村", "集体", "经济", "收入", "达", "6230", "万元", "，",
                                   "GDP", "growth", "2", "023", "12.5", "%"])
    assert text == "村集体经济收入达6230万元，GDP growth 2 023 12.5%"
    assert [text[s] for s in starts[:3]] == ["村", "集", "经"]


HOCR = b"""<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' title='image "x"; bbox 0 0 2480 3508; ppageno 0'>
<span class='ocr_line' title="bbox 100 200 900 250; baseline 0 -5; x_size 46">
 <span class='ocrx_word' title='bbox 100 200 190 250; x_wconf 95'>
  <span class='ocrx_cinfo' title='x_bboxes 100 200 145 250; x_conf 99'>\xe5\xb9\xb3</span>
  <span class='ocrx_cinfo' title='x_bboxes 146 200 190 250; x_conf 98'>\xe5\x9d\x87</span></span>
 <span class='ocrx_word' title='bbox 200 200 300 250; x_wconf 61'>
  <span class='ocrx_cinfo' title='x_bboxes 200 200 240 250; x_conf 70'>4</span>
  <span class='ocrx_cinfo' title='x_bboxes 241 200 300 250; x_conf 60'>5</span></span>
 <span class='ocrx_word' title='bbox 310 200 900 250; x_wconf 90'>
  <span class='ocrx_cinfo' title='x_bboxes 310 200 360 250; x_conf 90'>\xe5\xb2\x81</span>
  <span class='ocrx_cinfo' title='x_bboxes 361 200 400 250; x_conf 90'>\xef\xbc\x8c</span>
  <span class='ocrx_cinfo' title='x_bboxes 401 200 450 250; x_conf 90'>\xe5\x85\xb1</span>
  <span class='ocrx_cinfo' title='x_bboxes 451 200 900 250; x_conf 90'>\xe8\xae\xa1</span></span>
</span></div></body></html>"""


def test_page_from_hocr_keeps_boxes_and_word_confidence_and_drops_cjk_spaces():
    page = ocr.page_from_hocr(HOCR, 3, 300)
    assert page.text == "平均45岁，共计"
    assert [c.char for c in page.chars] == list("平均45岁，共计")
    assert page.chars[2].box == (200, 200, 240, 250) and page.chars[2].conf == 61
    # mean word confidence, each word weighted by its characters: (95*2 + 61*2 + 90*4) / 8
    assert page.confidence == pytest.approx(84.0)
    layer = ocr.OcrLayer(pages=(page,), engine="test")
    assert layer.span_confidence([(3, 1), (3, 2), (3, 3)]) == 61  # the weakest word
    assert "page 3, characters 2–4" in layer.where([(3, 2), (3, 3)])
    assert "box x 200–300, y 200–250 px at 300 dpi" in layer.where([(3, 2), (3, 3)])


def test_a_page_with_a_few_specks_is_blank_not_judged():
    few = HOCR.replace(b"\xe5\x85\xb1", b"").replace(b"\xe8\xae\xa1", b"")
    few = few.replace(b"\xe5\xb2\x81", b"").replace(b"\xef\xbc\x8c", b"")
    page = ocr.page_from_hocr(few, 1, 300)
    assert page.confidence is None and page.text == "" and page.chars == ()


# --- real Tesseract -----------------------------------------------------------------------

def test_scanned_pdf_reads_nine_in_ten_figures_right(scan, scan_report):
    ex = scan_report.extracted
    assert ex.kind == "pdf" and ex.ocr is not None
    assert scan_report.raw.encoding.startswith("pdf read by OCR, Tesseract ")
    page = ex.ocr.pages[0]
    assert page.number == 1 and page.dpi == ocr.DPI
    assert page.confidence >= limits.MIN_OCR_CONFIDENCE.value
    # Chinese text without the spaces Tesseract puts between characters
    assert "村集体经济收入达" in scan_report.raw.text
    from ruralstudy.figures.extract import extract_figures

    figures = extract_figures(scan_report)
    right = _right(figures)
    print(f"\nOCR page confidence {page.confidence}; figures right {len(right)}/12; "
          f"missed {sorted(set(FIGURES) - set(right))}")
    assert len(right) >= 11  # measured 12/12; the issue asks for 9 in 10
    # every figure carries its OCR confidence: the weakest word it was read from
    for f in figures:
        assert f.ocr_confidence is not None and 0 <= f.ocr_confidence <= 100
        assert f.ocr_confidence == ocr.figure_confidence(ex, f.start, f.end)


def test_location_map_leads_each_figure_to_its_page_and_box(scan, scan_report):
    ex = scan_report.extracted
    text = scan_report.raw.text
    start = text.index("6230")
    locs = ex.locs[start:start + 4]
    assert all(a == 1 for a, _ in locs)
    page = ex.ocr.pages[0]
    assert "".join(page.chars[b].char for _, b in locs) == "6230"
    where = ex.where(start, start + 6)
    assert where.startswith("page 1, characters ") and "read by OCR (confidence" in where
    # the box, cut from the page as rendered, reads "6230" on its own
    import pypdfium2 as pdfium
    import pytesseract

    x0 = min(page.chars[b].box[0] for _, b in locs)
    y0 = min(page.chars[b].box[1] for _, b in locs)
    x1 = max(page.chars[b].box[2] for _, b in locs)
    y1 = max(page.chars[b].box[3] for _, b in locs)
    assert 0 < x1 - x0 < 400 and 20 < y1 - y0 < 120
    rendered = pdfium.PdfDocument(scan.read_bytes())[0].render(scale=page.dpi / 72).to_pil()
    crop = rendered.convert("L").crop((x0 - 8, y0 - 8, x1 + 8, y1 + 8))
    digits = pytesseract.image_to_string(
        crop, lang="eng", config="--psm 7 -c tessedit_char_whitelist=0123456789")
    assert digits.strip() == "6230"


def test_image_file_is_read_by_ocr(tmp_path):
    from ruralstudy.texts.formats import read_report

    path = tmp_path / "page.png"
    scanned_page(PARAGRAPHS[2:], angle=-1.2, seed=3).save(path, dpi=(300, 300))
    report = read_report(path)
    assert report.extracted.kind == "image"
    assert report.raw.encoding.startswith("image read by OCR, Tesseract ")
    figs = _figures(path)
    assert {("6230万元", 62_300_000), ("96.7%", 96.7)} <= set(_right(figs))
    assert all(f.ocr_confidence is not None for f in figs)
    # a multi-page TIFF: each frame is a page (the same page twice: read from the cache)
    tif = tmp_path / "pages.tif"
    page = scanned_page(PARAGRAPHS[2:], angle=-1.2, seed=3)
    page.save(tif, save_all=True, append_images=[page], dpi=(300, 300))
    two = read_report(tif).extracted
    assert [p.number for p in two.ocr.pages] == [1, 2]
    assert {a for a, _ in two.locs if a >= 0} == {1, 2}


@pytest.mark.slow  # Tesseract on two pages: 7-12 s on a loaded 2-core machine
def test_noise_page_is_refused_naming_the_page(tmp_path):
    from ruralstudy.texts.formats import read_report

    path = image_pdf([scanned_page(PARAGRAPHS[:1]), noise_page()], tmp_path / "noisy.pdf")
    with pytest.raises(CorpusError) as err:
        read_report(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "page 2 reads at an OCR confidence of" in msg
    assert f"below the threshold of {limits.MIN_OCR_CONFIDENCE.value:g}" in msg
    assert "RURALSTUDY_MIN_OCR_CONFIDENCE" in msg


def test_blank_and_speckled_pages_are_blank_without_tesseract(tmp_path, monkeypatch):
    """Pages with no ink after the speck filter give no text and never reach Tesseract: a
    PDF of such pages is refused as having no text (a render per page, no OCR)."""
    import pytesseract
    from PIL import Image

    from ruralstudy.texts.formats import read_report

    def no_tesseract(*a, **k):
        raise AssertionError("Tesseract called for a blank page")

    monkeypatch.setattr(pytesseract, "image_to_pdf_or_hocr", no_tesseract)
    specks = scanned_page([], speckle=20000, title="")
    path = image_pdf([Image.new("L", (2480, 3508), 255)] * 5 + [specks], tmp_path / "blank.pdf")
    with pytest.raises(CorpusError, match="no text layer .*OCR found no text"):
        read_report(path)


def test_text_layer_pdf_has_no_ocr_confidence(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "typed.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "全县村集体经济收入达6230万元。")
    c.save()
    figs = _figures(path)
    assert figs and all(f.ocr_confidence is None for f in figs)


def test_missing_tesseract_is_a_sentence_naming_the_package(tmp_path, monkeypatch):
    """Without the tesseract program (PATH emptied for pytesseract), a scanned PDF is refused
    with the Debian package to install."""
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    path = image_pdf([scanned_page(PARAGRAPHS[:1], speckle=0)], tmp_path / "s.pdf")
    from ruralstudy.texts.formats import read_report

    with pytest.raises(CorpusError) as err:
        read_report(path)
    assert "tesseract-ocr" in str(err.value) and "tesseract-ocr-chi-sim" in str(err.value)
    assert str(err.value).startswith(str(path))


def test_add_scanned_pdf_gives_its_figures_with_their_confidence(tmp_path, scan):
    """The issue's 'done when': a scanned report added with ``ruralstudy add`` gives its
    figures (at least 9 in 10 right), each marked with its OCR confidence."""
    from conftest import cli, copy_project
    from ruralstudy import iorw
    from ruralstudy.texts.corpus import document_from_file
    from ruralstudy.figures.extract import extract_figures, figures_frame
    from ruralstudy.texts.formats import read_report

    p = copy_project(tmp_path / "p")
    r = cli(["add", str(scan), "--region", "某某县", "--province", "某某省", "--level", "county",
             "--year", "2023", "--root", str(p.root)])
    assert r.returncode == 0, r.stderr
    assert "1 added, 0 skipped as duplicate, 0 refused" in r.stderr
    assert "pdf read by OCR, Tesseract" in r.stderr
    assert "OCR: pages read by OCR" in r.stderr and "1 (confidence " in r.stderr
    row = iorw.read_csv(p.manifest).iloc[-1]
    raw = p.reports_raw / row["file"]
    assert raw.read_bytes() == scan.read_bytes()  # kept unchanged
    doc = document_from_file(raw, doc_id=row["doc_id"])
    df = figures_frame(extract_figures(doc))
    # deterministic: the same text, map and confidences as Tesseract run again (no cache)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RURALSTUDY_OCR_CACHE", "off")
        again = read_report(scan).extracted
    assert doc.raw.text == again.text and doc.extracted.locs == again.locs
    assert doc.extracted.ocr == again.ocr
    assert len(_right(df.itertuples())) >= 11
    assert df["ocr_confidence"].notna().all() and df["ocr_confidence"].between(0, 100).all()


def test_ocr_figures_are_marked_in_the_mapping_and_on_the_source_page(scan_report):
    """The mapping table carries ``ocr_confidence``, ``source_ref`` says 'read by OCR', and
    the source page marks each OCR figure (class ``ocr``) with its confidence in the tip."""
    from ruralstudy.measures.codebook import load_codebook
    from ruralstudy.figures.extract import extract_figures, figures_frame
    from ruralstudy.tables.indicators import indicators_table, observe_figures
    from ruralstudy.site.site import document_body

    doc = scan_report
    figures = figures_frame(extract_figures(doc))
    mapping = observe_figures(figures, load_codebook())
    assert mapping["ocr_confidence"].notna().all()
    # declared for the Data Package (an undeclared column would raise), as a number
    from ruralstudy.tables.datapackage import table_schema

    for table, df in (("figures", figures), ("mapping", mapping)):
        field = next(f for f in table_schema(table, df)["fields"] if f["name"] == "ocr_confidence")
        assert field["type"] == "number" and field["unit"] == "confidence 0-100"
    assert list(mapping["ocr_confidence"]) == list(figures["ocr_confidence"])
    refs = indicators_table(mapping, load_codebook())["source_ref"]
    assert len(refs) and refs.str.contains(r", read by OCR \(confidence \d+\)$").all()
    body = document_body(doc, mapping)
    assert body.count(' ocr" ') == len(mapping)  # every figure marked
    assert "read by OCR (confidence " in body and "Read by OCR: pages read by OCR" in body
    assert "in the raw file: page 1, characters " in body



def test_map_file_keeps_each_ocr_character_box(tmp_path, scan_report):
    """data/processed/text/<doc_id>.map.json leads each character to its page and box."""
    import json

    from ruralstudy.paths import Paths
    from ruralstudy.build.steps import write_extracted_text

    paths = Paths(tmp_path)
    write_extracted_text(paths, scan_report)
    m = json.loads((paths.processed / "text" / "900.map.json").read_text("utf-8"))
    text = (paths.processed / "text" / "900.txt").read_text("utf-8")
    assert m["reader"].startswith("pdf read by OCR, Tesseract") and m["ocr"]["pages"][0]["dpi"] == 300
    page = m["ocr"]["pages"][0]
    assert page["confidence"] >= 70 and len(page["boxes"]) == len(page["conf"])
    i = text.index("6230")
    for t0, t1, a, b in m["runs"]:
        if t0 <= i < t1:
            box = page["boxes"][b + i - t0]
            assert a == 1 and len(box) == 4 and box[0] < box[2] and box[1] < box[3]
            break
    else:
        pytest.fail("the figure's character is not in the map")


@pytest.mark.slow  # Tesseract on two pages: 7-12 s on a loaded 2-core machine
def test_pdf_with_text_pages_reads_scanned_page_and_leaves_out_a_photo(tmp_path):
    """A PDF with a text layer on page 1, a scanned page 2 and a 'photograph' (noise) on page
    3: page 2 is read by OCR, page 3 is left out (not a refusal: the text layer is there) and
    named; text-layer figures carry no OCR confidence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from ruralstudy.texts.corpus import document_from_file
    from ruralstudy.figures.extract import extract_figures

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 750, "全县共有村党组织358个，党员12460名。")
    c.showPage()
    for img in (scanned_page(PARAGRAPHS[2:]), noise_page()):
        c.drawImage(ImageReader(img.convert("RGB")), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    doc = document_from_file(path, doc_id="m")
    ex = doc.extracted
    assert [p.number for p in ex.ocr.pages] == [2]
    assert "page 2 read by OCR" in doc.raw.encoding and "pdfplumber" in doc.raw.encoding
    note = doc.extracted.meta["ocr"]
    assert "left out below the OCR confidence threshold of 70: page 3 (confidence" in note
    figs = {f.raw: f for f in extract_figures(doc)}
    assert figs["358个"].ocr_confidence is None and figs["12460名"].ocr_confidence is None
    ocr_figs = [f for f in figs.values() if f.ocr_confidence is not None]
    assert {("6230万元", 62_300_000), ("96.7%", 96.7)} <= set(_right(ocr_figs))
    assert all(ex.locs[f.start][0] == 2 for f in ocr_figs)


def test_a_page_is_read_by_tesseract_once_then_from_the_cache(scan, scan_report, ocr_cache,
                                                               monkeypatch):
    """The build reads every report each run: a page's hOCR comes from the cache the second
    time (Tesseract is not called), and gives the same text."""
    import pytesseract

    from ruralstudy.texts.formats import read_report

    assert list(ocr_cache.rglob("*.hocr.gz"))

    def no_tesseract(*a, **k):
        raise AssertionError("Tesseract called for a cached page")

    monkeypatch.setattr(pytesseract, "image_to_pdf_or_hocr", no_tesseract)
    assert read_report(scan).raw.text == scan_report.raw.text


def test_missing_language_data_names_its_debian_packages(tmp_path, monkeypatch):
    """Tesseract without chi_sim/eng data (an empty TESSDATA_PREFIX) names the packages."""
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    why = ocr.missing()
    assert "tesseract-ocr-chi-sim" in why and "tesseract-ocr-eng" in why


def test_text_pdf_with_a_scan_page_and_no_tesseract_reads_the_text_and_says_so(tmp_path,
                                                                              monkeypatch):
    """Without Tesseract, a PDF with a text layer on some pages is read as before (it was
    never refused) and the note names the pages not read; nothing is guessed."""
    import pytesseract
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from ruralstudy.texts.formats import read_report

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "mixed.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 750, "全县共有村党组织358个。")
    c.showPage()
    c.drawImage(ImageReader(scanned_page(PARAGRAPHS[:1], speckle=0).convert("RGB")), 0, 0,
                width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    report = read_report(path)
    assert report.raw.text == "全县共有村党组织358个。" and report.extracted.ocr is None
    note = report.meta["ocr"]
    assert note.startswith("page 2 not read: no text layer, and OCR cannot run")
    assert "tesseract-ocr-chi-sim" in note


@pytest.mark.slow  # add + a whole (tiny) build: about 28 s on a loaded 2-core machine
def test_scanned_report_is_marked_ocr_through_the_build_to_the_site(tmp_path, scan):
    """The issue's 'done when', to the end: ``add`` a scanned report to a project, build it,
    and the figures and mapping tables carry ``ocr_confidence`` for its figures (empty for
    the others), its source page marks them OCR, and its map file keeps the boxes."""
    import json

    import pandas as pd

    from conftest import cli, tiny_project
    from ruralstudy.build.build import BuildOptions, build

    p = tiny_project(tmp_path / "p")
    r = cli(["add", str(scan), "--region", "某某县", "--province", "某某省", "--level", "county",
             "--year", "2023", "--doc-id", "900", "--root", str(p.root)])
    assert r.returncode == 0, r.stderr
    with pytest.MonkeyPatch.context() as mp:  # the tiny notebooks import nothing
        mp.setenv("RURALSTUDY_WARM_IMPORTS", "")
        build(p, BuildOptions(jobs=1))
    for table in ("figures", "mapping"):
        df = pd.read_parquet(p.processed / f"{table}.parquet")
        ours = df["doc_id"] == "900"
        assert ours.sum() >= 11 and df.loc[ours, "ocr_confidence"].notna().all(), table
        assert df.loc[~ours & (df["doc_id"] != ""), "ocr_confidence"].isna().all(), table
    page = (p.site / "sources" / "900.html").read_text(encoding="utf-8")
    assert page.count(' ocr" ') >= 11 and "read by OCR (confidence " in page
    m = json.loads((p.processed / "text" / "900.map.json").read_text(encoding="utf-8"))
    assert m["ocr"]["pages"][0]["boxes"]
