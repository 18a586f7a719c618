"""Parses every alert expression of the PrometheusRules in the given YAML streams with
promql-parser (Python bindings of the promql-parser crate, a port of Prometheus's own
grammar). Fails closed: a stream set with no PrometheusRule at all fails, as does any
expression that does not parse.

    promql.py STREAM.yaml...   exit 0 all parse, 1 otherwise
"""

import sys

import promql_parser
import yaml


def main(paths):
    checked, failed = 0, 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not doc or doc.get("kind") != "PrometheusRule":
                    continue
                name = doc["metadata"]["name"]
                for group in doc["spec"]["groups"]:
                    for rule in group["rules"]:
                        checked += 1
                        try:
                            promql_parser.parse(rule["expr"])
                        except Exception as e:  # the bindings raise ValueError-like errors
                            failed += 1
                            print(f"FAIL {path}: {name} {rule.get('alert')}: {e}")
    if checked == 0:
        print("no PrometheusRule expression in the streams: nothing was checked")
        return 1
    print(f"{checked} alert expressions parsed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
