#!/usr/bin/env python3
"""Parses YAML or JSON files and, optionally, requires dotted keys: yaml_check.py FILE [KEY...].

For configs whose service cannot run on this machine (Kibana, Filebeat, Grafana provisioning):
the strongest check available here is that the file parses and carries the settings we rely on.
Keys may be flat dotted keys (kibana.yml style), nested, or a mix (filebeat.yml style).
"""
import json
import sys

import yaml


def lookup(doc, key):
    """True when `key` names a value, whatever mix of flat dotted keys and nesting the file uses
    (`output.logstash: {ssl.enabled: true}` holds `output.logstash.ssl.enabled`)."""
    if not isinstance(doc, dict):
        return False
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        head = ".".join(parts[:i])
        if head in doc:
            if i == len(parts) or lookup(doc[head], ".".join(parts[i:])):
                return True
    return False


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
