"""Small documents in every format `ruralstudy add` reads, built in the test (no binary
fixtures are committed): saved government and news pages with menus, footers, 相关新闻, share
widgets and comment boxes; a PDF with a text layer (reportlab's built-in CJK font); a scanned PDF (an
image only); an encrypted PDF; a .docx (python-docx); an old Word .doc (its OLE2 signature)."""

from __future__ import annotations

from pathlib import Path

#: The article sentences of the government page, each with the figures it holds.
GOV_SENTENCES = [
    ("全县共有村党组织156个，其中党委12个。", ["156个", "12个"]),
    ("村“两委”干部平均年龄41.2岁，较上届下降4.5岁。", ["41.2岁", "较上届下降4.5岁"]),
    ("2023年全县村集体经济总收入达到3860万元，村均24.7万元。", ["3860万元", "24.7万元"]),
    ("大专及以上学历的村干部占比达到38.6%。", ["38.6%"]),
]
#: Page furniture, each with a figure the extractor must never see.
GOV_FURNITURE = ["首页", "机构设置", "政务公开", "相关新闻", "本县召开党建工作会议部署2024年任务共35项",
                 "乡镇换届工作圆满完成选出干部800名", "分享到", "网友评论", "已有评论99条",
                 "主办单位：中共某县委组织部", "网站标识码5102000001", "ICP备12345678号", "访问量：88888人次"]


def gov_page(charset_declared: str | None = "gb2312") -> str:
    """A saved county Party-committee page: nav menu, breadcrumb, article, 相关新闻, share
    widget, comment box and footer; ``charset_declared`` None leaves the charset undeclared."""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset_declared}">' \
        if charset_declared else ""
    paras = "\n".join(f"<p>{s}</p>" for s, _ in GOV_SENTENCES)
    return f"""<!DOCTYPE html>
<html><head>{meta}
<title>仁寿县：村级组织建设稳步推进_中共仁寿县委组织部</title>
<meta name="PubDate" content="2024-03-15 09:30">
<meta name="SiteName" content="中共仁寿县委组织部">
<script>var _hmt = _hmt || []; var visits = 12345;</script>
<style>.nav {{ color: red; }}</style>
</head><body>
<div class="header"><div class="logo">中共仁寿县委组织部</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/jg">机构设置</a></li>
<li><a href="/zw">政务公开</a></li><li><a href="/dj">党建动态</a></li><li><a href="/rc">人才工作</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/dj">党建动态</a></div>
<div class="article">
<h1 class="title">仁寿县：村级组织建设稳步推进</h1>
<div class="info">发布时间：2024-03-15 来源：仁寿县委组织部 浏览次数：1024</div>
<div class="content" id="zoom">
<p>近日，仁寿县召开基层党建工作推进会，总结2023年村级组织建设情况。</p>
{paras}
<p>下一步，仁寿县将继续深化抓党建促乡村振兴，推动村级组织全面过硬。</p>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
</div>
<div class="related"><h3>相关新闻</h3><ul>
<li><a href="/a1">本县召开党建工作会议部署2024年任务共35项</a></li>
<li><a href="/a2">乡镇换届工作圆满完成选出干部800名</a></li>
<li><a href="/a3">全市组织工作会议召开</a></li></ul></div>
<div class="comments"><h3>网友评论</h3><p>已有评论99条</p>
<form><textarea name="c"></textarea><button>发表评论</button></form></div>
<div class="footer"><p>主办单位：中共某县委组织部 &nbsp; 网站标识码5102000001</p>
<p>蜀ICP备12345678号 访问量：88888人次</p><p>版权所有 &copy; 2024</p></div>
</body></html>
"""


NEWS_SENTENCES = [
    ("截至2023年底，全市1246个行政村全部消除集体经济空壳村，年收入10万元以上的村达到612个。",
     ["1246个", "10万元以上", "612个"]),
    ("全市选派驻村第一书记1386名，培训村干部2.3万人次。", ["1386名", "2.3万人次"]),
]


def news_page() -> str:
    """A news-portal page in UTF-8 with a sidebar, hot list, share bar and comment box."""
    paras = "".join(f"<p>{s}</p>" for s, _ in NEWS_SENTENCES)
    return f"""<html><head><meta charset="utf-8"><title>眉山市村集体经济发展提速 - 四川新闻网</title>
<meta property="og:site_name" content="四川新闻网">
<link rel="canonical" href="https://www.example.cn/news/2023/12/28/content_1.html"></head><body>
<nav><a href="/">首页</a> | <a href="/sz">时政</a> | <a href="/sh">社会</a> | <a href="/ty">体育</a> | <a href="/yl">娱乐</a></nav>
<aside><h3>热点排行</h3><ol><li>某地新建公园12个</li><li>高铁新线开通运营里程300公里</li></ol></aside>
<article><h1>眉山市村集体经济发展提速</h1><p class="meta">2023年12月28日 来源：四川新闻网</p>
<p>记者从眉山市委组织部获悉，眉山市持续发展壮大村级集体经济。</p>{paras}
<p>眉山市表示，将继续推动村集体经济提质增效。</p></article>
<div class="share-bar">分享到：微信 微博 复制链接 点赞 6</div>
<section class="comment"><h4>评论</h4><p>网友：点赞！收入提高了88%太好了</p></section>
<footer>Copyright 2023 四川新闻网 版权所有 联系电话：028-12345678</footer></body></html>
"""


def shell_page() -> str:
    """A page that is only a navigation shell (the article is loaded by script)."""
    return """<!DOCTYPE html><html><head><meta charset="utf-8"><title>首页 - 某县人民政府</title></head>
<body><ul><li><a href="/">首页</a></li><li><a href="/a">政务公开</a></li><li><a href="/b">办事服务</a></li>
<li><a href="/c">互动交流</a></li></ul><div id="app"></div>
<script src="/static/app.js"></script><div class="footer">版权所有 某县人民政府</div></body></html>
"""


PDF_SENTENCES = [
    ("2023年某区共有村党组织218个，村党组织书记平均年龄45.6岁。", ["218个", "45.6岁"]),
    ("全区村集体经济收入50万元以上的村有37个。", ["50万元以上", "37个"]),
    ("全年培训村干部1200人次。", ["1200人次"]),
    # wrapped by the PDF's column width (PDF_WIDTH), here inside a number
    ("全区共选派驻村第一书记和工作队员1280名，覆盖全部脱贫村和乡村振兴重点帮扶村，实现应派尽派。",
     ["1280名"]),
]
#: make_pdf wraps sentences at this width (points), as a page's text column would.
PDF_WIDTH = 240


def _wrap(s: str) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur = [], ""
    for ch in s:
        if stringWidth(cur + ch, "STSong-Light", 12) > PDF_WIDTH:
            lines.append(cur)
            cur = ""
        cur += ch
    return lines + [cur]


def _canvas(path: Path, password: str | None = None):
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    enc = StandardEncryption(password, ownerPassword=password + "-owner") if password else None
    return canvas.Canvas(str(path), encrypt=enc, invariant=1)


def make_pdf(path: Path, sentences=PDF_SENTENCES, pages: int = 2, password: str | None = None) -> Path:
    """A PDF with a text layer (reportlab, its built-in STSong CJK font): a title and the
    sentences over ``pages`` pages, with a running header and a page number on each page
    (furniture); optionally encrypted with a user password."""
    c = _canvas(path, password)
    c.setTitle("某区2023年基层党建工作报告")
    per = max(1, -(-len(sentences) // pages))
    for p in range(pages):
        c.setFont("STSong-Light", 9)
        c.drawString(72, 800, "某区党建工作年报（内部资料）")
        c.drawString(290, 40, f"第 {p + 1} 页 共 {pages} 页")
        c.setFont("STSong-Light", 12)
        y = 760
        if p == 0:
            c.drawString(72, y, "某区2023年基层党建工作报告")
            y -= 30
        for s, _ in sentences[p * per:(p + 1) * per]:
            for line in _wrap(s):
                c.drawString(72, y, line)
                y -= 24
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path) -> Path:
    """An image-only PDF, as a scanner makes it: a page holding one picture, no text layer."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).rectangle([20, 20, 580, 60], outline="black")
    c = _canvas(path)
    c.drawImage(ImageReader(img), 50, 500, width=500, height=160)
    c.showPage()
    c.save()
    return path


DOCX_SENTENCES = [
    ("截至2023年底，某镇12个村全部实现村党组织书记和村委会主任“一肩挑”。", ["12个"]),
    ("全镇村集体经济收入合计865.3万元，同比增长18.2%。", ["865.3万元", "同比增长18.2%"]),
    ("35岁以下村“两委”干部共有43名。", ["35岁以下", "43名"]),
]


#: A table in the Word file: the row's cells form one line, so 12.6万元 keeps 大桥村 and 收入.
DOCX_TABLE = [["村名", "党员人数", "村集体经济收入"], ["大桥村", "45名", "12.6万元"]]


def make_docx(path: Path, sentences=DOCX_SENTENCES) -> Path:
    """A Word briefing: a heading, the sentences as paragraphs and a table row."""
    import docx

    d = docx.Document()
    d.core_properties.title = "某镇村级组织建设情况简报"
    d.add_heading("某镇村级组织建设情况简报", level=1)
    for s, _ in sentences:
        d.add_paragraph(s)
    table = d.add_table(rows=2, cols=3)
    for r, cells in enumerate(DOCX_TABLE):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    d.save(str(path))
    return path


def make_doc(path: Path) -> Path:
    """An old Word binary (.doc): the OLE2 compound-file signature and some padding."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "某镇简报".encode("utf-16-le"))
    return path
