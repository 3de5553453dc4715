"""XLSX bombs in the parts openpyxl reads whole (QA through the web form on gunicorn: a 1.7 MB workbook whose shared
strings unpack to 46 MB at a 28× ratio — under every size and ratio limit — took 31 s and 480 MB, then a 500; its
styles can do the same). Such parts are capped on what the zip declares, and the shared strings by entry count,
before openpyxl opens anything."""
import io
import random
import zipfile

import pytest
from openpyxl import Workbook

from app.members import importer
from tests.test_members_import_bombs import probe

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_with(parts):
    """A valid workbook plus/replacing `parts` {name: bytes}; a sharedStrings part is wired into the rels."""
    wb = Workbook()
    wb.active.append(["Họ và tên"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    parts = dict(parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = parts.pop(info.filename, None) or src.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels" and "xl/strings.xml" in parts:
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.'
                                    b'org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/></Relationships>')
            if info.filename == "[Content_Types].xml" and "xl/strings.xml" in parts:
                data = data.replace(b"</Types>", b'<Override PartName="/xl/strings.xml" ContentType="application/vnd.'
                                    b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            dst.writestr(info.filename, data)
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def shared_strings(texts):
    body = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">{body}</sst>'.encode()


def strings_bomb():
    """2.5 million short shared strings (a renamed part): ~1.7 MB packed, ~46 MB unpacked, ratio ~28."""
    rnd = random.Random(1)
    return workbook_with({"xl/strings.xml": shared_strings(rnd.choice("ab") + rnd.choice("ab") + rnd.choice("ab")
                                                           for _ in range(2_500_000))})


def styles_bomb():
    rnd = random.Random(1)
    xfs = "".join(f'<xf numFmtId="{rnd.randrange(64)}" fontId="0" fillId="0" borderId="0" xfId="0"/>' for _ in range(400_000))
    return workbook_with({"xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}"><fonts count="1"><font><sz val="11"/></font>'
        '</fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="400000">{xfs}</cellXfs></styleSheet>').encode()})


def _ratio(data, part):
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    return info.file_size, info.file_size / info.compress_size


@pytest.mark.parametrize("make,part", [(strings_bomb, "xl/strings.xml"), (styles_bomb, "xl/styles.xml")])
def test_parts_read_whole_are_capped_before_opening(make, part, tmp_path):
    data = make()
    size, ratio = _ratio(data, part)
    assert len(data) < importer.MAX_FILE_BYTES and size < importer.MAX_MEMBER_BYTES and ratio < importer.MAX_RATIO
    result = probe(data, tmp_path / "upload.xlsx", timeout=180)
    assert result["message"] and "quá lớn" in result["message"], result
    assert result["seconds"] < 4, result  # CPU seconds; reading the parts whole took 31 s
    assert result["peak"] < 30 * 1024 * 1024, result


def test_an_honest_workbook_with_shared_strings_still_reads(app):
    names = [f"Nguyễn Văn {i:05d}" for i in range(5000)]
    sheet_rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{r - 1}</v></c></row>' for r in range(1, 5002))
    data = workbook_with({
        "xl/strings.xml": shared_strings(["Họ và tên"] + names),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
                                    f'{sheet_rows}</sheetData></worksheet>'.encode()})
    with app.test_request_context():
        rows = importer.read_upload("roll.xlsx", data)
    assert len(rows) == 5000 and rows[0]["cells"] == {"full_name": "Nguyễn Văn 00000"}
    assert rows[-1]["cells"] == {"full_name": "Nguyễn Văn 04999"}


def giant_cell(megabytes, column="A", row=2):
    """One inline string of `megabytes` MB of random a/b (~7× packed: under every size and ratio limit)."""
    from tests.test_members_import_bombs import HEAD, sheet, xlsx_with_sheet

    ab = bytes(97 + (i & 1) for i in range(256))  # each random byte → "a" or "b", at C speed
    text = random.Random(2).randbytes(megabytes * 1024 * 1024).translate(ab).decode()
    cell = f'<row r="{row}"><c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()
    return xlsx_with_sheet(sheet(cell + HEAD.replace('r="1"', 'r="3"').replace("A1", "A3").encode()
                                 if row == 1 else HEAD.encode() + cell), level=1)  # level 9 takes ~100 s here


@pytest.mark.parametrize("row", [1, 2])  # a title row above the header, or a person's row
def test_a_giant_cell_is_refused_before_anything_folds_it(row, tmp_path):
    """QA: a 6 MB workbook holding one 40 MB cell held a gunicorn worker until its 30 s timeout killed it (a 500)."""
    data = giant_cell(40, row=row)
    assert len(data) < importer.MAX_FILE_BYTES
    result = probe(data, tmp_path / "upload.xlsx", timeout=180)
    assert result["message"] and "ô dài hơn 10.000 ký tự" in result["message"], result
    # CPU seconds, an order of magnitude below folding the cell (31 s, 480 MB): a loose bound, not a benchmark
    assert result["seconds"] < 6, result
    assert result["peak"] < 100 * 1024 * 1024, result
