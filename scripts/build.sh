#!/usr/bin/env bash
# Installs what is missing and builds stubprobe into build/ (extra CMake options in
# SP_CMAKE_ARGS, e.g. SP_CMAKE_ARGS="-DSP_SANITIZE=ON"). Arguments name further package
# lists for scripts/deps.sh (e.g. test).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SP_BUILD_DIR:-$top/build}

"$top/scripts/deps.sh" build "$@"
# shellcheck disable=SC2086
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${SP_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
