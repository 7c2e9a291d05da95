#!/usr/bin/env bash
# Builds every prebuild the package ships: the addon for each supported Node.js major
# (scripts/build-native.sh), on this machine's platform, architecture and libc.
#
#   scripts/prebuild.sh [majors...]      (npm run prebuild; default: 20 22 24 26)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- 20 22 24 26
for major in "$@"; do
  "$root/scripts/build-native.sh" "$major" >/dev/null
done
