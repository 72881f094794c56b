#!/usr/bin/env bash
# The whole GPU run in one call (docs/BENCHMARK.md, "GPU run"): LeNet-5 benchmarks on Fashion-MNIST (eager, compile,
# CUDA graphs; modern, classic; batch 256, 512, 1024), our trainer against a DataLoader loop, the CUDA grading bars,
# and grading a class of LeNet-5s in side-by-side sandboxes on the GPU. The table comes last; JSON, PNG and logs go
# to $OUT (default ./out/gpu).
#
#   bash benchmarks/gpu/run.sh [--smoke] [--budget SECONDS] [--only STEP,...] [--grade-args '--memory 8192 ...']
#
# It runs the project from this tree (PYTHONPATH), never pip-installs it. What the machine lacks travels beside it,
# filled by benchmarks/gpu/prepare.sh: .whl/*.whl (IPython and friends, installed with --no-index into a temporary
# site-packages), .whl/bwrap/ (bubblewrap, unpacked from its Debian package), .data/fashion-mnist/ (the IDX files).
# --smoke: the same steps at toy sizes on a synthetic set, on the CPU where there is no GPU (tests/benchmarks).
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
OUT=${OUT:-$REPO/out/gpu}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PY=${PYTHON:-}
HAS='import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in sys.argv[1:]))'  # no imports: fast
if [ -z "$PY" ]; then
  if [ -x "$REPO/.venv/bin/python" ] && "$REPO/.venv/bin/python" -c "$HAS" torch 2>/dev/null; then PY=$REPO/.venv/bin/python
  else PY=$(command -v python3); fi
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cnnlab-gpu-run.XXXXXX")
chmod 755 "$WORK"  # the sandbox's unprivileged uid (weak mode) must read the site-packages made here
exec > >(tee "$OUT/run.log") 2>&1
TEE=$!
echo "cnnlab GPU run: $(date -u +%FT%TZ), repo $REPO, python $PY, out $OUT, work $WORK"

# Python packages the machine lacks: from .whl/ into a folder named site-packages (the sandbox binds such folders).
SITE=
if ! "$PY" -c "$HAS" IPython traitlets matplotlib_inline yaml jinja2 rich 2>/dev/null; then
  if compgen -G "$REPO/.whl/*.whl" >/dev/null; then
    SITE=$WORK/site-packages
    mkdir -p "$SITE"
    if ! "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --disable-pip-version-check \
         --target "$SITE" "$REPO"/.whl/*.whl; then
      echo "pip could not install .whl/*.whl; unzipping the wheels instead"
      for w in "$REPO"/.whl/*.whl; do "$PY" -m zipfile -e "$w" "$SITE"; done
    fi
    chmod -R a+rX "$SITE"
    echo "installed $(ls "$REPO"/.whl/*.whl | wc -l) wheels from .whl/ into $SITE"
  else
    echo "WARNING: IPython (or another package) is missing and .whl/ holds no wheels: run benchmarks/gpu/prepare.sh"
  fi
fi
export PYTHONPATH=$REPO${SITE:+:$SITE}${PYTHONPATH:+:$PYTHONPATH}

# bubblewrap: the machine's own, else the one unpacked into .whl/bwrap (with its libraries if the system lacks them).
if ! command -v bwrap >/dev/null && [ -e "$REPO/.whl/bwrap/usr/bin/bwrap" ]; then
  BIN=$WORK/bin
  mkdir -p "$BIN"
  chmod +x "$REPO/.whl/bwrap/usr/bin/bwrap"
  if "$REPO/.whl/bwrap/usr/bin/bwrap" --version >/dev/null 2>&1; then
    ln -s "$REPO/.whl/bwrap/usr/bin/bwrap" "$BIN/bwrap"
  else
    LIBS=$(find "$REPO/.whl/bwrap" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$LIBS" "$REPO/.whl/bwrap/usr/bin/bwrap" >"$BIN/bwrap"
    chmod +x "$BIN/bwrap"
  fi
  export PATH=$BIN:$PATH
fi
echo "bwrap: $(command -v bwrap || echo 'not found: the sandbox runs in weak mode') $(bwrap --version 2>&1 | head -1)"

# Fashion-MNIST: .data/ when it travelled here, else $CNNLAB_DATA or /usr/share/datasets.
if [ -z "${CNNLAB_DATA:-}" ] && [ -d "$REPO/.data/fashion-mnist" ]; then export CNNLAB_DATA=$REPO/.data; fi
echo "data: ${CNNLAB_DATA:-/usr/share/datasets}"
# The sandbox starts its processes with a clean environment, so libraries found only through LD_LIBRARY_PATH (the
# NVIDIA driver's libcuda in many CUDA images) would be missing in there: register their folders with the loader's
# cache, which the sandbox binds (root only; this machine is a throwaway one).
if [ "$(id -u)" = 0 ] && [ -n "${LD_LIBRARY_PATH:-}" ] && command -v ldconfig >/dev/null \
   && ! ldconfig -p | grep -q 'libcuda\.so\.1 '; then
  dirs=$(IFS=:; for d in $LD_LIBRARY_PATH; do compgen -G "$d/libcuda.so*" >/dev/null && echo "$d"; done)
  if [ -n "$dirs" ] && echo "$dirs" >/etc/ld.so.conf.d/zz-cnnlab-gpu-run.conf && ldconfig; then
    echo "registered $(echo $dirs) with ldconfig: the sandbox clears LD_LIBRARY_PATH"
  fi
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv,noheader

"$PY" "$REPO/benchmarks/gpu/run.py" --out "$OUT" --work "$WORK" "$@"
code=$?
rm -rf "$WORK"
exec >&- 2>&-
wait "$TEE" 2>/dev/null  # run.log complete before the call returns
exit $code
