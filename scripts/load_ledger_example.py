"""Build the Knowsley partnership ledger example from params/ledger/ (and optionally its site).

    python scripts/load_ledger_example.py --db ledger.db --site site

The same as `svmodel ledger load-example --db ledger.db --site site`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from svmodel.cli import main  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="ledger.db")
    parser.add_argument("--site")
    args = parser.parse_args()
    sys.exit(main(["ledger", "load-example", "--db", args.db, *(["--site", args.site] if args.site else [])]))
