#!/usr/bin/env bash
# System packages the test suite drives for real: Debian's Chromium (browser tests and report
# screenshots) and LibreOffice Calc (recalculating exported workbooks). Installs only what is
# missing; needs root (CI and the dev machines run as root) or passwordless sudo.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
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
