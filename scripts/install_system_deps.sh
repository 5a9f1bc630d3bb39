#!/usr/bin/env bash
# System programs the test suite drives for real, from Debian's packages:
#   chromium                browser tests, report screenshots, print-to-PDF
#   libreoffice-calc-nogui  recalculating exported workbooks
#   poppler-utils           pdftotext, to read back printed PDFs
#   postgresql              the ledger's PostgreSQL tests (a throwaway server)
# Installs only what is missing. It never stops `make test`: without root (or passwordless sudo),
# or without apt-get, it says what is missing and the tests that need it are skipped with a reason.
set -uo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have_browser() { [ -n "${SVMODEL_CHROMIUM:-}" ] || have chromium || have chromium-browser || have google-chrome || have google-chrome-stable; }
have_postgres() { have pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; }
have_browser || need+=(chromium)
have soffice || have libreoffice || need+=(libreoffice-calc-nogui)
have pdftotext || need+=(poppler-utils)
have_postgres || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0

skip() {
  echo "system-deps: $1; not installed: ${need[*]}." >&2
  echo "system-deps: the tests that need them will be SKIPPED (pytest lists each with its reason)." >&2
  exit 0
}
have apt-get || skip "apt-get not found (not a Debian-like system)"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo && sudo -n true 2>/dev/null; then sudo="sudo -n"; else skip "not root and no passwordless sudo"; fi
fi
echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed (no network?)"
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || skip "apt-get install failed"
exit 0
