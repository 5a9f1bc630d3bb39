"""Examples for every command's `--help` (the argparse epilog), kept in one table so
tests/test_cli.py can check that each one parses and that every shipped path it names exists.

Paths under `params/` are the shipped examples (symlinks into svmodel/data/ in the repository:
scenario files, the home care tender, the Knowsley ledger returns). Keys are the words after
`svmodel`; `()` is `svmodel --help` itself. A key for a command that is not registered is
ignored, so an entry can precede its command.
"""

from __future__ import annotations

SCENARIO = "params/examples/reablement_home_care.yaml"
TENDER = "params/tenders/home_care_2026"
BIDS = f"{TENDER}/bids/*"  # the three shipped bids (two CSV, one xlsx), expanded by the shell
RETURN = "params/ledger/returns/kht_2025-26.csv"

EXAMPLES: dict[tuple[str, ...], list[str]] = {
    (): [
        f"svmodel run {SCENARIO}",
        "svmodel report params/examples/*.yaml --out reports",
        "svmodel tender evaluate params/tenders/home_care_2026/spec.yaml params/tenders/home_care_2026/bids/*",
    ],
    ("run",): [
        f"svmodel run {SCENARIO}",
        f"svmodel run {SCENARIO} --json > results.json",
        f"svmodel run {SCENARIO} --csv tables/",
    ],
    ("validate",): [
        "svmodel validate params/examples/*.yaml",
        f"svmodel validate {SCENARIO} --json",
    ],
    ("compare",): [
        "svmodel compare params/examples/*.yaml",
        "svmodel compare params/examples/*.yaml --csv compare.csv --json",
    ],
    ("sensitivity",): [
        f"svmodel sensitivity {SCENARIO}",
        f"svmodel sensitivity {SCENARIO} --draws 10000 --seed 1 --json",
        f"svmodel sensitivity {SCENARIO} --target 2 --sobol 512",
    ],
    ("proxies",): [
        "svmodel proxies --search wellby",
        "svmodel proxies --measure K10 --type fiscal",
        "svmodel proxies --show hmt_wellby --year 2024 --json",
    ],
    ("framework",): [
        "svmodel framework list",
        "svmodel framework show knowsley --year 2024",
    ],
    ("framework", "list"): ["svmodel framework list", "svmodel framework list --json"],
    ("framework", "show"): [
        "svmodel framework show knowsley",
        "svmodel framework show params/frameworks/knowsley.yaml --year 2024 --json",
    ],
    ("report",): [
        "svmodel report params/examples/*.yaml --out reports",
        f"svmodel report {SCENARIO} --out reports --draws 0 --workers 0 --json",
        "svmodel report params/examples/*.yaml --out reports --scheduler tcp://10.0.0.5:8786",
    ],
    ("export",): [f"svmodel export {SCENARIO} --xlsx value_map.xlsx"],
    ("import",): ["svmodel import value_map.xlsx --out reablement_edited.yaml"],
    ("explore",): [
        f"svmodel explore {SCENARIO}",
        f"svmodel explore {SCENARIO} --port 8900 --no-browser --save-dir variants/",
    ],
    ("tender",): [
        f"svmodel tender template {TENDER}/spec.yaml --out forms/",
        f"svmodel tender evaluate {TENDER}/spec.yaml {BIDS} --scores {TENDER}/scores.csv",
    ],
    ("tender", "template"): [f"svmodel tender template {TENDER}/spec.yaml --out forms/"],
    ("tender", "evaluate"): [
        f"svmodel tender evaluate {TENDER}/spec.yaml {BIDS}",
        f"svmodel tender evaluate {TENDER}/spec.yaml {BIDS} --scores {TENDER}/scores.csv --json",
        f"svmodel tender evaluate {TENDER}/spec.yaml {BIDS} --out evaluation/",
    ],
    ("tender", "monitor"): [
        f"svmodel tender monitor {TENDER}/spec.yaml {TENDER}/bids/mersey_care_collective.xlsx "
        f"{TENDER}/delivery/*.csv",
    ],
    ("tender", "report"): [
        f"svmodel tender report {TENDER}/spec.yaml {BIDS} --out panel/",
        f"svmodel tender report {TENDER}/spec.yaml {BIDS} --scores {TENDER}/scores.csv --out panel/ --pdf",
    ],
    ("ledger",): [
        "svmodel ledger load-example --db ledger.db --site site",
        "svmodel ledger summary --db ledger.db --json",
    ],
    ("ledger", "init"): ["svmodel ledger init --db ledger.db"],
    ("ledger", "form"): ["svmodel ledger form --framework knowsley --out forms/"],
    ("ledger", "org"): ['svmodel ledger org "Knowsley Housing Trust" --sector "social enterprise" --db ledger.db'],
    ("ledger", "contract"): [
        f"svmodel ledger contract {TENDER}/spec.yaml {TENDER}/bids/mersey_care_collective.xlsx "
        '--ref KMBC-ASC-2026-014 --org "Mersey Care Collective CIC" --start 2026/27 --db ledger.db',
    ],
    ("ledger", "submit"): [
        f'svmodel ledger submit {RETURN} --org "Knowsley Housing Trust" --period 2025/26 --db ledger.db',
        f'svmodel ledger submit {RETURN} --org "Knowsley Housing Trust" --period 2025/26 --json',
    ],
    ("ledger", "import"): ["svmodel ledger import returns.csv --by 'Jo Officer' --db ledger.db"],
    ("ledger", "verify"): [
        'svmodel ledger verify 12 --by "Jo Officer" --level "independently verified" --db ledger.db',
        'svmodel ledger verify 13 --by "Jo Officer" --reject "No evidence attached" --db ledger.db',
    ],
    ("ledger", "returns"): ["svmodel ledger returns --status submitted --db ledger.db --json"],
    ("ledger", "audit"): ["svmodel ledger audit 12 --db ledger.db"],
    ("ledger", "summary"): ["svmodel ledger summary --db ledger.db --json"],
    ("ledger", "figures"): ["svmodel ledger figures --by sector --year 2025/26 --db ledger.db"],
    ("ledger", "publish"): ["svmodel ledger publish --out site/ --db ledger.db"],
    ("ledger", "certificate"): [
        'svmodel ledger certificate "Knowsley Housing Trust" --period 2025/26 --out certificates/ --db ledger.db',
    ],
    ("ledger", "open"): ["svmodel ledger open --db ledger.db --port 8870"],
    ("ledger", "load-example"): ["svmodel ledger load-example --db ledger.db --site site"],
}
