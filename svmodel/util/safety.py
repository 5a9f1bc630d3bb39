"""Output safety in one place: HTML escaping, the URL-scheme allow-list, spreadsheet formula
neutralisation and terminal-safe text.

Every page, CSV file, workbook and terminal line that shows user-supplied text goes through
these functions, so a scenario, bid, proxy pack or ledger return cannot inject script, a live
spreadsheet formula or a terminal escape sequence.

References: OWASP Cross Site Scripting Prevention Cheat Sheet (output encoding, rule 1, and
URL scheme allow-listing, rule 5); OWASP CSV Injection (prefix cells that start with
``=``, ``+``, ``-``, ``@``, tab or carriage return with a single quote).
"""

from __future__ import annotations

import html
import math
import re
from typing import Any
from urllib.parse import urlsplit

#: URL schemes a report may turn into a link. Anything else (javascript:, data:, vbscript:,
#: file:...) is shown as plain text.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

#: First characters that make a spreadsheet treat a cell as a formula or a command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_html(value: Any) -> str:
    """Text made safe for an HTML element or a quoted attribute; None becomes ""."""
    return "" if value is None else html.escape(str(value), quote=True)


def safe_url(url: Any, allow_relative: bool = False) -> str | None:
    """`url` if its scheme is allow-listed (http, https, mailto), else None.

    Relative URLs (no scheme) are refused too, unless `allow_relative` (a page's links to
    its sibling files, such as a batch index's links to reports); even then a
    protocol-relative ``//host`` or a backslash is refused. Control characters and white
    space inside the scheme (``java\\tscript:``) are refused.
    """
    if url is None:
        return None
    text = str(url).strip()
    if not text or _CONTROL.search(text) or any(ch.isspace() for ch in text):
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    if not scheme and allow_relative and ":" not in text.split("/", 1)[0] \
            and not text.startswith(("//", "\\")) and "\\" not in text:
        return text
    return text if scheme in ALLOWED_URL_SCHEMES else None


def html_link(url: Any, text: Any = None, allow_relative: bool = False) -> str:
    """An escaped ``<a>`` when the URL's scheme is allowed, else the escaped text alone."""
    label = escape_html(url if text is None else text)
    href = safe_url(url, allow_relative)
    if href is None:
        return label
    return f'<a href="{escape_html(href)}" rel="noopener noreferrer">{label}</a>'


def neutralise_cell(value: Any) -> Any:
    """A CSV or xlsx cell value that no spreadsheet will run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading
    single quote (the OWASP recommendation). Numbers, booleans, dates and None pass unchanged,
    so negative numbers stay numbers; a string that is a plain number (``-5``, ``+3.2``) is
    left alone too, because a spreadsheet reads it as that number, not as a formula.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    try:
        number = float(value)
    except ValueError:
        return "'" + value
    return value if math.isfinite(number) else "'" + value


def restore_cell(value: Any) -> Any:
    """The inverse of `neutralise_cell` for reading svmodel's own exports back: text made of a
    single quote and a formula trigger ("'=SUM(A1)") is read as the text the user typed
    ("=SUM(A1)"), as a spreadsheet shows a quote-prefixed cell. Anything else is unchanged."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def neutralise_row(row: Any) -> Any:
    """`neutralise_cell` over a sequence (list or tuple) or the values of a mapping."""
    if isinstance(row, dict):
        return {key: neutralise_cell(value) for key, value in row.items()}
    return type(row)(neutralise_cell(value) for value in row) if isinstance(row, tuple) else [
        neutralise_cell(value) for value in row]


def terminal_text(value: Any) -> str:
    """Text safe to print: control characters (ESC and the C1 set among them) shown as
    ``\\xNN`` escapes, so a name cannot move the cursor, recolour or retitle a terminal."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def json_terminal_text(text: str) -> str:
    """JSON text safe to print: control characters left raw inside strings (DEL and the C1
    set, which `json.dumps(..., ensure_ascii=False)` does not escape) written as ``\\u00NN``
    escapes, so the JSON stays valid and means the same while a terminal shows no escape
    sequence."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def css_string(text: Any) -> str:
    """A CSS string literal for `content:` in which any text is inert: every character other
    than an ASCII letter or digit becomes a six-digit CSS hex escape (so no quote, backslash or
    `</style>` can end the string or the style element; spaces are escaped too, because a
    space after an escape would be taken as the escape's terminator)."""
    out = []
    for ch in " ".join(str(text or "").split())[:200]:
        out.append(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'


def chart_text(value: Any) -> str:
    """Text for a matplotlib label: dollar signs escaped, so a name such as ``$\\frac{$`` is
    drawn as typed instead of parsed as mathtext (which fails, or renders something else)."""
    return ("" if value is None else str(value)).replace("$", r"\$")


def csv_text(rows: Any, header: Any = None) -> str:
    """CSV text with every cell neutralised: the one way svmodel writes CSV.

    `rows` is a pandas DataFrame (its columns become the header) or an iterable of
    sequences (with `header` given separately, or None for no header row).
    """
    import csv
    import io

    if hasattr(rows, "itertuples") and hasattr(rows, "columns"):
        header = [str(column) for column in rows.columns]
        rows = rows.itertuples(index=False, name=None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header is not None:
        writer.writerow(neutralise_row(list(header)))
    for row in rows:
        writer.writerow(["" if _missing(v) else v for v in neutralise_row(list(row))])
    return buffer.getvalue()


def _missing(value: Any) -> bool:
    """None and NaN are written as empty cells, as pandas' to_csv does."""
    return value is None or (isinstance(value, float) and math.isnan(value))
