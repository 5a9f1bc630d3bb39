"""What the partnership officer's page does, without widgets (tested directly): check an
uploaded return without storing it, submit it, list the verification queue, verify or reject,
publish. The page (`svmodel.ledger.officer`) only wires these to controls."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from svmodel.ledger import service
from svmodel.ledger.aggregates import returns_table, summary
from svmodel.ledger.config import ConfigError, PartnershipConfig
from svmodel.ledger.db import Ledger, LedgerError
from svmodel.errors import InputFileError


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    problems: tuple[str, ...]
    lines: int = 0
    total_value: float = 0.0
    kind: str = ""


def _saved(content: bytes, filename: str) -> Path:
    """The upload in a private temporary folder, under its own name (messages cite it)."""
    folder = Path(tempfile.mkdtemp(prefix="svmodel-upload-"))
    path = folder / (Path(filename).name or "return.csv")
    path.write_bytes(content)
    return path


def check_upload(content: bytes, filename: str, config: PartnershipConfig, kind: str | None = None) -> CheckResult:
    """Validate and value an uploaded return without storing anything."""
    path = _saved(content, filename)
    try:
        parsed = service.parse_submission(path, kind, config)
    except InputFileError as exc:
        return CheckResult(False, tuple(str(p).replace(str(path), filename) for p in exc.problems))
    except (LedgerError, ConfigError) as exc:
        return CheckResult(False, (str(exc),))
    finally:
        _cleanup(path)
    return CheckResult(True, (), len(parsed.lines), parsed.total_value, parsed.kind)


def submit_upload(ledger: Ledger, content: bytes, filename: str, org: str, period: str,
                  config: PartnershipConfig, kind: str | None = None, sector: str | None = None,
                  actor: str = "partnership officer") -> tuple[bool, str]:
    """Store an uploaded return; (stored, message)."""
    path = _saved(content, filename)
    try:
        result = service.submit(ledger, path, org, period, config, kind=kind, sector=sector, actor=actor)
    except InputFileError as exc:
        return False, "\n".join(str(p).replace(str(path), filename) for p in exc.problems)
    except (LedgerError, ConfigError) as exc:
        return False, str(exc)
    finally:
        _cleanup(path)
    return result.created, f"Return {result.return_id}: {result.message}"


def _cleanup(path: Path) -> None:
    path.unlink(missing_ok=True)
    try:
        os.rmdir(path.parent)
    except OSError:
        pass


def queue(ledger: Ledger) -> list[dict]:
    """Current returns awaiting verification, oldest first."""
    with ledger.session() as session:
        table = returns_table(session, status="submitted")
    return table.to_dict(orient="records")


def review(ledger: Ledger, return_id: int, by: str, level: str | None = None,
           reject: str | None = None) -> tuple[bool, str]:
    try:
        ret = service.verify(ledger, return_id, by, level, reject)
    except LedgerError as exc:
        return False, str(exc)
    if ret.status == "rejected":
        return True, f"Return {ret.id} rejected: {reject}"
    return True, f"Return {ret.id} verified ({ret.assurance})"


def headline(ledger: Ledger) -> dict:
    with ledger.session() as session:
        return summary(session)


def publish_site(ledger: Ledger, out: str | Path, config: PartnershipConfig) -> tuple[bool, str]:
    from svmodel.ledger.site import publish

    try:
        written = publish(ledger, Path(out), config)
    except OSError as exc:
        return False, f"cannot write the site to {out}: {exc.strerror or exc}"
    return True, f"Published {len(written)} files to {Path(out).resolve()} (open index.html)"
