#!/usr/bin/env python3
"""Index templates and retention for the ChatOps log indices (logs-chatops-<source>-YYYY.MM.dd).

  log_retention.py setup   puts the index templates in index-templates/; where the cluster has
                           ILM it also puts the delete-after-N-days policy and names it in the
                           templates, so Elasticsearch deletes old indices itself.
  log_retention.py curate  (the curator job, run daily by a systemd timer) deletes indices whose
                           date suffix is older than --days, unless ILM manages them.

The password comes from the file named by --password-file (or ES_PASSWORD), never argv.
Standard library only: it runs on any host with the python3 Ansible needs.
"""
import argparse
import base64
import datetime
import json
import os
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
POLICY_NAME = "logs-chatops"
DATED_INDEX = re.compile(r"^(?P<prefix>.+)-(?P<date>\d{4}\.\d{2}\.\d{2})$")


class Cluster:
    def __init__(self, url, ca_file=None, username=None, password=None):
        self.url = url.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
        self.headers = {"content-type": "application/json"}
        if username:
            token = base64.b64encode(f"{username}:{password or ''}".encode()).decode()
            self.headers["authorization"] = f"Basic {token}"

    def request(self, method, path, body=None, allow=(200,)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status not in allow:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {text[:500]}")
        return status, (json.loads(text) if text else None)

    def has_ilm(self):
        status, _ = self.request("GET", "/_ilm/status", allow=(200, 400, 404, 405))
        return status == 200


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def setup(cluster, days, templates_dir, ilm_dir):
    ilm = cluster.has_ilm()
    if ilm:
        for name in sorted(os.listdir(ilm_dir)):
            if name.endswith(".json"):
                text = json.dumps(load_json(os.path.join(ilm_dir, name))).replace("RETENTION_DAYS", str(days))
                cluster.request("PUT", f"/_ilm/policy/{name[:-5]}", json.loads(text))
                print(f"ILM policy {name[:-5]}: delete after {days} days")
    else:
        print(f"ILM not available on this cluster: the curate job deletes indices older than {days} days")
    for name in sorted(os.listdir(templates_dir)):
        if not name.endswith(".json"):
            continue
        template = load_json(os.path.join(templates_dir, name))
        if ilm:
            template["template"]["settings"]["index"]["lifecycle"] = {"name": POLICY_NAME}
        cluster.request("PUT", f"/_index_template/{name[:-5]}", template)
        print(f"index template {name[:-5]}: {', '.join(template['index_patterns'])}")


def curate(cluster, days, prefix, dry_run, today=None):
    if cluster.has_ilm():
        print("ILM manages retention on this cluster: nothing to do")
        return []
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    cutoff = today - datetime.timedelta(days=days)
    pattern = urllib.parse.quote(f"{prefix}*", safe="*")
    _, indices = cluster.request("GET", f"/_cat/indices/{pattern}?format=json&h=index&expand_wildcards=open,closed")
    expired = []
    for entry in indices or []:
        match = DATED_INDEX.match(entry["index"])
        if not match or not entry["index"].startswith(prefix):
            continue
        day = datetime.datetime.strptime(match.group("date"), "%Y.%m.%d").date()
        if day < cutoff:
            expired.append(entry["index"])
    for index in sorted(expired):
        if dry_run:
            print(f"would delete {index}")
        else:
            cluster.request("DELETE", f"/{urllib.parse.quote(index)}")
            print(f"deleted {index}")
    if not expired:
        print(f"no {prefix}* index older than {cutoff.isoformat()}")
    return expired


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["setup", "curate"])
    parser.add_argument("--url", required=True, help="Elasticsearch base URL, e.g. https://10.77.0.31:9200")
    parser.add_argument("--ca-file", help="CA that signed the cluster's certificate")
    parser.add_argument("--username")
    parser.add_argument("--password-file", help="file holding the password (else $ES_PASSWORD)")
    parser.add_argument("--days", type=int, default=14, help="retention in days (default 14)")
    parser.add_argument("--prefix", default="logs-chatops-", help="index name prefix (default logs-chatops-)")
    parser.add_argument("--dry-run", action="store_true", help="curate: list, do not delete")
    parser.add_argument("--templates-dir", default=os.path.join(HERE, "index-templates"))
    parser.add_argument("--ilm-dir", default=os.path.join(HERE, "ilm"))
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    password = os.environ.get("ES_PASSWORD")
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as handle:
            password = handle.read().strip()
    cluster = Cluster(args.url, args.ca_file, args.username, password)
    try:
        if args.command == "setup":
            setup(cluster, args.days, args.templates_dir, args.ilm_dir)
        else:
            curate(cluster, args.days, args.prefix, args.dry_run)
    except (RuntimeError, urllib.error.URLError) as error:
        print(f"log_retention {args.command} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
