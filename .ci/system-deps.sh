#!/bin/sh
# Installs the Debian packages the product needs, only those that are missing.
#   sh .ci/system-deps.sh run    fonts for the PDF records
#   sh .ci/system-deps.sh test   also poppler-utils (PDF checks), Chromium (browser tests) and Node.js with
#                                npm (axe-core, the accessibility checks), Java (the Nu HTML checker)
set -e
mode="${1:-test}"
need=""
fc-list 2>/dev/null | grep -q "Liberation Serif" || need="$need fonts-liberation2"
if [ "$mode" = "test" ]; then
  command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
  command -v chromium >/dev/null 2>&1 || need="$need chromium"
  command -v npm >/dev/null 2>&1 || need="$need nodejs npm"
  command -v java >/dev/null 2>&1 || need="$need default-jre-headless"
fi
if [ -n "$need" ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "Cần cài các gói Debian:$need  (sudo apt-get install$need)" >&2
    exit 1
  fi
  echo "Installing Debian packages:$need"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
