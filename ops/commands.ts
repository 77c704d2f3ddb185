// The operator commands of `npx chatops` (listed with the app's by app/src/cli/main.ts). Each
// module loads on first use, so `chatops status` does not load Ansible's deploy code.
import type { Command } from '../app/src/cli/run.ts';

const OPERATOR = 'From a checkout';
const INVENTORY = '  --inventory DIR  the Ansible inventory (default ansible/inventories/lab)';

export const operatorCommands: Record<string, Command> = {
  certs: {
    section: OPERATOR,
    usage: 'chatops certs [--out DIR] [--domain DOMAIN] [--inventory DIR] [--renew-days N]',
    summary: "the private CA and one certificate per service, for the inventory's hosts",
    details: `  --out DIR        where the CA and the leaves go (default certs/generated)
  --domain DOMAIN  the appliance's domain (default chatops_domain from the inventory, else lab.chatops.test)
${INVENTORY}
  --renew-days N   re-issue leaves that expire within N days (default 30, below 365)
Keeps every certificate that is still right, so a rerun changes nothing.`,
    run: async (argv) => (await import('./certs.ts')).certsCommand(argv),
  },
  deploy: {
    section: OPERATOR,
    usage: 'chatops deploy [--inventory DIR] [--check] [--diff] [--tags T] [--skip-tags T] [--limit H] [--playbook F] [--vault-password-file F] [--bundle F]',
    summary: 'run ansible/site.yml: progress per play and role, a recap, the failing host and task',
    details: `${INVENTORY}
  --check          Ansible's check mode: report what would change, change nothing
  --diff           show the changes made to files
  --tags T, --skip-tags T, --limit H   as for ansible-playbook
  --playbook F     another playbook (default ansible/site.yml)
  --vault-password-file F   for an inventory with ansible-vault secrets
  --bundle F       roll out this app bundle (default dist/chatops.mjs): replicas restart one at a time,
                   each drained in HAProxy first and enabled again once /ready
Runs with Mitogen when scripts/install-deps.d/mitogen.sh fetched it (CHATOPS_MITOGEN=0: Ansible's
linear strategy). Exits with ansible-playbook's code.`,
    run: async (argv) => (await import('./deploy.ts')).deployCommand(argv),
  },
  status: {
    section: OPERATOR,
    usage: 'chatops status [--inventory DIR] [--domain DOMAIN] [--ca FILE]',
    summary: 'probe every service over HTTPS, through HAProxy and on each host',
    details: `${INVENTORY}
  --domain DOMAIN  the appliance's domain (default chatops_domain from the inventory)
  --ca FILE        the only CA to trust (default certs/generated/ca.crt)
Exits 0 when every probe is up, 3 otherwise.`,
    run: async (argv) => (await import('./status.ts')).statusCommand(argv),
  },
  lab: {
    section: OPERATOR,
    usage: 'chatops lab up|deploy|down|status|base',
    summary: 'the nspawn multi-host lab on this machine',
    details: `  up       build and boot the hosts of ansible/inventories/lab (root)
  deploy   certificates, site.yml on the lab, then probe every service (root)
  down     stop and remove everything up made (root)
  status   hosts, bridge, apt proxy and sandbox; exits 3 unless all are up
  base     build the cached Debian base only (root)`,
    run: async (argv) => (await import('./lab/command.ts')).labCommand(argv),
  },
  logs: {
    section: OPERATOR,
    usage:
      'chatops logs [--service S] [--host H] [--level L] [--since 15m] [--grep TEXT] [--request-id ID] [--follow] [--json] [--limit N] [--url URL] [--inventory DIR] [--ca FILE] [--username U]',
    summary: "the appliance's logs from Elasticsearch: time, host, service, level, message, request id",
    details: `  --service S      the app (chatops), a unit (haproxy, chatops@1, prometheus) or a dataset (haproxy.log)
  --host H         one host (host.name)
  --level L        L and worse: trace, debug, info, warn, error, fatal
  --since T        30s, 15m (default), 2h, 1d or an ISO time
  --grep TEXT      a phrase in the message
  --request-id ID  HAProxy's request id: its line and the app's
  --follow         keep printing new entries (Ctrl-C stops)
  --json           one JSON object per line (plain text when piped, coloured on a terminal)
  --limit N        the newest N entries (default 200)
  --url URL        Elasticsearch (default the inventory's first logging host on its port)
${INVENTORY}
  --ca FILE        the CA to trust (default certs/generated/ca.crt)
  --username U     basic auth user (default: the inventory's elasticsearch_username); the password from
                   ES_PASSWORD (the lab: .lab/secrets/elasticsearch_password)
Exits 1 with one line when Elasticsearch cannot be reached or rejects the query.`,
    run: async (argv) => (await import('./logs.ts')).logsCommand(argv),
  },
  backup: {
    section: OPERATOR,
    usage: 'chatops backup [--out DIR] [--inventory DIR] [--ca FILE] [--index-prefix P] [--url URL] [--prometheus-url URL]',
    summary: "a snapshot of the app's Elasticsearch indices and of Prometheus's TSDB, copied to this machine",
    details: `  --out DIR        a new directory for the backup (default backups/<UTC time>)
${INVENTORY}
  --ca FILE        the CA to trust (default certs/generated/ca.crt)
  --index-prefix P the app's index prefix (default chatops_elasticsearch_index_prefix, else chatops)
  --url URL        Elasticsearch (default the inventory's first logging host on its port)
  --prometheus-url URL   Prometheus (default the inventory's first monitoring host on 9090)
Writes elasticsearch-repository.tar.gz, prometheus-snapshot.tar.gz and manifest.json (time, snapshot
names, documents per index, sizes). Passwords from ES_PASSWORD and PROMETHEUS_PASSWORD (the lab:
.lab/secrets/). Needs path.repo (elasticsearch role) and the admin API (prometheus role); docs/backup.md.`,
    run: async (argv) => (await import('./backup/command.ts')).backupCommand(argv),
  },
  restore: {
    section: OPERATOR,
    usage: 'chatops restore --from DIR [--inventory DIR] [--ca FILE] [--url URL]',
    summary: "put a backup back: the app's indices from the snapshot, Prometheus's data from its TSDB snapshot",
    details: `  --from DIR       a directory \`chatops backup\` wrote (checked against its manifest.json first)
${INVENTORY}
  --ca FILE        the CA to trust (default certs/generated/ca.crt)
  --url URL        Elasticsearch (default the inventory's first logging host on its port)
Closes the app's indices and restores them over; stops Prometheus, replaces its data, starts it.
Prints documents per index, backup against restored. Exits 2 on a bad --from (nothing touched),
1 when a step fails or documents are missing.`,
    run: async (argv) => (await import('./backup/command.ts')).restoreCommand(argv),
  },
};
