#!/usr/bin/env bash
# Does the project's dependency set resolve, as binary wheels for Python 3.11, on
# Linux x86_64, Linux aarch64 and macOS arm64? pip's resolver answers without
# installing anything (--dry-run). pip takes each --platform tag literally, so every
# tag such a machine accepts is listed (manylinux glibc 2.17-2.28, macOS 11-14).
# pip evaluates environment markers (platform_system == "Darwin") on the host, not
# the target; when `uv` is on PATH, `uv pip compile --python-platform` resolves once
# more with the target's markers.
# Usage: tools/check_platforms.sh [python]   (needs network access to the package index)
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > "$work/requirements.txt"

linux() { for y in 28 27 26 25 24 23 22 21 20 19 18 17; do echo "--platform manylinux_2_${y}_$1"; done; echo "--platform manylinux2014_$1"; }
macos() { for v in 14 13 12 11; do echo "--platform macosx_${v}_0_arm64 --platform macosx_${v}_0_universal2"; done; }

status=0
for target in linux:x86_64 linux:aarch64 macos:arm64; do
  family=${target%%:*} arch=${target##*:}
  platforms=$( [ "$family" = linux ] && linux "$arch" || macos )
  # shellcheck disable=SC2086 - the platform flags are words
  if "$PYTHON" -m pip install --dry-run --quiet --only-binary=:all: $platforms \
      --python-version 3.11 --implementation cp --target "$work/t" \
      --report "$work/$family-$arch.json" -r "$work/requirements.txt" > "$work/log" 2>&1; then
    "$PYTHON" - "$work/$family-$arch.json" "$family $arch" <<'PY'
import json, sys
packages = {p["metadata"]["name"].lower(): p["metadata"]["version"]
            for p in json.load(open(sys.argv[1]))["install"]}
shown = ["tensorflow", "keras", "kedro", "kedro-datasets", "kedro-viz", "wandb", "plotly"]
print(f"{sys.argv[2]}: resolves, {len(packages)} packages;",
      ", ".join(f"{name} {packages[name]}" for name in shown if name in packages),
      "; tensorflow-macos: " + packages.get("tensorflow-macos", "not needed"))
PY
  else
    status=1
    echo "$family $arch: DOES NOT RESOLVE"
    grep -v "^WARNING" "$work/log" | tail -3
  fi
done
if command -v uv > /dev/null; then
  for platform in x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin; do
    if pins=$(uv pip compile --quiet --no-header --python-version 3.11 \
        --python-platform "$platform" --only-binary :all: "$work/requirements.txt" 2>&1); then
      echo "uv $platform: resolves, $(grep -c '==' <<< "$pins") packages;" \
        "$(grep -E '^tensorflow(-macos)?==' <<< "$pins" | tr '\n' ' ')"
    else
      status=1
      echo "uv $platform: DOES NOT RESOLVE"; tail -3 <<< "$pins"
    fi
  done
fi
exit $status
