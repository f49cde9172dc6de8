"""A processed table is declared once (ruralstudy.tables.schemas): a pandera schema whose
columns carry their description, Chinese title, unit and what an empty cell means. The schema
check, the column order, the Data page's column docs, the Data Package and the Stata labels all
come from that one declaration."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pandera.pandas as pa
import pytest

from ruralstudy import registry
from ruralstudy.errors import ValidationError
from ruralstudy.tables import datapackage as D
from ruralstudy.tables import indicators as I
from ruralstudy.tables import schemas as S


@pytest.fixture()
def fresh_tables(monkeypatch):
    """The table registry as shipped, restored after the test."""
    monkeypatch.setattr(registry, "TABLES", list(registry.TABLES))
    return registry


def _crosschecks(**extra) -> pd.DataFrame:
    df = pd.DataFrame({"region": ["固始县"], "year": [2021], "check": ["income"],
                       "implied": [1.0], "observed": [1.0], "observed_indicator": ["villages"],
                       "rel_diff": [0.0], "ok": [True], "sources": ["a;b"]})
    return df.assign(**extra)


def test_every_registered_table_is_declared_with_a_description_per_column():
    for t in registry.TABLES:
        schema = S.declaration(t.name)
        assert schema.strict and schema.ordered, t.name
        assert list(t.columns) == list(schema.columns) and t.columns, t.name
        for name, col in schema.columns.items():
            assert col.description and col.title, (t.name, name)


def test_the_indicator_tables_column_lists_come_from_the_declarations():
    assert I.PANEL_COLUMNS == [c for c in registry.table("panel").columns if c != "code_vintage"]
    assert I.OBS_COLUMNS == [c for c in registry.table("mapping").columns if c != "code_vintage"]
    assert I.CONFLICT_COLUMNS == list(registry.table("conflicts").columns)


def test_a_column_added_to_a_declaration_shows_up_everywhere_with_no_other_edit(fresh_tables):
    """One edit (a column added to the crosschecks declaration) and the schema check, the
    column order, the column docs, the Data Package and the Stata labels all know it."""
    wider = S.declare("crosschecks", *S.CROSSCHECKS.columns.values(),
                      S.column("tolerance", float, pa.Check.ge(0),
                               description="Largest relative difference taken as agreement",
                               unit="ratio", label_zh="容差"))
    fresh_tables.register_table(replace(registry.table("crosschecks"),
                                        schema=f"{__name__}:WIDER"))
    globals()["WIDER"] = wider
    try:
        # the schema check: the column is required, in its place, and checked
        with pytest.raises(ValidationError, match="crosschecks"):
            registry.check("crosschecks", _crosschecks())
        with pytest.raises(ValidationError, match="crosschecks"):
            registry.check("crosschecks", _crosschecks(tolerance=-1.0))
        registry.check("crosschecks", _crosschecks(tolerance=0.02))
        assert registry.table("crosschecks").columns[-1] == "tolerance"
        # the Data page's column docs
        docs = D.column_docs("crosschecks")
        assert docs["tolerance"] == "Largest relative difference taken as agreement [unit: ratio]"
        assert list(docs) == list(registry.table("crosschecks").columns)
        # the Data Package
        pkg = json.loads(D.datapackage({"crosschecks": _crosschecks(tolerance=0.02)},
                                       version="x", created="2026-01-01T00:00:00Z"))
        fields = {f["name"]: f for f in pkg["resources"][0]["schema"]["fields"]}
        assert fields["tolerance"] == {"name": "tolerance", "type": "number",
                                       "description": "Largest relative difference taken as "
                                                      "agreement",
                                       "title": "容差", "unit": "ratio"}
        # the Stata labels
        assert D.stata_labels("crosschecks", ["tolerance"]) == {
            "tolerance": "容差 / Largest relative difference taken as agreement"}
    finally:
        del globals()["WIDER"]


def test_a_column_without_a_description_is_refused():
    with pytest.raises(S.UndescribedColumn, match="'mystery'"):
        S.column("mystery", float)
    with pytest.raises(S.UndescribedColumn, match="'mystery'"):
        S.declare("t", "region", "mystery")


def test_a_registered_table_with_an_undescribed_column_is_refused(fresh_tables):
    """A schema written by hand (or a pandera model) must describe every column too: the check,
    the docs and the Data Package refuse it, naming the column."""
    globals()["BARE"] = pa.DataFrameSchema({"region": pa.Column(str, description="Region"),
                                            "n": pa.Column(int)})
    fresh_tables.register_table(registry.ProcessedTable("bare", "Bare", f"{__name__}:BARE"))
    try:
        frame = pd.DataFrame({"region": ["固始县"], "n": [1]})
        with pytest.raises(S.UndescribedColumn, match="column 'n' of table 'bare'"):
            registry.check("bare", frame)
        with pytest.raises(S.UndescribedColumn, match="'n'"):
            D.column_docs("bare")
        with pytest.raises(S.UndescribedColumn, match="'n'"):
            D.datapackage({"bare": frame}, version="x", created="2026-01-01T00:00:00Z")
    finally:
        del globals()["BARE"]


class Model(pa.DataFrameModel):
    region: str = pa.Field(description="Region name", title="地区")
    n: int = pa.Field(ge=0)  # no description


def test_a_pandera_model_without_a_description_is_refused():
    with pytest.raises(S.UndescribedColumn, match="'n'"):
        S.described(Model, "model")


def test_a_column_out_of_its_declared_order_or_undeclared_fails_the_check():
    df = _crosschecks()
    with pytest.raises(ValidationError, match="crosschecks"):
        registry.check("crosschecks", df[list(reversed(df.columns))])
    with pytest.raises(ValidationError, match="crosschecks"):
        registry.check("crosschecks", df.assign(extra=1))
    registry.check("crosschecks", df)


def test_a_table_words_a_shared_column_in_its_own_declaration():
    assert D.column("panel", "value").description.startswith("The one value kept")
    assert D.column("indicators", "value").description == S.MEANINGS["value"].description
    assert D.column("rejects", "reason").description == "Why the sheet row could not be used"
    with pytest.raises(D.UndeclaredColumn, match="'mystery' of table 'panel'"):
        D.column("panel", "mystery")


def test_a_table_checked_in_part_checks_its_rows_and_uniqueness_over_all():
    """registry.check(name, df, rows=mask): the masked rows against every column's checks, the
    declared uniqueness over the whole table (what the build does after reusing pieces)."""
    schema = pa.DataFrameSchema({"id": pa.Column(str, unique=True),
                                 "n": pa.Column(int, pa.Check.ge(0))}, unique=["n"])
    from ruralstudy.tables.validate import check_schema_in_part

    df = pd.DataFrame({"id": ["a", "b", "c"], "n": [1, -2, 3]})
    check_schema_in_part(df, schema, "t", df["id"].ne("b"))  # the bad row is not checked
    with pytest.raises(ValidationError, match="fails its schema"):
        check_schema_in_part(df, schema, "t", df["id"].eq("b"))
    dup = pd.DataFrame({"id": ["a", "a"], "n": [1, 2]})
    with pytest.raises(ValidationError, match="id not unique"):
        check_schema_in_part(dup, schema, "t", dup["n"].eq(2))  # one checked, both keyed
    same_n = pd.DataFrame({"id": ["a", "b"], "n": [1, 1]})
    with pytest.raises(ValidationError, match="n not unique"):
        check_schema_in_part(same_n, schema, "t", same_n["id"].eq("b"))
