"""Validate rendered streams against schemas, and read them back with YAML 1.1 rules.

Each stream is split into documents. Custom resources (the apiVersion and kind pairs that
`crd-check --list` names) are checked by crd-check against types generated from their
upstream CRDs, strictly: an unknown field fails, as it would with `kubectl apply
--validate=strict`. Every other document is checked with `kubernetes-validate --strict`
against the oldest and the newest Kubernetes version the package ships schemas for. It fails
closed: a document neither has a schema for (a misspelt kind, an API version the cluster no
longer serves such as autoscaling/v2beta2, a custom resource in a version crd-check lacks
such as external-secrets.io/v1beta9) fails; nothing is skipped. Every string a profile sets
(ConfigMap data, labels, annotations, env values) must still be a string when PyYAML, a
YAML 1.1 reader like the ones Kubernetes tools use, reads it back.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import yaml


def strings_stay_strings(doc, where):
    problems = []

    def check(mapping, what):
        for k, v in (mapping or {}).items():
            if not isinstance(v, str):
                problems.append(f"{where}: {what}[{k!r}] reads as {type(v).__name__} {v!r} under YAML 1.1")

    meta = doc.get("metadata", {})
    check(meta.get("labels"), "metadata.labels")
    check(meta.get("annotations"), "metadata.annotations")
    if doc.get("kind") == "ConfigMap":
        check(doc.get("data"), "data")
    if doc.get("kind") == "Deployment":
        for c in doc["spec"]["template"]["spec"]["containers"]:
            for e in c.get("env", []):
                if "value" in e and not isinstance(e["value"], str):
                    problems.append(f"{where}: env {e['name']} reads as {e['value']!r} under YAML 1.1")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oldest", required=True)
    ap.add_argument("--newest", required=True)
    ap.add_argument("--validator", required=True, help="the kubernetes-validate executable")
    ap.add_argument("--crd-check", required=True, help="the crd-check executable (.ci/crd-check)")
    ap.add_argument(
        "--every-custom-resource", action="store_true",
        help="fail unless every custom resource crd-check knows appears in some stream",
    )
    ap.add_argument("streams", nargs="+", help="rendered streams, without the .yaml suffix")
    args = ap.parse_args()

    # The custom resources with an upstream schema; no other custom resource can pass.
    listed = subprocess.run([args.crd_check, "--list"], capture_output=True, text=True, check=True)
    custom = {tuple(line.split()[:2]) for line in listed.stdout.splitlines()}
    if not custom:
        sys.exit("crd-check --list named no custom resources")

    passed = failed = 0
    problems = []
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for stream in args.streams:
            name = os.path.basename(stream)
            with open(stream + ".yaml") as f:
                text = f.read()
            # Validate the bytes magnetiq-gen wrote, one document per file, so that each
            # result is counted.
            chunks = [c for c in text.split("\n---\n") if c.strip()]
            if not chunks:
                problems.append(f"{name}: the stream holds no objects")
            for i, chunk in enumerate(chunks):
                doc = yaml.safe_load(chunk)
                where = f"{name}: {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
                problems += strings_stay_strings(doc, where)
                api = (doc.get("apiVersion"), doc.get("kind"))
                if api in custom:
                    seen.add(api)
                    # JSON as a YAML-to-JSON converter (sigs.k8s.io/yaml) would send it to the
                    # API server: YAML 1.1 timestamps become strings.
                    path = os.path.join(tmp, f"{name}-{i:02}.json")
                    with open(path, "w") as out:
                        json.dump(doc, out, default=str)
                    r = subprocess.run([args.crd_check, path], capture_output=True, text=True)
                    if r.returncode == 0:
                        passed += 1
                        print(r.stdout.strip().replace("ok   ", f"ok   {name}: ", 1))
                    else:
                        failed += 1
                        problems.append(f"{name}: {(r.stdout + r.stderr).strip().removeprefix('FAIL ')}")
                    continue
                path = os.path.join(tmp, f"{name}-{i:02}.yaml")
                with open(path, "w") as out:
                    out.write(chunk + "\n")
                for version in (args.oldest, args.newest):
                    r = subprocess.run(
                        [args.validator, "--strict", "-k", version, path],
                        capture_output=True, text=True,
                    )
                    text = r.stdout + r.stderr
                    if r.returncode != 0 or "ERROR" in text:
                        failed += 1
                        problems.append(f"{where} against {version}:\n{text.strip()}")
                    elif "Couldn't find schema" in text:
                        failed += 1
                        problems.append(
                            f"{where} ({doc.get('apiVersion')}) against {version}: no schema here and no "
                            f"upstream CRD in crd-check (a removed API version, an unknown kind, or a "
                            f"custom resource crd-check lacks):\n{text.strip()}"
                        )
                    elif "passed" in text:
                        passed += 1
                    else:
                        failed += 1
                        problems.append(f"{where} against {version}: unexpected output:\n{text.strip()}")
    if args.every_custom_resource:
        # A custom resource no stream renders is never checked: make CI render it.
        for api_version, kind in sorted(custom - seen):
            failed += 1
            problems.append(f"{kind} ({api_version}): no stream renders it, so it is never checked")
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    print(f"schema: {passed} passed, {failed} failed")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
