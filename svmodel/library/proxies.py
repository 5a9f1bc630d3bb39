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
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from svmodel.errors import ProxyLibraryError
from svmodel.resources import proxies_dir
from svmodel.library.deflators import Deflators, PriceYear, PriceYearError, load_deflators

VALUE_TYPES = ("fiscal", "economic", "social")
COLUMNS = (
    "id", "name", "unit", "value", "value_low", "value_high", "price_year", "value_type",
    "cashable", "beneficiary", "measures", "benefit_area", "transfer", "level", "parent",
    "source", "url", "licence", "confidence", "notes",
)
REQUIRED_COLUMNS = ("id", "name", "unit", "value", "price_year", "value_type", "source", "licence")


def default_proxies_dir() -> Path:
    """`$SVMODEL_PROXIES_DIR`, else the library shipped inside the package."""
    return proxies_dir()


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


def _parse_bool(text: str, where: str) -> bool | None:
    t = text.strip().lower()
    if t == "":
        return None
    if t in ("true", "yes", "1", "y"):
        return True
    if t in ("false", "no", "0", "n"):
        return False
    raise ProxyLibraryError(f"{where}: {text!r} is not true or false")


def _parse_float(text: str, where: str, required: bool) -> float | None:
    t = text.strip().replace(",", "")
    if t == "":
        if required:
            raise ProxyLibraryError(f"{where}: a number is required")
        return None
    try:
        return float(t)
    except ValueError:
        raise ProxyLibraryError(f"{where}: {text!r} is not a number") from None


def read_proxy_csv(path: Path, origin: str = "svmodel") -> list[Proxy]:
    """Read one proxy CSV in the library format; errors name the file, row and column."""
    proxies: list[Proxy] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ProxyLibraryError(f"{path}: missing column(s) {', '.join(missing)}")
        for row_number, row in enumerate(reader, start=2):
            where = f"{path}, row {row_number}"
            get = lambda key: (row.get(key) or "").strip()  # noqa: E731
            value_type = get("value_type").lower()
            if value_type not in VALUE_TYPES:
                raise ProxyLibraryError(
                    f"{where}, value_type: {value_type!r} is not one of {', '.join(VALUE_TYPES)}"
                )
            try:
                price_year = PriceYear.parse(get("price_year"))
            except PriceYearError as exc:
                raise ProxyLibraryError(f"{where}, price_year: {exc}") from None
            proxies.append(
                Proxy(
                    id=get("id"),
                    name=get("name"),
                    unit=get("unit"),
                    value=_parse_float(get("value"), f"{where}, value", True),  # type: ignore[arg-type]
                    value_low=_parse_float(get("value_low"), f"{where}, value_low", False),
                    value_high=_parse_float(get("value_high"), f"{where}, value_high", False),
                    price_year=price_year,
                    value_type=value_type,
                    cashable=_parse_bool(get("cashable"), f"{where}, cashable"),
                    beneficiary=get("beneficiary"),
                    measures=tuple(m.strip() for m in get("measures").split(";") if m.strip()),
                    benefit_area=get("benefit_area"),
                    transfer=bool(_parse_bool(get("transfer"), f"{where}, transfer")),
                    level=get("level"),
                    parent=get("parent"),
                    source=get("source"),
                    url=get("url"),
                    licence=get("licence"),
                    confidence=get("confidence").lower(),
                    notes=get("notes"),
                    origin=origin,
                )
            )
    return proxies


@dataclass(frozen=True)
class ProxyLibrary:
    """Proxies by id, with the library's version, content hash and deflators."""

    proxies: dict[str, Proxy]
    version: str
    content_hash: str
    deflators: Deflators
    packs: tuple[str, ...] = field(default=())

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
        pack = read_proxy_csv(path, origin=path.name)
        merged = dict(self.proxies)
        merged.update({p.id: p for p in pack})
        digest = hashlib.sha256(self.content_hash.encode() + path.read_bytes()).hexdigest()
        return replace(self, proxies=merged, content_hash=digest, packs=self.packs + (path.name,))


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
        for proxy in read_proxy_csv(path):
            if proxy.id in proxies:
                raise ProxyLibraryError(f"{path}: proxy id {proxy.id!r} is defined twice")
            proxies[proxy.id] = proxy
    existing = files + [deflator_path]
    return ProxyLibrary(
        proxies=proxies,
        version=str(manifest.get("version", "unversioned")),
        content_hash=_hash_files(existing),
        deflators=load_deflators(deflator_path),
    )


@lru_cache(maxsize=8)
def _cached_library(directory: str) -> ProxyLibrary:
    return load_library(Path(directory))


def default_library() -> ProxyLibrary:
    """The shipped library, loaded once per process."""
    return _cached_library(str(default_proxies_dir()))
