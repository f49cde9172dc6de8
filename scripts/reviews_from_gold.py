"""Record in data/manual/reviews.csv the review decisions the gold annotators already made.

The seeds' measurement gold (data/annotations/gold_measurements_reports.csv and
gold_measurements_sheets.csv) was written by annotators who read every report figure and every
sheet row against its source page. Where the machine's value waits for review (calibrated
confidence below the publishing threshold) and the gold gives the same indicator, the value was
in effect reviewed and accepted: this script writes that decision (reviewer "gold-annotation",
the annotator's note as the reason). Values the gold disagrees with are not decided here: the
annotators' rejections are in overrides.csv, and anything else waits for `ruralstudy review`.

    PYTHONPATH=src python scripts/reviews_from_gold.py [--root .]
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from ruralstudy import iorw
from ruralstudy.paths import Paths
from ruralstudy.build.pipeline import read_gold_measurements, run_indicators_frames
from ruralstudy.measures.review import (REVIEWS_FILE, gold_confirmations, merged_reviews, read_reviews,
                                        reviews_bytes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=None)
    args = ap.parse_args()
    paths = Paths.discover(args.root)
    target = paths.manual / REVIEWS_FILE
    existing = read_reviews(target)
    obs = run_indicators_frames(paths).observations
    rows = gold_confirmations(obs, read_gold_measurements(paths), datetime.now(timezone.utc))
    if rows:
        iorw.write_bytes(target, reviews_bytes(merged_reviews(existing, rows)))
    print(f"{len(rows)} values confirmed by the gold -> {target}")


if __name__ == "__main__":
    main()
