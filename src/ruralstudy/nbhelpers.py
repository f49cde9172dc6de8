"""What the notebooks call: loading the processed tables and showing tables and findings.

Notebooks narrate; the computing lives in :mod:`ruralstudy.analysis`, the charts in
:mod:`ruralstudy.charts`, and this module only loads and displays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .links import table_html
from .paths import Paths

FINDINGS_MIME = "application/vnd.ruralstudy.findings+json"


@dataclass
class Tables:
    """The processed tables a notebook reads."""

    figures: pd.DataFrame
    mapping: pd.DataFrame
    indicators: pd.DataFrame
    panel: pd.DataFrame
    conflicts: pd.DataFrame
    crosschecks: pd.DataFrame
    rejects: pd.DataFrame
    codebook: pd.DataFrame
    problems: pd.DataFrame
    manifest: pd.DataFrame
    paths: Paths


def load(root: str | Path = ".") -> Tables:
    """Read every processed table (run ``ruralstudy build`` first)."""
    paths = Paths.discover(root)
    pr = paths.processed

    def rd(name: str) -> pd.DataFrame:
        p = pr / name
        if p.suffix == ".parquet":
            return pd.read_parquet(p)
        return pd.read_csv(p, dtype={"doc_id": str}, keep_default_na=False,
                           na_values={"value": [""], "year": [""], "implied": [""]})

    figures = rd("figures.parquet")
    mapping = rd("mapping.parquet")
    ind = rd("indicators.parquet")
    panel = rd("panel.parquet")
    manifest = pd.read_csv(paths.manifest, dtype=str, keep_default_na=False)
    return Tables(figures=figures, mapping=mapping, indicators=ind, panel=panel,
                  conflicts=rd("conflicts.parquet"), crosschecks=rd("crosschecks.csv"),
                  rejects=rd("rejects.csv"), codebook=rd("codebook.csv"),
                  problems=rd("corpus_problems.csv"), manifest=manifest, paths=paths)


def show_table(df: pd.DataFrame, caption: str = "", depth: int = 0, **kw) -> None:
    """Display a frame as an HTML table with its n and links to sources and regions."""
    from IPython.display import HTML, display

    display(HTML(table_html(df, depth=depth, caption=caption, **kw)))


def say(text: str) -> None:
    """Display a sentence of narration computed from data (Markdown)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_figure(fig, alt: str) -> None:
    """Display a matplotlib figure as PNG with alt text, then close it."""
    import io

    from IPython.display import Image, display

    from .charts import close

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    close(fig)
    display(Image(data=buf.getvalue(), format="png", metadata={"alt": alt}))


def record_findings(page: str, findings: list[dict]) -> None:
    """Publish key findings (text, n, anchor) for the site's index page.

    They travel inside the executed notebook as a custom MIME output, so the site needs no
    side files.
    """
    from IPython.display import display

    payload = {"page": page, "findings": findings}
    display({FINDINGS_MIME: payload, "text/plain": json.dumps(payload, ensure_ascii=False)},
            raw=True)
