#!/usr/bin/env bash
# Builds the Node addon against the GPU check's mock CUDA runtime (selftest/mock_cuda.cc: device
# memory is host memory, the "kernels" are the AVX2 CPU kernels) and runs the Node-side CUDA tests
# on it. Checks addon.cuda.*'s argument validation and copies on a machine without a GPU; the CUDA
# kernels themselves are checked by run.sh on a GPU. Needs the CUDA headers (not a GPU), g++, cmake.
#
#   tooling/gpu/mock-addon.sh            (BUILD_DIR, default $TMPDIR/sieve-mock-addon)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD_DIR:-${TMPDIR:-/tmp}/sieve-mock-addon}"
NATIVE="$ROOT/packages/cuda-kernels/native"
CUDA_INC=""
for c in ${CUDA_HOME:+"$CUDA_HOME"} /usr/local/cuda /usr/local/cuda-*; do
  if [ -f "$c/include/cuda_runtime.h" ]; then CUDA_INC="$c/include"; break; fi
done
if [ -z "$CUDA_INC" ]; then echo "mock-addon: no CUDA headers found (set CUDA_HOME)" >&2; exit 1; fi

# The CPU kernels library (and the selftest driver) come from the GPU check's own CMake project.
cmake -S "$ROOT/tooling/gpu" -B "$BUILD/check" -DCMAKE_BUILD_TYPE=Release -DSIEVE_GPU_CHECK_SELFTEST=ON >/dev/null
cmake --build "$BUILD/check" --target sieve_cpu --parallel "$(nproc 2>/dev/null || echo 2)" >/dev/null

cd "$ROOT/packages/cuda-kernels"
NAPI_INC="$(node -p "require('node-api-headers').include_dir")"
ADDON_API_INC="$(node -p "require('path').resolve(require('node-addon-api').include_dir)")"
g++ -std=c++17 -O1 -shared -fPIC -DSIEVE_WITH_CUDA=1 -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
  -DNODE_ADDON_API_DISABLE_DEPRECATED -I"$NAPI_INC" -I"$ADDON_API_INC" -I"$NATIVE" -I"$NATIVE/include" -I"$CUDA_INC" \
  "$NATIVE"/napi/*.cc "$ROOT/tooling/gpu/selftest/mock_cuda.cc" "$BUILD/check/sieve_kernels/libsieve_cpu.a" \
  -o "$BUILD/sieve_kernels_mock.node" -lpthread
echo "mock-linked addon: $BUILD/sieve_kernels_mock.node"

cd "$ROOT/packages/core"
SIEVE_NATIVE_ADDON="$BUILD/sieve_kernels_mock.node" npx vitest run src/backend/cuda.test.ts
