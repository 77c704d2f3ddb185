// The lab project's one deploy: before the first lab test file, the lab comes up and site.yml is
// deployed from nothing, once; every file then uses that lab (ensureLab sees the marker) and the
// teardown takes it down. test/lab/lab.test.ts checks the figures of that deploy.
import type { TestProject } from 'vitest/node';
import { deployLabForProject, releaseLabForProject, type ProjectDeploy } from '../support/lab-access.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    labDeploy: ProjectDeploy;
  }
}

const print = (line: string): void => void process.stdout.write(`${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const deploy = await deployLabForProject(print);
  project.provide('labDeploy', deploy);
  return () => releaseLabForProject(deploy, print);
}
