#!/usr/bin/env bash
# Install the Debian packages ruralstudy needs when they are missing: chromium (browser tests),
# fonts-noto-cjk (Chinese glyphs in charts) and Tesseract with its simplified-Chinese and English
# data (OCR of scanned reports). Needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # no -q: SIGPIPE + pipefail
command -v tesseract >/dev/null || need+=(tesseract-ocr)
langs="$(tesseract --list-langs 2>/dev/null || true)"
grep -qx chi_sim <<<"$langs" || need+=(tesseract-ocr-chi-sim)
grep -qx eng <<<"$langs" || need+=(tesseract-ocr-eng)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "error: need root to apt-get install ${need[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
fc-cache -f >/dev/null 2>&1 || true
