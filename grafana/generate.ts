// Writes grafana/dashboards/*.json from the dashboards as code: `npx tsx grafana/generate.ts`.
// The JSON is committed; test/unit/monitoring-dashboards.test.ts fails when it is stale.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDashboards, dashboardJson } from './src/index.ts';

const out = join(import.meta.dirname, 'dashboards');
for (const [file, dashboard] of Object.entries(buildDashboards())) {
  await writeFile(join(out, file), dashboardJson(dashboard));
  console.log(`wrote grafana/dashboards/${file}`);
}
