"""The Value Map workbook: `layout` (sheets, columns, labels), `writer` (export with live
formulas) and `reader` (import with errors by sheet and cell)."""
