#!/usr/bin/env bash
# Set up everything the product needs on a Debian machine: system packages,
# the virtual environment with pinned requirements, compiled translations.
#   scripts/setup.sh run    what `make run` needs
#   scripts/setup.sh test   the same plus the test tools and Debian's chromium
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-run}

# Fonts for Chinese PDFs (TrueType CJK subsets fast), HarfBuzz's subsetter so
# WeasyPrint does not subset in Python, gettext for the translations.
packages=(fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei libharfbuzz-subset0 gettext)
if [ "$purpose" = test ]; then
  # The Celery tests send the sweep through a real Redis broker.
  packages+=(chromium redis-server)
fi

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      python=$candidate
      break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "Python 3.11 or newer is needed (apt-get install python3)." >&2
  exit 1
fi
# Debian's own Python needs python3-venv to make a virtual environment.
if [ ! -x .venv/bin/python ] && ! "$python" -c 'import ensurepip' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "These system packages are missing: ${missing[*]}" >&2
    echo "Install them as root, then run this again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
requirements=requirements.txt
[ "$purpose" = test ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi

.venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0

# The test suite talks to Redis on 127.0.0.1:6379 (the Celery broker): start it
# when it is not running (it keeps nothing on disk).
if [ "$purpose" = test ] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "Starting Redis on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/redis-test.log"
  for _ in $(seq 1 20); do
    (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break
    sleep 0.5
  done
fi
