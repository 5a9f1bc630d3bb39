"""The proxy library's value types, with no imports, so the command line can offer them as
`choices=` without loading the library; `svmodel.library.proxies` uses (and re-exports) them."""

from __future__ import annotations

VALUE_TYPES = ("fiscal", "economic", "social")
