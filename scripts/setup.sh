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
# (The official typefaces, the Fandol faces, are installed further down.)
packages=(fonts-arphic-uming fonts-arphic-ukai fonts-wqy-zenhei fontconfig libharfbuzz-subset0 gettext)
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

# The official typefaces (GB/T 9704: 仿宋 body, 小标宋 title, 黑体 and 楷体
# headings): the Fandol faces, GPL with the font exception, as Debian ships them
# in texlive-lang-chinese. Only their six OTF files (34 MB) are taken out of the
# package (49 MB to download), not the package itself, which would bring
# texlive-base and 21 other packages (106 MB, 277 MB on disk). As root they go to
# /usr/local/share/fonts/fandol, otherwise to ~/.local/share/fonts/fandol; both
# are in fontconfig's default font path. Nothing is done when fontconfig already
# finds all six (FANDOL_DIR overrides the folder).
fandol_faces=(FandolFang-Regular FandolSong-Regular FandolSong-Bold FandolHei-Regular
  FandolHei-Bold FandolKai-Regular)
fandol_missing() {
  local installed
  installed=$(fc-list --format='%{postscriptname}\n' 2>/dev/null || true)
  for face in "${fandol_faces[@]}"; do
    grep -qx "$face" <<<"$installed" || return 0
  done
  return 1
}
if fandol_missing; then
  if [ "$(id -u)" -eq 0 ]; then
    fandol_dir=${FANDOL_DIR:-/usr/local/share/fonts/fandol}
  else
    fandol_dir=${FANDOL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/fonts/fandol}
  fi
  echo "Installing the Fandol fonts from Debian's texlive-lang-chinese into $fandol_dir"
  fandol_tmp=$(mktemp -d)
  # As root, apt downloads as its own user, who must be able to write there.
  [ "$(id -u)" -eq 0 ] && chown _apt "$fandol_tmp" 2>/dev/null || true
  if ! apt-cache show texlive-lang-chinese >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
  fi
  if (cd "$fandol_tmp" && apt-get download -qq texlive-lang-chinese) \
    && dpkg-deb --fsys-tarfile "$fandol_tmp"/texlive-lang-chinese_*.deb \
      | tar -x -C "$fandol_tmp" --wildcards --no-anchored 'fandol/Fandol*.otf' \
    && mkdir -p "$fandol_dir"; then
    for face in "${fandol_faces[@]}"; do
      file=$(find "$fandol_tmp" -name "$face.otf" | head -n 1)
      [ -n "$file" ] && install -m 644 "$file" "$fandol_dir/"
    done
    fc-cache "$fandol_dir"
  fi
  rm -rf "$fandol_tmp"
  if fandol_missing; then
    echo "Could not install the Fandol fonts: official documents fall back to" >&2
    echo "AR PL UMing and WenQuanYi Zen Hei. Run this as root once:" >&2
    echo "  sudo scripts/setup.sh $purpose" >&2
    echo "(it runs 'apt-get download texlive-lang-chinese' and puts the six Fandol" >&2
    echo "OTF files into /usr/local/share/fonts/fandol)." >&2
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
