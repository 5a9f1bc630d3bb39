"""Every upper bound svmodel puts on its input, with the reason for each value.

A bound exists so that hostile or mistaken input gets a clear error naming the file and the
field instead of gigabytes of memory, a hang, a float overflow or a silently meaningless
result. Each value is generous for real appraisals (SROI Guide 2012; HM Treasury Green Book
2022) and small enough that the worst case a file can request stays in memory and time.
The year and duration bounds are meant to be read by a parameter registry; everything else
here is about file sizes and parsing.
"""

from __future__ import annotations

# --------------------------------------------------------------------------- years
#: Last year from now that an outcome or an input may fall in. The Green Book's declining
#: discount schedule (Annex A6, Table 8) is tabulated in bands up to year 300 ("301 and
#: over" is the last band), so 300 years covers every horizon the Green Book prices; an SROI
#: forecast rarely counts beyond 10. It also keeps the engine's lines x years matrix small
#: (10,000 lines x 300 years = 3 million numbers) and every discount factor far above
#: underflow (1/1.999^300 is about 1e-90), so a distant input never makes the ratio n/a.
MAX_YEAR = 300

#: Longest outcome duration in years: an outcome must end within the horizon above.
MAX_DURATION_YEARS = MAX_YEAR

#: Latest first year of an outcome (1 = the first year): the same horizon.
MAX_START_YEAR = MAX_YEAR

# --------------------------------------------------------------------------- numbers
#: Largest amount of money, in pounds, one input, proxy value or contract value may have:
#: GBP 10 trillion, about four times UK annual GDP (ONS, GDP at market prices, about GBP 2.8
#: trillion in 2024), so no real figure comes near it. With MAX_QUANTITY and MAX_YEAR it keeps
#: every product Q x V x years below 1e28, far from float overflow (about 1.8e308).
MAX_MONEY = 1e13

#: Largest quantity of one outcome or commitment: a trillion units. Counts of people, hours
#: or tonnes from one public body are many orders of magnitude smaller (UK annual electricity
#: use, about 3e11 kWh, is a large physical quantity and still fits).
MAX_QUANTITY = 1e12

# --------------------------------------------------------------------------- scenario size
#: Most outcome lines in one scenario: 10,000. A Value Map rarely has more than 50 lines; the
#: engine holds a lines x years matrix (with MAX_YEAR, at most 3 million numbers, 24 MB).
MAX_OUTCOMES = 10_000

#: Most inputs (investment lines) in one scenario: 10,000, for the same reason.
MAX_INPUTS = 10_000

#: Most proxy packs one scenario may layer on the library: 20. A licence holder layers one or
#: two; each pack is read and merged in turn, so a list of thousands would take minutes.
MAX_PROXY_PACKS = 20

# --------------------------------------------------------------------------- files
#: Largest YAML file (scenario, tender specification, framework): 5 MB. The largest shipped
#: example is a few kilobytes; 5 MB holds tens of thousands of outcome lines.
MAX_YAML_BYTES = 5 * 1024 * 1024

#: Largest CSV file (proxy pack, bid, scores, delivery return): 20 MB. The shipped library's
#: biggest file (the whole GMCA Unit Cost Database, 780 rows) is under 1 MB.
MAX_CSV_BYTES = 20 * 1024 * 1024

#: Largest CSV field: 128 KiB, Python's csv module default (131,072 characters); a source
#: citation or a bidder's description is a few hundred characters.
MAX_CSV_FIELD = 131_072

#: Largest xlsx file on disk (compressed): 25 MB.
MAX_XLSX_BYTES = 25 * 1024 * 1024

#: Largest total uncompressed size of the parts of an xlsx that svmodel reads: 200 MB. An
#: xlsx is a zip archive; a "zip bomb" declares gigabytes that inflate from a few kilobytes.
#: Sizes are checked from the archive's directory before anything is inflated, and Python's
#: zipfile stops at the declared size, so a lying header cannot exceed it either.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

#: Largest number of parts (files) in an xlsx archive: a workbook has a few dozen.
MAX_XLSX_PARTS = 10_000

#: Largest number of non-empty cells svmodel keeps from one workbook: 500,000 (a Value Map of
#: 10,000 outcome rows x 40 columns is 400,000). Cells are held sparsely, so a single cell at
#: XFD1048576 costs one entry, not a grid of 17 billion.
MAX_XLSX_CELLS = 500_000

#: Largest number of shared strings in an xlsx: at most one per cell.
MAX_XLSX_SHARED_STRINGS = MAX_XLSX_CELLS

#: Largest text in one cell: 32,767 characters, Excel's own limit per cell
#: (Microsoft, "Excel specifications and limits").
MAX_XLSX_CELL_TEXT = 32_767

# --------------------------------------------------------------------------- YAML structure
#: Deepest nesting of YAML collections. A scenario is at most five levels deep
#: (outcomes -> item -> value -> field); 64 leaves room and stays far below Python's
#: recursion limit (1,000), which deep nesting would otherwise hit.
MAX_YAML_DEPTH = 64

#: Largest number of YAML nodes after aliases are expanded: 1,000,000. Anchors and aliases
#: are legitimate (shared defaults), but a "billion laughs" document of a few hundred bytes
#: expands to 10^9 nodes; validation walks the expanded data, so it is counted (without
#: expanding anything) and refused above this bound. A 5 MB file without aliases has fewer.
MAX_YAML_NODES = 1_000_000

# --------------------------------------------------------------------------- rows
#: Largest number of rows in a proxy pack, bid, scores file or delivery return: 100,000.
#: The whole shipped library has about 800 rows; a bid has one row per measure.
MAX_TABLE_ROWS = 100_000
