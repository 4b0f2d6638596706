"""The ledgers' lean XLSX writer reads, in openpyxl, exactly as the same rows written by xlsxwriter."""

from __future__ import annotations

import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook

from services.ledger.exports.layout import RECTIFICATION_HEADERS
from services.ledger.exports.workbook import SheetWriter, column_name, xml_text

ROWS = [
    ["2024年“大走访大排查大整改”行动发现问题整改台账"],
    list(RECTIFICATION_HEADERS),
    [1, "铜梁区", "户", "西河镇", "石鱼村", "张德明", "其他一般农户", "⑤饮水安全", "饮水不安全 & 水井<损毁>", "",
     None, "2024-09-20", "2024-09-10 张三：管道已铺设一半\n2024-09-12 李四：已通水", "整改中", "  前后有空格  "],
    [2, "'=HYPERLINK(\"http://x\")", "村", "西河镇", "——", "——", "——", "③监测对象识别", "控制\x01字符\x1f与\t制表",
     "_x0041_ 字面", "镇政府", "2024-10-31", "", "", ""],
    [3],
    [123456789012, "最后一列有值", None, None, None, None, None, None, None, None, None, None, None, None, "末"],
]


def with_xlsxwriter(path, rows) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                               "strings_to_urls": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("发现问题整改台账")
    for number, values in enumerate(rows):
        sheet.write_row(number, 0, values)
    workbook.close()


def with_sheet_writer(path, rows, *, in_parts: int = 2) -> None:
    writer = SheetWriter(path, "发现问题整改台账", columns=len(RECTIFICATION_HEADERS))
    for start in range(0, len(rows), in_parts):
        writer.append_rows(rows[start:start + in_parts])
    writer.close()


def views(path) -> list:
    streamed = load_workbook(path, read_only=True)
    whole = load_workbook(path)
    sheets = (streamed.worksheets[0], whole.worksheets[0])
    return [(sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]) for sheet in sheets]


def test_the_same_rows_read_the_same_in_openpyxl(tmp_path):
    with_xlsxwriter(tmp_path / "reference.xlsx", ROWS)
    with_sheet_writer(tmp_path / "lean.xlsx", ROWS)
    reference, lean = views(tmp_path / "reference.xlsx"), views(tmp_path / "lean.xlsx")
    assert lean == reference
    streamed_rows = lean[0][1]
    assert streamed_rows[2][14] == "  前后有空格  " and streamed_rows[0][1:] == [None] * 14
    assert streamed_rows[5][0] == 123456789012 and isinstance(streamed_rows[2][0], int)


def test_an_empty_ledger_still_has_its_title_and_headers(tmp_path):
    with_xlsxwriter(tmp_path / "reference.xlsx", ROWS[:2])
    with_sheet_writer(tmp_path / "lean.xlsx", ROWS[:2])
    assert views(tmp_path / "lean.xlsx") == views(tmp_path / "reference.xlsx")


def test_the_package_holds_what_a_spreadsheet_program_needs(tmp_path):
    with_sheet_writer(tmp_path / "lean.xlsx", ROWS)
    with zipfile.ZipFile(tmp_path / "lean.xlsx") as package:
        assert package.testzip() is None
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= set(package.namelist())
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:O6"/>' in sheet and "_x0001_" in sheet and "&amp;" in sheet


def test_cells_it_cannot_write_are_refused(tmp_path):
    writer = SheetWriter(tmp_path / "x.xlsx", "s", columns=2)
    with pytest.raises(ValueError, match="3 cells"):
        writer.append_rows([[1, "a", "b"]])
    with pytest.raises(TypeError, match="float"):
        writer.append_rows([[1.5]])
    writer.discard()


def test_column_names_and_text_escapes():
    assert [column_name(i) for i in (0, 14, 25, 26, 701, 702)] == ["A", "O", "Z", "AA", "ZZ", "AAA"]
    assert xml_text("a<b>&c\x0b") == "a&lt;b&gt;&amp;c_x000B_"
    assert xml_text("普通文字") == "普通文字"
