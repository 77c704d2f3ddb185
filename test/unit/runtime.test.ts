// The suite runs on the Node major production gets: a run on an older system Node (20 here) fails
// instead of passing silently (.ci/run puts the cached Node 24 of scripts/install-deps.d/node.sh first on PATH).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const REPO = path.resolve(import.meta.dirname, '../..');
const readYaml = (file: string): Record<string, unknown> => parse(readFileSync(path.join(REPO, file), 'utf8')) as Record<string, unknown>;
const runningMajor = Number(process.versions.node.split('.')[0]);

describe('the Node runtime', () => {
  const roleMajor = readYaml('ansible/roles/chatops/defaults/main.yml').chatops_node_major;
  const labMajor = readYaml('ansible/inventories/lab/group_vars/all/main.yml').chatops_node_major ?? roleMajor;

  it('is at least 22, the oldest major package.json accepts', () => {
    const engines = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=22');
    expect(runningMajor, `running ${process.execPath} ${process.version}`).toBeGreaterThanOrEqual(22);
  });

  it("is the lab's chatops_node_major, the major the app runs on in the lab and production", () => {
    expect(roleMajor).toBe(24);
    expect(runningMajor, `running ${process.execPath} ${process.version}; put .cache/node/bin first on PATH`).toBe(labMajor);
  });

  it('points the lab at the cached binary of that major', () => {
    const lab = readYaml('ansible/inventories/lab/group_vars/all/main.yml');
    expect(lab.chatops_node_install_method).toBe('controller_binary');
    expect(lab.chatops_node_controller_binary).toBe('{{ chatops_content_dir }}/.cache/node/bin/node');
  });
});
