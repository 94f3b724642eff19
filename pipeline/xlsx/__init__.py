"""Reading workbooks, Excel (XLSX) and OpenDocument (ODS): streamed, bounded against
decompression bombs, any sheet, any header row.

``open_workbook(path)`` gives a ``Workbook``: its sheets, ``layout`` (which sheet and header
row hold the table), ``overview`` (the app's sheet picker) and ``records`` (the data rows).
The modules go from the container up: ``archive`` (the ZIP, bounded), ``xmlstream`` (expat,
bounded), ``workbook`` (an Excel file's sheets and parts), ``strings`` and ``styles`` (what
its cells refer to), ``merges`` (cells merged down rows, found by the archive's check pass),
``sheet`` (rows and cell values), ``ods`` (an OpenDocument spreadsheet's sheets and rows),
``layout`` (pure: sheet and header choice), ``combined`` (pure: several sheets as one table,
``ALL_SHEETS``), ``reader`` (a ``Workbook`` over either kind's ``SheetSource``).
"""

from pipeline.xlsx.combined import ALL_SHEETS, CombinedTable
from pipeline.xlsx.layout import SheetLayout
from pipeline.xlsx.limits import XlsxLimits
from pipeline.xlsx.reader import SheetOverview, Workbook, open_workbook

__all__ = [
    "ALL_SHEETS",
    "CombinedTable",
    "SheetLayout",
    "SheetOverview",
    "Workbook",
    "XlsxLimits",
    "open_workbook",
]
