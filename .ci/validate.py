"""Validate rendered streams with kubernetes-validate and read them back with YAML 1.1 rules.

Each stream is split into documents; every document is checked with
`kubernetes-validate --strict` against the oldest and the newest Kubernetes version the
package ships schemas for. It fails closed: only the custom resources listed in
CUSTOM_RESOURCES (which have no schema in kubernetes-validate) may be skipped, and they are
counted as skipped, never as passed; any other object without a schema (a typo'd kind, an
API version the cluster no longer serves, such as autoscaling/v2beta2) fails. Every string a profile sets (ConfigMap data,
labels, annotations, env values) must still be a string when PyYAML, a YAML 1.1 reader like
the ones Kubernetes tools use, reads it back.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import yaml


# (apiVersion, kind) of the custom resources magnetiq-gen renders: the only objects that may
# have no schema here. Checked against their upstream CRDs elsewhere (issue 11), not here.
CUSTOM_RESOURCES = {
    ("argoproj.io/v1alpha1", "Application"),
    ("external-secrets.io/v1", "ExternalSecret"),
    ("bitnami.com/v1alpha1", "SealedSecret"),
    ("longhorn.io/v1beta2", "RecurringJob"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
}


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
    ap.add_argument("--validator", required=True)
    ap.add_argument("streams", nargs="+", help="rendered streams, without the .yaml suffix")
    args = ap.parse_args()

    passed = failed = skipped = 0
    problems = []
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
                        if (doc.get("apiVersion"), doc.get("kind")) in CUSTOM_RESOURCES:
                            skipped += 1
                            print(f"skipped {where} against {version}: a listed custom resource")
                        else:
                            failed += 1
                            problems.append(
                                f"{where} ({doc.get('apiVersion')}) against {version}: no schema, and not a "
                                f"listed custom resource (a removed API version or an unknown kind):\n{text.strip()}"
                            )
                    elif "passed" in text:
                        passed += 1
                    else:
                        failed += 1
                        problems.append(f"{where} against {version}: unexpected output:\n{text.strip()}")
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    print(f"schema: {passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
