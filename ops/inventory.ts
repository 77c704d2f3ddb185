// Reads an Ansible inventory through `ansible-inventory --list`, so every format Ansible accepts
// (YAML, INI, directories with group_vars) is understood the same way Ansible understands it.
import { existsSync } from 'node:fs';
import { $ } from 'zx';
import { UsageError } from '../app/src/cli/flags.ts';

export interface InventoryHost {
  name: string;
  /** address Ansible connects to: `ansible_host`, else the inventory name */
  address: string;
  groups: string[];
  vars: Record<string, unknown>;
}

export interface Inventory {
  source: string;
  hosts: InventoryHost[];
}

interface ListedGroup {
  hosts?: string[];
  children?: string[];
}

export async function readInventory(source: string): Promise<Inventory> {
  if (!existsSync(source)) {
    throw new UsageError(`--inventory: ${source} does not exist; pass an inventory directory such as ansible/inventories/lab`);
  }
  const result = await $({ quiet: true, nothrow: true })`ansible-inventory -i ${source} --list`;
  if (result.exitCode !== 0) {
    throw new UsageError(`--inventory: ansible-inventory could not read ${source}:\n${result.stderr.trim()}`);
  }
  const listed = JSON.parse(result.stdout) as Record<string, ListedGroup> & {
    _meta?: { hostvars?: Record<string, Record<string, unknown>> };
  };
  const hostvars = listed._meta?.hostvars ?? {};
  const groupsOf = new Map<string, Set<string>>();
  // Walk the group tree so a host in `app` is also listed under every parent group.
  const visit = (group: string, parents: string[]): void => {
    const entry = listed[group] as ListedGroup | undefined;
    if (!entry) return;
    const chain = [...parents, group];
    for (const host of entry.hosts ?? []) {
      const set = groupsOf.get(host) ?? new Set<string>();
      for (const g of chain) set.add(g);
      groupsOf.set(host, set);
    }
    for (const child of entry.children ?? []) if (!chain.includes(child)) visit(child, chain);
  };
  visit('all', []);
  const hosts = [...groupsOf.keys()].sort().map((name) => {
    const vars = hostvars[name] ?? {};
    const address = typeof vars['ansible_host'] === 'string' ? vars['ansible_host'] : name;
    const groups = [...(groupsOf.get(name) ?? [])].filter((g) => g !== 'all' && g !== 'ungrouped').sort();
    return { name, address, groups, vars };
  });
  if (hosts.length === 0) throw new UsageError(`--inventory: ${source} defines no hosts`);
  return { source, hosts };
}

export function hostsInGroup(inventory: Inventory, group: string): InventoryHost[] {
  return group === 'all' ? inventory.hosts : inventory.hosts.filter((h) => h.groups.includes(group));
}

/** A variable every host agrees on (group_vars/all), or undefined. */
export function commonVar(inventory: Inventory, name: string): unknown {
  const values = new Set(inventory.hosts.map((h) => JSON.stringify(h.vars[name])));
  if (values.size !== 1) return undefined;
  return inventory.hosts[0]?.vars[name];
}
