#!/usr/bin/env bash
# Fill the git-ignored .whl/ and .data/ that travel with the GPU run (copy both to the CUDA machine); run as root.
#
#   .whl/*.whl        the Python packages the device's Python (3.12, its own torch) lacks: IPython and what it
#                     needs (the sandbox runs cells through it), nbformat's stack; fetched for CPython 3.12 x86-64
#   .whl/bwrap/       bubblewrap, its Debian package unpacked with dpkg -x, plus the libraries it links to
#   .data/fashion-mnist/   the four IDX files, from Debian's dataset-fashion-mnist (installed if missing)
#
# About 7 MiB in all. Versions are this checkout's venv's, where it has the package, so the device runs what the
# tests here ran. Safe to rerun: it empties .whl/ first.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

# name: the distribution; the version is the venv's when it has one, else this fallback
PACKAGES="ipython=9.18.1 ipython_pygments_lexers=1.1.1 jedi=0.20.1 parso=0.8.7 matplotlib_inline=0.2.2
pexpect=4.9.0 ptyprocess=0.7.0 prompt_toolkit=3.0.53 wcwidth=0.9.4 stack_data=0.6.3 executing=2.3.0
asttokens=3.0.2 pure_eval=0.2.4 traitlets=5.16.1 nbformat=5.11.1 fastjsonschema=2.22.3 jsonschema=4.26.0
jsonschema_specifications=2025.9.1 referencing=0.37.0 rpds_py=2026.9.1 jupyter_core=5.9.1 platformdirs=4.14.8
segno=1.6.6"

rm -rf .whl
mkdir -p .whl
specs=()
for entry in $PACKAGES; do
  name=${entry%%=*}
  version=$("$PY" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$name" 2>/dev/null \
            || echo "${entry#*=}")
  specs+=("$name==$version")
done
log=$(mktemp)
"$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform any -d .whl "${specs[@]}" 2>"$log" || { cat "$log"; exit 1; }
grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true  # find-links folders absent here
rm -f "$log"
echo "wheels: $(ls .whl/*.whl | wc -l) in .whl/ ($(du -sh .whl | cut -f1))"

# bubblewrap and the libraries it links to (libselinux1, libcap2, libpcre2-8-0; the device may have them already)
if ! command -v apt-get >/dev/null; then
  echo "no apt-get here: .whl/bwrap not made (the GPU run then uses the device's bwrap, or weak mode)"
else
  download=$(mktemp -d)
  (cd "$download" && apt-get download bubblewrap libselinux1 libcap2 libpcre2-8-0 >/dev/null 2>&1) || {
    apt-get update -qq && (cd "$download" && apt-get download bubblewrap libselinux1 libcap2 libpcre2-8-0 >/dev/null); }
  for deb in "$download"/*.deb; do dpkg -x "$deb" .whl/bwrap; done
  rm -rf "$download" .whl/bwrap/usr/share
  echo "bubblewrap: $(.whl/bwrap/usr/bin/bwrap --version) in .whl/bwrap/usr/bin/bwrap"
fi

# Fashion-MNIST
SOURCE=/usr/share/datasets/fashion-mnist
if [ ! -f "$SOURCE/train-images-idx3-ubyte.gz" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "install Fashion-MNIST first: sudo apt-get install dataset-fashion-mnist" >&2; exit 1
  fi
fi
rm -rf .data/fashion-mnist
mkdir -p .data/fashion-mnist
cp "$SOURCE"/*-ubyte.gz .data/fashion-mnist/
echo "data: $(ls .data/fashion-mnist | wc -l) files in .data/fashion-mnist ($(du -sh .data | cut -f1))"
git check-ignore .whl/x .data/x >/dev/null && echo "both are git-ignored; copy them with the checkout to the CUDA machine"
