"""Up-to-date checks: a report is rebuilt only when one of its inputs changed.

The input key hashes the scenario file, the proxy library (content hash, including any
packs), the notebook, svmodel's version and the run parameters. After a report's files are
renamed into place, a stamp `DIR/.svmodel/<name>.json` records the key and each file's
SHA-256; it is written last, so an interrupted job leaves no stamp and is re-run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from svmodel import __version__
from svmodel.util.atomic import write_text_atomic

STAMP_DIR = ".svmodel"


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_key(**parts: Any) -> str:
    """A hash of the named inputs (plus svmodel's version), order-independent."""
    payload = json.dumps({"svmodel_version": __version__, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def stamp_path(out_dir: Path, name: str) -> Path:
    return out_dir / STAMP_DIR / f"{name}.json"


def write_stamp(out_dir: Path, name: str, key: str, files: list[str]) -> None:
    data = {"key": key, "files": {f: sha256_file(out_dir / f) for f in files}}
    write_text_atomic(stamp_path(out_dir, name), json.dumps(data, indent=1) + "\n")


def remove_stamp(out_dir: Path, name: str) -> None:
    stamp_path(out_dir, name).unlink(missing_ok=True)


def up_to_date(out_dir: Path, name: str, key: str) -> bool:
    """True when the stamp matches `key` and every file it lists is present and unchanged."""
    try:
        data = json.loads(stamp_path(out_dir, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if data.get("key") != key or not data.get("files"):
        return False
    for file, digest in data["files"].items():
        try:
            if sha256_file(out_dir / file) != digest:
                return False
        except OSError:
            return False
    return True
