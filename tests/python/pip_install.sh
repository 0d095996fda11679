#!/usr/bin/env bash
# The README's install path: a venv over Debian's python3, pip install without build isolation,
# then import cskpi from outside the source tree.
set -euo pipefail
src=$1; work=$2
rm -rf "$work"; mkdir -p "$work"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
mkdir -p "$work/src"  # a clean copy: pip must not see the build trees
tar -C "$src" --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./benchmarks/data \
    --exclude=node_modules -cf - . | tar -C "$work/src" -xf -
# With a third argument (CI passes the build tree), pip configures the copy with its own options
# but installs that tree's module and command instead of compiling them a second time.
prebuilt=${3:-}
(cd "$work/src" && CSKPI_PREBUILT_DIR=$prebuilt "$work/venv/bin/pip" install -q --no-build-isolation --no-deps .)
cd "$work"
"$work/venv/bin/python" - "$src/examples/data/shop_interactions.csv" <<'PY'
import sys, cskpi
df = cskpi.report(sys.argv[1], by=["team"], config={"timezone": "Asia/Shanghai"})
assert list(df.columns[:2]) == ["team", "interactions"], df.columns
assert int(df["interactions"].sum()) == 4995
PY
# pip also installs the command line.
out=$("$work/venv/bin/cskpi" report "$src/examples/data/shop_interactions.csv" --by team --format csv)
[ "$(printf '%s\n' "$out" | head -1 | cut -d, -f1-2)" = "team,interactions" ] || { echo "cskpi command: unexpected output"; exit 1; }
echo "pip install: ok"
