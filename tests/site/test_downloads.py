"""ruralstudy.site.site: the data downloads (formula cells, files copied as they are, the zip)."""

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


def test_file_downloads_publish_and_zip_the_same_bytes(tmp_path):
    """A CSV table offered from its processed file (copied when the site is written, never
    held in memory) gives the same download, and the same zip, as its bytes."""
    import pandas as pd

    from ruralstudy import iorw
    from ruralstudy.site.site import (FileDownload, UTF8_BOM, data_zip, excel_csv,
                                      excel_file_download)

    df = pd.DataFrame({"region": pd.array(["六盘水市", "南通市"], dtype="str"), "value": [1.5, -2.0]})
    f = tmp_path / "panel.csv"
    f.write_bytes(iorw.frame_to_csv_bytes(df))
    as_bytes = excel_csv(f.read_bytes())
    down = excel_file_download(f, df)
    assert isinstance(down, FileDownload) and down.prefix == UTF8_BOM
    assert len(down) == len(as_bytes)
    down.write_to(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_bytes() == as_bytes
    other = {"codebook.yaml": b"x: 1\n"}
    assert data_zip({**other, "panel.csv": down}) == data_zip({**other, "panel.csv": as_bytes})
    # a frame with a formula cell: the neutralised bytes, read now
    bad = pd.DataFrame({"region": pd.array(["=HYPERLINK(1)"], dtype="str")})
    g = tmp_path / "bad.csv"
    g.write_bytes(iorw.frame_to_csv_bytes(bad))
    out = excel_file_download(g, bad)
    assert isinstance(out, bytes) and out == excel_csv(g.read_bytes()) and b"'=HYPERLINK" in out


def test_data_zip_file_is_the_zip_as_bytes_published_from_its_file(tmp_path):
    """The zip written to a file (held by the build as a download copied when the site is
    written) has the bytes of the zip made in memory; written aside, then renamed."""
    from ruralstudy.site.site import FileDownload, data_zip, data_zip_file

    f = tmp_path / "panel.csv"
    f.write_bytes("region,value\n六盘水市,1.5\n".encode("utf-8"))
    files = {"codebook.yaml": b"x: 1\n", "panel.csv": FileDownload(f, b"\xef\xbb\xbf"),
             "panel.dta": bytes(range(256)) * 64}
    down = data_zip_file(files, tmp_path / "scratch" / "ruralstudy-data.zip")
    assert isinstance(down, FileDownload) and down.prefix == b""
    assert down.path.read_bytes() == data_zip(files) and len(down) == len(data_zip(files))
    assert [p.name for p in down.path.parent.iterdir()] == ["ruralstudy-data.zip"]
    down.write_to(tmp_path / "out.zip")
    assert (tmp_path / "out.zip").read_bytes() == data_zip(files)
