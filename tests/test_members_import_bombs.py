"""Spreadsheet bombs: refused within a second with a Vietnamese message, in bounded memory (issue 8, item 12)."""
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.members import importer
from tests.conftest import errors_in
from tests.factories_members import *  # noqa: F401,F403

ROOT = Path(__file__).resolve().parent.parent
HEAD = '<row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>'


def xlsx_with_sheet(sheet_xml, level=9):
    """A valid small workbook whose first sheet's XML is replaced by `sheet_xml` (bytes)."""
    wb = Workbook()
    wb.active.append(["Họ và tên"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            data = sheet_xml if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return out.getvalue()


def sheet(rows_xml, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + dim.encode() + b"<sheetData>" + rows_xml + b"</sheetData></worksheet>")


def empty_rows_bomb(declare=True):
    """5 million empty rows under a header, ~45 KB packed."""
    return xlsx_with_sheet(sheet(HEAD.encode() + b"<row/>" * 5_000_000, "A1:R5000001" if declare else None))


def wide_bomb():
    """A sheet declaring every column of every row, a couple of KB packed."""
    rows = b"".join(f'<row r="{r}"><c r="XFD{r}" t="inlineStr"><is><t>x</t></is></c></row>'.encode() for r in range(2, 40))
    return xlsx_with_sheet(sheet(HEAD.encode() + rows, "A1:XFD1048576"))


def wide_small():
    """Wide but honest about rows: 200 rows each reaching column XFD (16,384 columns)."""
    rows = b"".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Tên {r}</t></is></c><c r="XFD{r}" t="inlineStr"><is><t>x</t>'
                    f'</is></c></row>'.encode() for r in range(2, 200))
    return xlsx_with_sheet(sheet(HEAD.encode() + rows, "A1:XFD199"))


BOMBS = {
    "rows_declared.xlsx": lambda: empty_rows_bomb(True),
    "rows_undeclared.xlsx": lambda: empty_rows_bomb(False),
    "wide.xlsx": wide_bomb,
    "lines.csv": lambda: "Họ và tên\n".encode() + b"\n" * 5_000_000,
    "field.csv": lambda: "Họ và tên\n".encode() + b"x" * 1_000_000 + b"\n",
    "huge.csv": lambda: "Họ và tên\n".encode() + b"Nguyen Van An,\n" * 800_000,
}

PROBE = r"""
import json, resource, sys, time, tracemalloc
from tests.conftest import make_app
from app.members import importer
app = make_app(SQLALCHEMY_DATABASE_URI="sqlite://")
data = open(sys.argv[1], "rb").read()
name = sys.argv[1]
with app.test_request_context():
    importer.read_upload("warm.csv", "Họ và tên\nA\n".encode())
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.process_time()  # CPU seconds: the work done, not the wait for a core on a busy machine
    try:
        rows = importer.read_upload(name, data)
        message = None
    except importer.ImportFileError as exc:
        rows, message = None, str(exc)
    seconds = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "rss": rss, "message": message, "rows": None if rows is None else len(rows)}))
"""


def probe(data, path, timeout=120):
    """Read `data` as an upload named like `path` in a fresh process (PROBE): its message, CPU seconds and memory."""
    path.write_bytes(data)
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_refused_fast_in_little_memory(name, tmp_path):
    data = BOMBS[name]()
    if name.startswith("rows"):
        assert len(data) < 60_000  # the small file the issue describes
    result = probe(data, tmp_path / name)
    assert result["message"], result
    assert any(ch in result["message"] for ch in "ệảốờ"), result["message"]  # Vietnamese, with its diacritics
    assert result["seconds"] < 4, result  # CPU seconds: the bombs took minutes (or the worker) before the caps
    assert result["peak"] < 100 * 1024 * 1024 and result["rss"] < 100 * 1024 * 1024, result


def test_wide_but_short_sheet_reads_quickly_sixty_columns_wide(app):
    data = wide_small()
    with app.test_request_context():
        started = time.process_time()  # CPU seconds: the work done, not the wait for a core on a busy machine
        rows = importer.read_upload("wide.xlsx", data)
        assert time.perf_counter() - started < 1.0
    assert len(rows) == 198 and rows[0]["cells"] == {"full_name": "Tên 2"}


def test_row_cap_counts_empty_rows_and_stops_reading(app):
    """A sheet whose declared size lies is still stopped at the cap: blank rows count, the rest is never read."""
    consumed = {"n": 0}

    def endless():
        yield ("Họ và tên",)
        while True:
            consumed["n"] += 1
            yield (None, None)

    with app.test_request_context(), pytest.raises(importer.ImportFileError):
        importer._rows_from_table(endless())
    assert consumed["n"] <= importer.MAX_ROWS + importer.MAX_HEAD_ROWS


def test_bomb_upload_is_a_vietnamese_field_error(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    # (uploads under 500 KB: the test client spools bigger ones to a temporary file it never closes)
    files = {"rows_declared.xlsx": BOMBS["rows_declared.xlsx"](), "wide.xlsx": wide_bomb(),
             "lines.csv": "Họ và tên\n".encode() + b"\n" * 400_000}
    for name, data in files.items():
        started = time.process_time()  # CPU seconds: the work done, not the wait for a core on a busy machine
        resp = client.post(f"/members/import?unit={tree.C1.id}", content_type="multipart/form-data",
                           data={"unit": str(tree.C1.id), "file": (io.BytesIO(data), name)})
        assert time.perf_counter() - started < 1.5
        assert resp.status_code == 422
        assert any("quá" in e for e in errors_in(resp.data)), errors_in(resp.data)
