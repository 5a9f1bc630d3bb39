"""Social value frameworks as data: outcomes, measures and the proxies that value them.

A framework file (`svmodel/data/frameworks/<name>.yaml`, or any path) lists outcomes (O1..) and measures (K1..),
each measure mapped to proxy ids with a rationale, or marked `count_only` with the reason no
credible open proxy exists. Knowsley's 6 outcomes and 29 measures ship as `knowsley`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from svmodel.errors import FrameworkError
from svmodel.library.proxies import ProxyLibrary
from svmodel.resources import frameworks_dir
from svmodel.util.inputfiles import read_text_bounded
from svmodel.util.limits import MAX_YAML_BYTES
from svmodel.util.yamlio import YamlProblem, load_yaml


@dataclass(frozen=True)
class ProxyChoice:
    id: str
    rationale: str


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    unit: str
    outcome_id: str
    proxies: tuple[ProxyChoice, ...]
    count_only: bool
    reason: str
    method: str = ""  # issue 16: "lm3" where the measure is measured with the local multiplier


@dataclass(frozen=True)
class Outcome:
    id: str
    name: str
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Framework:
    name: str
    title: str
    source: str
    outcomes: tuple[Outcome, ...]

    @property
    def measures(self) -> dict[str, Measure]:
        return {m.id: m for o in self.outcomes for m in o.measures}

    def outcome_of(self, measure_id: str) -> Outcome | None:
        """The outcome (O1..O6) a measure belongs to, or None for an unknown measure."""
        for outcome in self.outcomes:
            if any(m.id == measure_id for m in outcome.measures):
                return outcome
        return None

    def unknown_proxies(self, library: ProxyLibrary) -> list[tuple[str, str]]:
        """(measure id, proxy id) pairs naming proxies missing from `library`."""
        return [(m.id, p.id) for m in self.measures.values() for p in m.proxies if p.id not in library]


def _parse(data: dict, name: str) -> Framework:
    outcomes = []
    for o in data.get("outcomes", []):
        measures = tuple(
            Measure(
                id=m["id"], name=m["name"], unit=m.get("unit", ""), outcome_id=o["id"],
                proxies=tuple(ProxyChoice(p["id"], p.get("rationale", "")) for p in m.get("proxies", [])),
                count_only=bool(m.get("count_only", False)), reason=m.get("reason", ""),
                method=str(m.get("method", "")),
            )
            for m in o.get("measures", [])
        )
        outcomes.append(Outcome(id=o["id"], name=o["name"], measures=measures))
    return Framework(name=data.get("framework", name), title=data.get("name", name),
                     source=str(data.get("source", "")).strip(), outcomes=tuple(outcomes))


@lru_cache(maxsize=8)
def load_framework(name_or_path: str = "knowsley") -> Framework:
    """Load a shipped framework by name (`knowsley`) or a framework file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = frameworks_dir() / f"{name_or_path}.yaml"
    if not path.exists():
        shipped = sorted(p.stem for p in frameworks_dir().glob("*.yaml"))
        raise FrameworkError(f"framework {name_or_path!r} not found; shipped: {', '.join(shipped)}")
    try:
        data, _ = load_yaml(read_text_bounded(path, MAX_YAML_BYTES))
        return _parse(data, path.stem)
    except YamlProblem as exc:
        line = f", line {exc.line}" if exc.line else ""
        raise FrameworkError(f"{path}{line}: not a framework file ({exc})") from None
    except UnicodeDecodeError:
        raise FrameworkError(f"{path}: not a framework file (the file is not UTF-8 text)") from None
    except OSError as exc:
        raise FrameworkError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FrameworkError(f"{path}: not a framework file ({exc})") from None
