#!/usr/bin/env python3
"""Parses YAML or JSON files and, optionally, requires dotted keys: yaml_check.py FILE [KEY...].

For configs whose service cannot run on this machine (Kibana, Filebeat, Grafana provisioning):
the strongest check available here is that the file parses and carries the settings we rely on.
Keys are looked up as flat dotted keys first (kibana.yml style), then as nested paths.
"""
import json
import sys

import yaml


def lookup(doc, key):
    if isinstance(doc, dict) and key in doc:
        return True
    node = doc
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def main() -> int:
    path, keys = sys.argv[1], sys.argv[2:]
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    doc = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    missing = [k for k in keys if not lookup(doc, k)]
    if missing:
        print(f"{path}: missing {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
