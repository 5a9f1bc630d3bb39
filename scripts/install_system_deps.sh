#!/usr/bin/env bash
# System packages the test suite drives for real: Debian's Chromium (browser tests and report
# screenshots), LibreOffice Calc (recalculating exported workbooks) and poppler-utils (pdftotext,
# reading the ledger's certificate PDF). Installs only what is
# missing; needs root (CI and the dev machines run as root) or passwordless sudo.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)  # the ledger certificate PDF test
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_system_deps: apt-get not found; install ${need[*]} yourself (tests that need them are skipped)" >&2
  exit 0
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
