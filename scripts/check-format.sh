#!/usr/bin/env bash
# Fails (and names the files) when any tracked C++ file differs from the style in .clang-format.
# Fix with: clang-format-14 -i $(git ls-files '*.cpp' '*.hpp')
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if ! clang-format-14 --dry-run --Werror "${files[@]}" 2>/tmp/easel-format.$$; then
  grep -o '^[^:]*\.[ch]pp' /tmp/easel-format.$$ | sort -u | sed 's/^/check-format: not formatted: /' >&2
  rm -f /tmp/easel-format.$$
  echo "check-format: run clang-format-14 -i on the files above (style: .clang-format)" >&2
  exit 1
fi
rm -f /tmp/easel-format.$$
echo "check-format: ${#files[@]} files follow .clang-format"
