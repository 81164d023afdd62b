"""The data dictionary as files: one table as CSV, or every table as an XLSX workbook a reviewer can filter.

The workbook (openpyxl) has a sheet per table of `edc.export.dictionary`,
each with a bold, frozen header row and an autofilter over its columns, so a
reviewer can filter items by form, type or SDTM domain in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from edc.export.dictionary import Table

#: The widest a column is made (in characters): the longer texts (rules, help) wrap in the cell instead.
MAX_WIDTH = 60


def write_csv(table: Table, out: IO[str]) -> None:
    """Write the table as CSV (a header row, then a row per entry; empty cells for none)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(["" if cell is None else cell for cell in row] for row in table.rows)


def csv_text(table: Table) -> str:
    """The table as CSV text."""
    out = io.StringIO()
    write_csv(table, out)
    return out.getvalue()


def workbook(tables: tuple[Table, ...]) -> Workbook:
    """A workbook with a sheet per table: header row bold and frozen, an autofilter over every column."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        for index, column in enumerate(table.columns, start=1):
            width = max([len(column), *(len(str(row[index - 1])) for row in table.rows if row[index - 1] is not None)])
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    return book


def write_xlsx(tables: tuple[Table, ...], path: Path) -> None:
    """Write the workbook of `tables` to `path`."""
    workbook(tables).save(path)


def xlsx_bytes(tables: tuple[Table, ...]) -> bytes:
    """The workbook of `tables` as the bytes of an .xlsx file (the dictionary is small: a few hundred rows)."""
    out = io.BytesIO()
    workbook(tables).save(out)
    return out.getvalue()
