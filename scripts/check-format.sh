#!/usr/bin/env bash
# Style in CI: every C++ source of the repository is as clang-format writes it (.clang-format).
# scripts/check-format.sh         checks (exit 1 naming the files that differ)
# scripts/check-format.sh --fix   rewrites them
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d .git ]; then
    mapfile -t files < <(git ls-files '*.hpp' '*.cpp' '*.h')
else
    mapfile -t files < <(find include src python tests examples benchmarks -name '*.hpp' -o -name '*.cpp' -o -name '*.h')
fi
if [ "${1:-}" = "--fix" ]; then
    clang-format -i "${files[@]}"
    exit 0
fi
bad=()
for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
    echo "cskpi: not formatted as .clang-format says (run scripts/check-format.sh --fix): ${bad[*]}" >&2
    exit 1
fi
echo "cskpi: ${#files[@]} C++ files formatted"
