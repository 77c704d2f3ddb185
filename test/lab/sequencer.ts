// Lab files share one deployed lab (test/lab/global-setup.ts): lab.test.ts runs first, right after
// the deploy from nothing whose figures it checks, and lab-down.test.ts last, since it takes the lab
// down. The dashboards and the alert check come next, on the lab as deployed: the dashboards want
// the replicas' reads since their start, and the alert check's timings (a replica stopped, its
// alert posted, then resolved in place) are those of a lab no failover or rollout has touched.
// backup-restore.test.ts runs just before lab-down: it rebuilds Elasticsearch and Prometheus as
// fresh nodes, which loses the log indices and the last minutes of metrics later files would read.
// Every other file keeps vitest's own order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ORDER = ['test/lab/lab.test.ts', 'test/lab/grafana-dashboards.test.ts', 'test/lab/alerts.test.ts'];
const BEFORE_LAST = 'test/lab/backup-restore.test.ts';
const LAST = 'test/lab/lab-down.test.ts';

export class LabOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const early = ORDER.findIndex((name) => file.moduleId.endsWith(name));
      if (early >= 0) return early;
      if (file.moduleId.endsWith(BEFORE_LAST)) return ORDER.length + 1;
      return file.moduleId.endsWith(LAST) ? ORDER.length + 2 : ORDER.length;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
