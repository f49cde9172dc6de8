"""The shared vocabulary: units with base and kind, normalisation with an exact offset map."""

from __future__ import annotations

import pytest

from ruralstudy.language import vocab
from ruralstudy.language.numparse import parse_number


def test_every_unit_has_a_known_kind_and_parses_to_its_base():
    for u in vocab.UNITS:
        assert u.kind in vocab.KINDS_OF_UNIT, u
        p = parse_number(f"12{u.surface}")
        assert p.unit == u.base, u
        assert p.value == pytest.approx(12 * u.factor), u


@pytest.mark.parametrize("surface,base,kind", [
    ("个工作日", "天", "time"), ("公顷", "公顷", "area"), ("公里", "公里", "length"),
    ("吨", "吨", "weight"), ("公斤", "公斤", "weight"), ("座", "座", "count"), ("间", "间", "count"),
    ("条", "条", "count"), ("对", "对", "count"), ("把", "把", "count"), ("天", "天", "time"),
    ("岁", "岁", "age"), ("元", "元", "money"), ("%", "%", "share"), ("名", "名", "people"),
])
def test_unit_table(surface, base, kind):
    u = vocab.UNIT_BY_SURFACE[surface]
    assert (u.base, u.kind) == (base, kind)


def test_qualifier_tables_use_known_qualifiers():
    assert set(vocab.PREFIX_QUALIFIERS.values()) <= set(vocab.QUALIFIERS)
    assert set(vocab.SUFFIX_QUALIFIERS.values()) <= set(vocab.QUALIFIERS)
    assert vocab.PREFIX_QUALIFIERS["不得超过"] == "at_most"


@pytest.mark.parametrize("raw", [
    "全縣共有黨員1.2萬(wàn)名，村集體收入3.8億(yì)元。",
    "ＡＢＣ　１２３个，210戶，11個村",
    "2 150人；9\u00a0860元；13.65\u3000万元",
])
def test_normalise_keeps_an_exact_offset_map(raw):
    text, offsets = vocab.normalise_with_offsets(raw)
    assert len(text) == len(offsets)
    assert offsets == sorted(offsets)
    for ch, k in zip(text, offsets):
        assert vocab.normalise_char(raw[k]) == ch
    assert "(wàn)" not in text and "(yì)" not in text


def test_normalise_maps_traditional_and_full_width():
    assert vocab.normalise_text("萬億個兩戶歲") == "万亿个两户岁"
    assert vocab.normalise_text("１２３％") == "123%"
