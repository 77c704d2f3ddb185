// Lab files share one deployed lab (test/lab/global-setup.ts): lab.test.ts runs first, right after
// the deploy from nothing whose figures it checks, and lab-down.test.ts last, since it takes the lab
// down. Every other project keeps vitest's own order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = 'test/lab/lab.test.ts';
const LAST = 'test/lab/lab-down.test.ts';

export class LabOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => (file.moduleId.endsWith(FIRST) ? 0 : file.moduleId.endsWith(LAST) ? 2 : 1);
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
