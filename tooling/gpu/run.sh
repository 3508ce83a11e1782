#!/usr/bin/env bash
# The one GPU check: build the standalone driver (sm_90 only by default), run every CUDA kernel
# against its CPU twin, time each kernel next to the memory roofline, and cross-check two cases
# with PyTorch when it is installed. Needs CUDA, CMake and a C++17 compiler; not Node.js.
#
#   tooling/gpu/run.sh [extra gpu_check args, e.g. --quick or --no-bench]
#
# Environment: SIEVE_CUDA_ARCHS (default 90), BUILD_DIR (default $TMPDIR/sieve-gpu-build),
# OUT (if set: gpu_check.log, gpu_check.json and the dumps go there), SANITIZE (a list of
# compute-sanitizer tools, e.g. "memcheck racecheck synccheck initcheck": each then reruns the
# parity cases under that tool, log sanitize_<tool>.log; any error reported makes the exit 1).
# Exit code: the driver's (0 pass, 1 parity failure, 2 no usable CUDA device, 3 error), 4 when
# the build fails, 1 when only the PyTorch cross-check disagrees.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ARCHS="${SIEVE_CUDA_ARCHS:-90}"
BUILD="${BUILD_DIR:-${TMPDIR:-/tmp}/sieve-gpu-build}"
DEST="${OUT:-$BUILD}"
mkdir -p "$DEST" "$DEST/dump"
LOG="$DEST/gpu_check.log"
: >"$LOG"
say() { echo "$@" | tee -a "$LOG"; }

# CMake finds nvcc on PATH or through CUDACXX; toolkits often live outside PATH.
if ! command -v nvcc >/dev/null 2>&1 && [ -z "${CUDACXX:-}" ]; then
  for c in /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc; do
    if [ -x "$c" ]; then export CUDACXX="$c"; break; fi
  done
fi
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
JOBS="$(nproc 2>/dev/null || echo 4)"

t0=$(date +%s)
say "== configure + build (archs $ARCHS, $JOBS jobs) in $BUILD"
if ! { cmake -S "$ROOT/tooling/gpu" -B "$BUILD" ${GEN[@]+"${GEN[@]}"} -DCMAKE_BUILD_TYPE=Release -DSIEVE_CUDA_ARCHS="$ARCHS" &&
       cmake --build "$BUILD" --target gpu_check --parallel "$JOBS"; } >>"$LOG" 2>&1; then
  tail -n 40 "$LOG"
  say "build failed (full log: $LOG)"
  exit 4
fi
t1=$(date +%s)
say "build: $((t1 - t0)) s"

"$BUILD/gpu_check" --json "$DEST/gpu_check.json" --dump "$DEST/dump" "$@" 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
t2=$(date +%s)
say "gpu_check: exit $rc after $((t2 - t1)) s"
if [ "$rc" -eq 2 ]; then
  say "no usable CUDA device here: nothing was checked"
  exit 2
fi
if [ "$rc" -eq 3 ]; then
  # A kernel fault poisons the CUDA context for the rest of the process: run each parity group,
  # then the timings, in a process of its own so that everything else still reports.
  say "an error stopped the run; rerunning each part in its own process (gpu_check_<part>.json)"
  for part in gemv matmul rms_norm rope attention teal; do
    "$BUILD/gpu_check" --no-bench --only "$part" --json "$DEST/gpu_check_$part.json" 2>&1 | tee -a "$LOG"
  done
  "$BUILD/gpu_check" --only none --json "$DEST/gpu_check_bench.json" "$@" 2>&1 | tee -a "$LOG"
fi

if [ -f "$DEST/dump/gemv_meta.json" ] && python3 -c 'import torch' >/dev/null 2>&1; then
  python3 "$ROOT/tooling/gpu/torch_check.py" "$DEST/dump" 2>&1 | tee -a "$LOG"
  trc=${PIPESTATUS[0]}
  if [ "$trc" -ne 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
else
  say "torch cross-check skipped (no PyTorch or no dump)"
fi
# The dense peer for the TEAL timings (cuBLAS through PyTorch), unless only parity was asked for.
case " $* " in
  *" --no-bench "*) ;;
  *) if python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
       python3 "$ROOT/tooling/gpu/torch_bench.py" "$DEST" 2>&1 | tee -a "$LOG"
     fi ;;
esac
for tool in ${SANITIZE:-}; do
  CS="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  slog="$DEST/sanitize_$tool.log"
  "$CS" --tool "$tool" --print-limit 20 --error-exitcode 9 "$BUILD/gpu_check" --no-bench \
    --json "$BUILD/sanitize_$tool.json" >"$slog" 2>&1
  src=$?
  say "compute-sanitizer $tool: exit $src, $(grep -c '^  PASS' "$slog") parity cases passed; $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$slog" | tail -1)"
  if [ "$src" -ne 0 ] && [ "$rc" -eq 0 ]; then rc=1; fi
done
say "total: $(($(date +%s) - t0)) s; log $LOG; report $DEST/gpu_check.json"
exit "$rc"
