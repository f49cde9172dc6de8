"""Page weights of the built site: what a reader's browser downloads for each kind of page
(HTML with its inline SVG charts, plus site.css and site.js; the search index only once search
is used). Usage: python scripts/page_weights.py [reports/site]"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path


def weights(site: Path) -> list[tuple[str, int, int, int]]:
    site = site.resolve()
    assets = sum((site / "assets" / f).stat().st_size for f in ("site.css", "site.js"))
    rows = []
    groups = {"front page (index.html)": ["index.html"], "quality.html": ["quality.html"],
              "indicators.html": ["indicators.html"], "links.html": ["links.html"],
              "data.html": ["data.html"], "glossary.html": ["glossary.html"],
              "region pages (largest)": sorted(site.glob("regions/*.html")),
              "source pages (largest)": sorted(site.glob("sources/*.html"))}
    for label, files in groups.items():
        paths = [site / f if isinstance(f, str) else f for f in files]
        biggest = max(paths, key=lambda p: p.stat().st_size)
        raw = biggest.read_bytes()
        rows.append((label if len(paths) == 1 else f"{label}: {biggest.name}", len(raw),
                     len(gzip.compress(raw, 9)), len(raw) + assets))
    idx = (site / "assets" / "search-index.js").read_bytes()
    rows.append(("search index (on first search only)", len(idx), len(gzip.compress(idx, 9)), len(idx)))
    return rows


def main() -> None:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/site")
    print("| page | HTML | HTML gzipped | with CSS+JS |")
    print("|---|---:|---:|---:|")
    for label, raw, gz, total in weights(site):
        print(f"| {label} | {raw / 1024:,.0f} KB | {gz / 1024:,.0f} KB | {total / 1024:,.0f} KB |")


if __name__ == "__main__":
    main()
