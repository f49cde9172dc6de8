"""Scoring against the unseen-style texts (data/annotations/unseen/): dev and holdout sets."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralstudy.evaluation.gold import score_by_overlap
from ruralstudy.paths import Paths
from ruralstudy.build.pipeline import unseen_scores

PRECISION_MIN, RECALL_MIN = 0.97, 0.95


@pytest.fixture(scope="module")
def scores(root):
    return {ss.name: ss for ss, _ in unseen_scores(Paths(root))}


@pytest.mark.parametrize("name", ["unseen-dev", "unseen-holdout"])
def test_unseen_sets_meet_targets(scores, name):
    s = scores[name].score
    print(name, s.as_row())
    assert s.n_gold >= 100
    assert s.precision >= PRECISION_MIN, s.as_row()
    assert s.recall >= RECALL_MIN, s.as_row()


def _frame(rows):
    cols = ["doc", "start", "end", "raw", "value", "value_high", "value_before", "unit",
            "qualifier", "kind", "role"]
    return pd.DataFrame(rows, columns=cols)


def test_overlap_scorer_pairs_one_to_one_and_checks_value():
    gold = _frame([["d", 0, 4, "12个", 12, None, None, "个", "exact", "level", "observed"],
                   ["d", 10, 14, "5万元", 50000, None, None, "元", "exact", "level", "observed"]])
    found = _frame([["d", 1, 4, "2个", 2, None, None, "个", "exact", "level", "observed"],
                    ["d", 10, 15, "5万元以上", 50000, None, None, "元", "more_than", "level",
                     "condition"]])
    ss, m = score_by_overlap("t", found, gold)
    assert (ss.score.n_gold, ss.score.n_found, ss.score.n_correct) == (2, 2, 1)
    assert ss.strict.n_correct == 0  # qualifier and role differ
    assert ss.score.precision == 0.5 and ss.score.recall == 0.5
