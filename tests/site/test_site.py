"""ruralstudy.site.site: helpers of the site's pages and downloads."""

# --- formula cells told from the frame (the downloads' fast path) ----------------------------

def _frame_cases():
    import numpy as np
    import pandas as pd

    base = {"n": pd.array([1, -2, None], dtype="Int64"), "x": [0.5, -3.25, np.nan],
            "ok": [True, False, True], "s": pd.array(["a", "-3.5", None], dtype="str")}
    yield pd.DataFrame(base), False
    yield pd.DataFrame({**base, "s": pd.array(["a", "=1+1", None], dtype="str")}), True
    yield pd.DataFrame({**base, "s": pd.array(["-2+3+cmd|' /C calc'!A0", "b", "c"],
                                              dtype="str")}), True
    yield pd.DataFrame({**base, "s": pd.array(["@SUM(A1)", "b", "c"], dtype="str")}), True
    yield pd.DataFrame({**base, "s": pd.array(["\tx", "b", "c"], dtype="str")}), True
    yield pd.DataFrame({**base, "x": [0.5, -np.inf, 1.0]}), True
    yield pd.DataFrame({**base, "x": [0.5, np.inf, 1.0]}), False
    yield pd.DataFrame({"=bad header": [1]}), True
    yield pd.DataFrame({"o": pd.Series(["=x", 1], dtype=object)}), None


def test_csv_formula_cells_agrees_with_reading_the_csv():
    from ruralstudy import iorw
    from ruralstudy.site.site import csv_formula_cells, excel_csv, neutralise_csv

    for df, expected in _frame_cases():
        data = iorw.frame_to_csv_bytes(df)
        assert csv_formula_cells(df) is expected, df
        if expected is not None:  # what the frame tells is what reading the CSV finds
            assert (neutralise_csv(data) != data) is expected, df
        # the fast path gives the same bytes as reading the CSV
        assert excel_csv(data, df) == excel_csv(data)
