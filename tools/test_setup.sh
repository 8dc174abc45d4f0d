#!/usr/bin/env bash
# What `make test` needs besides Python: the browser tests drive a real Chromium
# (CHROMIUM_PATH, or `chromium` / `chromium-browser` on PATH) and the study tests
# start a real PostgreSQL server (initdb and pg_ctl, on PATH or under
# /usr/lib/postgresql/<version>/bin; as root, the `postgres` user runs it). This
# script looks for them as the tests do. What is missing it installs with apt-get
# when it can (as root, or through sudo without a password), `apt-get update`
# first; otherwise it names what to install and exits with status 1, before any
# test runs.
# Usage: tools/test_setup.sh
set -uo pipefail

chromium_found() {
  if [[ -n ${CHROMIUM_PATH:-} ]]; then
    [[ -x $CHROMIUM_PATH && -f $CHROMIUM_PATH ]]
    return
  fi
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

postgresql_found() {
  local folders=() folder pg_ctl
  pg_ctl=$(command -v pg_ctl 2>/dev/null) && folders+=("${pg_ctl%/*}")
  for folder in /usr/lib/postgresql/*/bin; do
    [[ -d $folder ]] && folders+=("$folder")
  done
  for folder in "${folders[@]}"; do
    if [[ -x $folder/initdb && -x $folder/pg_ctl ]]; then
      # PostgreSQL refuses root: the tests start it as the postgres user
      [[ $EUID -ne 0 ]] || id -u postgres >/dev/null 2>&1
      return
    fi
  done
  return 1
}

missing() {
  chromium_found || echo chromium
  postgresql_found || echo postgresql
}

# The package names of Debian and Ubuntu (whose Chromium package is chromium-browser).
apt_packages() {
  local os_id="" name
  [[ -r /etc/os-release ]] && os_id=$(. /etc/os-release && echo "${ID:-}")
  for name in "$@"; do
    if [[ $name == chromium && $os_id == ubuntu ]]; then
      echo chromium-browser
    else
      echo "$name"
    fi
  done
}

# "sudo -n" when apt-get needs it and may use it; fails when neither root nor sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

can_install() {
  command -v apt-get >/dev/null 2>&1 && as_root true
}

instructions() {
  local chromium=0 postgresql=0 name
  for name in "$@"; do
    [[ $name == chromium ]] && chromium=1
    [[ $name == postgresql ]] && postgresql=1
  done
  echo "make test: the browser and study tests need programs this machine lacks:"
  if ((chromium)) && [[ -n ${CHROMIUM_PATH:-} ]]; then
    echo "  - Chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file"
  elif ((chromium)); then
    echo "  - Chromium: CHROMIUM_PATH naming its binary, or chromium or chromium-browser on PATH"
  fi
  ((postgresql)) && echo "  - PostgreSQL's server programs: initdb and pg_ctl, on PATH or under /usr/lib/postgresql/<version>/bin (as root, also the postgres user)"
  echo "make test installs them itself where apt-get works (as root, or with sudo that asks no password)."
  echo "Otherwise install them, then run make test again:"
  local debian=() ubuntu=() fedora=() brew=()
  if ((chromium)); then
    debian+=(chromium) ubuntu+=(chromium-browser) fedora+=(chromium)
  fi
  if ((postgresql)); then
    debian+=(postgresql) ubuntu+=(postgresql) fedora+=(postgresql-server)
  fi
  echo "  Debian:           sudo apt-get install ${debian[*]}"
  echo "  Ubuntu:           sudo apt-get install ${ubuntu[*]}"
  echo "  Fedora:           sudo dnf install ${fedora[*]}"
  if ((chromium)); then
    echo "  macOS (Homebrew): brew install --cask google-chrome"
    echo "                    export CHROMIUM_PATH=\"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome\""
  fi
  if ((postgresql)); then
    echo "  macOS (Homebrew): brew install postgresql@17"
    echo "                    export PATH=\"\$(brew --prefix postgresql@17)/bin:\$PATH\""
  fi
  echo "make test-fast runs the unit tests, which need neither."
}

mapfile -t needed < <(missing)
if ((${#needed[@]} == 0)); then
  exit 0
fi
if ! can_install; then
  instructions "${needed[@]}" >&2
  exit 1
fi
mapfile -t packages < <(apt_packages "${needed[@]}")
echo "make test: installing ${packages[*]} with apt-get"
if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update \
  || ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends "${packages[@]}"; then
  echo "make test: apt-get could not install ${packages[*]}" >&2
  instructions "${needed[@]}" >&2
  exit 1
fi
mapfile -t needed < <(missing)
if ((${#needed[@]} > 0)); then
  echo "make test: apt-get installed ${packages[*]}, yet they are still not found" >&2
  instructions "${needed[@]}" >&2
  exit 1
fi
