"""The financial proxy library: load, look up, search, rebase.

Each proxy carries its value, price year, value type, beneficiary, source, url, licence and
confidence (docs/proxies.md; SROI Guide 2012, stage 3: "valuing outcomes"). The shipped
library lives in `proxies/`; licensed packs (e.g. a HACT Social Value Bank licence holder's
own CSV in the same format) can be layered on top and take precedence.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from svmodel.errors import ProxyLibraryError
from svmodel.resources import ENVIRONMENT, proxies_dir
from svmodel.util.inputfiles import read_bounded
from svmodel.parameters import CellError, parse_cell
from svmodel.util.limits import MAX_CSV_BYTES, MAX_CSV_FIELD, MAX_TABLE_ROWS
from svmodel.library.deflators import (Deflators, PriceYear, PriceYearError, load_deflator_vintages,
                                       newest_vintage)
from svmodel.library.vocabulary import VALUE_TYPES  # defined there for the command line; importable here

COLUMNS = (
    "id", "name", "unit", "value", "value_low", "value_high", "price_year", "value_type",
    "cashable", "beneficiary", "measures", "benefit_area", "transfer", "level", "parent",
    "source", "url", "licence", "confidence", "notes",
)
REQUIRED_COLUMNS = ("id", "name", "unit", "value", "price_year", "value_type", "source", "licence")


def default_proxies_dir() -> Path:
    """`$SVMODEL_PROXIES_DIR`, else the library shipped inside the package."""
    return proxies_dir()


def _row_error(path: Path, row: int, line: int | None, column: str, message: str) -> ProxyLibraryError:
    where = f"{path}, row {row}" + (f", {column}" if column else "")
    return ProxyLibraryError(f"{where}: {message}", str(path), line, column, message)


@dataclass(frozen=True)
class Proxy:
    """One financial proxy with its provenance."""

    id: str
    name: str
    unit: str
    value: float
    price_year: PriceYear
    value_type: str
    source: str
    licence: str
    url: str = ""
    value_low: float | None = None
    value_high: float | None = None
    cashable: bool | None = None
    beneficiary: str = ""
    measures: tuple[str, ...] = ()
    benefit_area: str = ""
    transfer: bool = False
    level: str = ""
    parent: str = ""
    confidence: str = ""
    notes: str = ""
    origin: str = "svmodel"  # "svmodel" for the shipped library, else the pack's file name

    def describe(self) -> str:
        return f"{self.name} (GBP {self.value:,.2f} {self.unit}, {self.price_year.label} prices; {self.source})"


def _parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t == "":
        return None
    if t in ("true", "yes", "1", "y"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    raise CellError(f"{text!r} is not true or false")


def read_proxy_csv(path: Path, origin: str = "svmodel", deflators: Deflators | None = None) -> list[Proxy]:
    """Read one proxy CSV in the library format; errors name the file, row and column."""
    path = Path(path)
    return parse_proxy_csv(read_bounded(path, MAX_CSV_BYTES), path, origin, deflators)


def parse_proxy_csv(data: bytes, path: Path, origin: str = "svmodel",
                    deflators: Deflators | None = None) -> list[Proxy]:
    """Proxies from the bytes of a CSV in the library format, checked as strictly for a
    licensed pack as for the shipped library: UTF-8 text, an id on every row and no id twice,
    finite values from 0 to MAX_MONEY with value_low <= value <= value_high, a price year in
    the deflator series (when `deflators` is given), fields within MAX_CSV_FIELD characters
    and at most MAX_TABLE_ROWS rows. Errors name the file, the row and the column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProxyLibraryError(
            f"{path}, line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save it as 'CSV UTF-8'", str(path), line, "",
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as 'CSV UTF-8'") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ProxyLibraryError(f"{path}, line {line}: the file contains a NUL byte (is it a binary file?)",
                                str(path), line, "", "the file contains a NUL byte (is it a binary file?)")
    proxies: list[Proxy] = []
    first_row: dict[str, int] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    row_number = 1
    try:
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ProxyLibraryError(f"{path}: missing column(s) {', '.join(missing)}", str(path), 1, "",
                                    f"missing column(s) {', '.join(missing)}")
        for row_number, row in enumerate(reader, start=2):
            if row_number - 1 > MAX_TABLE_ROWS:
                raise _row_error(path, row_number, reader.line_num, "",
                                 f"more than {MAX_TABLE_ROWS:,} rows; a proxy pack holds far fewer")
            proxies.append(_proxy_row(row, path, row_number, reader.line_num, origin, deflators,
                                      first_row))
    except csv.Error as exc:
        raise _row_error(path, row_number + 1, reader.line_num, "",
                         f"not a readable CSV row ({exc})") from None
    return proxies


def _proxy_row(row: dict, path: Path, row_number: int, line: int, origin: str,
               deflators: Deflators | None, first_row: dict[str, int]) -> Proxy:
    def get(key: str) -> str:
        value = row.get(key)
        return value.strip() if isinstance(value, str) else ""

    def fail(column: str, message: str) -> ProxyLibraryError:
        return _row_error(path, row_number, line, column, message)

    for key, value in row.items():
        if isinstance(value, str) and len(value) > MAX_CSV_FIELD:
            raise fail(str(key), f"the field is {len(value):,} characters; at most {MAX_CSV_FIELD:,} allowed")
    proxy_id = get("id")
    if not proxy_id:
        raise fail("id", "the proxy id is empty; every row needs an id (letters, digits, _ or -)")
    if proxy_id in first_row:
        raise fail("id", f"proxy id {proxy_id!r} is defined twice (first on row {first_row[proxy_id]}); "
                         "ids must be unique")
    first_row[proxy_id] = row_number
    value_type = get("value_type").lower()
    if value_type not in VALUE_TYPES:
        raise fail("value_type", f"{value_type!r} is not one of {', '.join(VALUE_TYPES)}")
    try:
        price_year = PriceYear.parse(get("price_year"))
    except PriceYearError as exc:
        raise fail("price_year", str(exc)) from None
    if deflators is not None and not deflators.covers(price_year):
        raise fail("price_year", f"{price_year.label} is outside the GDP deflator series: allowed are "
                                 f"{deflators.allowed_text(False)}, or {deflators.allowed_text(True)}")
    numbers: dict[str, float | None] = {}
    flags: dict[str, bool | None] = {}
    for column in ("value", "value_low", "value_high"):
        try:
            numbers[column] = parse_cell(get(column), "value", required=column == "value")
        except CellError as exc:
            raise fail(column, str(exc)) from None
    for column in ("cashable", "transfer"):
        try:
            flags[column] = _parse_bool(get(column))
        except CellError as exc:
            raise fail(column, str(exc)) from None
    value, low, high = numbers["value"], numbers["value_low"], numbers["value_high"]
    assert value is not None
    if low is not None and high is not None and low > high:
        raise fail("value_low", f"{low:g} is above value_high ({high:g}); the low value must not exceed the high")
    if low is not None and value < low:
        raise fail("value", f"{value:g} is below value_low ({low:g}); the value must lie within its range")
    if high is not None and value > high:
        raise fail("value", f"{value:g} is above value_high ({high:g}); the value must lie within its range")
    return Proxy(
        id=proxy_id, name=get("name"), unit=get("unit"), value=value, value_low=low, value_high=high,
        price_year=price_year, value_type=value_type, cashable=flags["cashable"],
        beneficiary=get("beneficiary"),
        measures=tuple(m.strip() for m in get("measures").split(";") if m.strip()),
        benefit_area=get("benefit_area"), transfer=bool(flags["transfer"]), level=get("level"),
        parent=get("parent"), source=get("source"), url=get("url"), licence=get("licence"),
        confidence=get("confidence").lower(), notes=get("notes"), origin=origin,
    )


@dataclass(frozen=True)
class ProxyLibrary:
    """Proxies by id, with the library's version, content hash and deflators."""

    proxies: dict[str, Proxy]
    version: str
    content_hash: str
    deflators: Deflators
    packs: tuple[str, ...] = field(default=())
    #: Every GDP deflator vintage shipped, by series name (issue 14: a scenario may pin one).
    deflator_vintages: dict[str, Deflators] = field(default_factory=dict)

    def __contains__(self, proxy_id: object) -> bool:
        return proxy_id in self.proxies

    def __iter__(self) -> Iterator[Proxy]:
        return iter(self.proxies.values())

    def __len__(self) -> int:
        return len(self.proxies)

    def get(self, proxy_id: str) -> Proxy:
        try:
            return self.proxies[proxy_id]
        except KeyError:
            hint = self.suggest(proxy_id)
            extra = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise KeyError(f"unknown proxy id {proxy_id!r}{extra}") from None

    def suggest(self, proxy_id: str, n: int = 3) -> list[str]:
        """The closest ids by spelling, then ids that contain the text."""
        ids = list(self.proxies)
        close = difflib.get_close_matches(proxy_id, ids, n=n, cutoff=0.6)
        lowered = proxy_id.lower()
        close += [i for i in ids if lowered and lowered in i.lower() and i not in close]
        return close[:n]

    def search(self, text: str = "", measure: str | None = None, value_type: str | None = None,
               beneficiary: str | None = None) -> list[Proxy]:
        """Proxies whose id, name, unit, source or notes contain every word of `text`."""
        words = text.lower().split()
        found = []
        for proxy in self.proxies.values():
            haystack = " ".join((proxy.id, proxy.name, proxy.unit, proxy.source, proxy.notes,
                                 proxy.beneficiary, proxy.benefit_area)).lower()
            if words and not all(w in haystack for w in words):
                continue
            if measure and measure.upper() not in proxy.measures:
                continue
            if value_type and proxy.value_type != value_type.lower():
                continue
            if beneficiary and beneficiary.lower() not in proxy.beneficiary.lower():
                continue
            found.append(proxy)
        return found

    def by_measure(self, measure: str) -> list[Proxy]:
        return self.search(measure=measure)

    def rebased_value(self, proxy_id: str, price_year: object) -> float:
        proxy = self.get(proxy_id)
        return self.deflators.rebase(proxy.value, proxy.price_year, price_year)

    def with_pack(self, path: Path) -> "ProxyLibrary":
        """This library with a user's proxy pack on top; pack rows win and are labelled."""
        path = Path(path)
        data = read_bounded(path, MAX_CSV_BYTES)
        pack = parse_proxy_csv(data, path, origin=path.name, deflators=self.deflators)
        merged = dict(self.proxies)
        merged.update({p.id: p for p in pack})
        digest = hashlib.sha256(self.content_hash.encode() + data).hexdigest()
        return replace(self, proxies=merged, content_hash=digest, packs=self.packs + (path.name,))

    def with_deflator_vintage(self, vintage: str) -> "ProxyLibrary":
        """This library rebasing with a pinned GDP deflator vintage; KeyError names the known ones."""
        if vintage not in self.deflator_vintages:
            raise KeyError(f"unknown GDP deflator vintage {vintage!r}; shipped: "
                           f"{', '.join(self.deflator_vintages) or '(none)'}")
        return replace(self, deflators=self.deflator_vintages[vintage])


def _hash_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_library(directory: Path | None = None) -> ProxyLibrary:
    """Load the library described by `library.yaml` in `directory` (default: shipped)."""
    directory = Path(directory) if directory else default_proxies_dir()
    manifest_path = directory / "library.yaml"
    try:
        manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProxyLibraryError(f"{manifest_path}: proxy library manifest not found") from None
    files = [directory / name for name in manifest.get("files", [])]
    deflator_path = directory / manifest.get("deflators", "gdp_deflators.csv")
    proxies: dict[str, Proxy] = {}
    for path in files:
        if not path.exists():
            raise ProxyLibraryError(f"{manifest_path}: lists {path.name}, which does not exist")
        # The shipped library keeps a few values priced after the deflator series ends (e.g.
        # Landfill Tax 2024/25); scenarios that use one get a clear error when validated.
        for proxy in read_proxy_csv(path):
            if proxy.id in proxies:
                raise ProxyLibraryError(f"{path}: proxy id {proxy.id!r} is defined twice")
            proxies[proxy.id] = proxy
    existing = files + [deflator_path]
    vintages = load_deflator_vintages(deflator_path)
    return ProxyLibrary(
        proxies=proxies,
        version=str(manifest.get("version", "unversioned")),
        content_hash=_hash_files(existing),
        deflators=newest_vintage(vintages),
        deflator_vintages=vintages,
    )


@lru_cache(maxsize=8)
def _cached_library(directory: str) -> ProxyLibrary:
    return load_library(Path(directory))


@lru_cache(maxsize=8)
def _default_dir(override: str | None) -> str:
    """The library folder for one value of `$SVMODEL_PROXIES_DIR` (resolving the packaged
    folder walks importlib.resources: done once, not on every call)."""
    return str(default_proxies_dir())


def default_library() -> ProxyLibrary:
    """The shipped library (or `$SVMODEL_PROXIES_DIR`'s), loaded once per process."""
    return _cached_library(_default_dir(os.environ.get(ENVIRONMENT["proxies"])))
