// Grafana's provisioning file formats as its documentation describes them (apiVersion 1), strict:
// Grafana skips a key it does not know without a word, so a misspelt key must fail here instead.
// Reference: https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources
// and #dashboards (the documented example files list every key accepted below).
import { z } from 'zod';

const datasource = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  access: z.enum(['proxy', 'direct']).optional(),
  orgId: z.number().int().positive().optional(),
  uid: z.string().min(1).max(40).optional(),
  url: z.string().optional(),
  user: z.string().optional(),
  database: z.string().optional(),
  basicAuth: z.boolean().optional(),
  basicAuthUser: z.string().optional(),
  withCredentials: z.boolean().optional(),
  isDefault: z.boolean().optional(),
  // Plugin-specific settings: their keys belong to each data source type, not to the file format.
  jsonData: z.record(z.string(), z.unknown()).optional(),
  secureJsonData: z.record(z.string(), z.string()).optional(),
  version: z.number().int().optional(),
  editable: z.boolean().optional(),
});

export const datasourcesFile = z
  .strictObject({
    apiVersion: z.literal(1),
    deleteDatasources: z.array(z.strictObject({ name: z.string().min(1), orgId: z.number().int().positive().optional() })).optional(),
    prune: z.boolean().optional(),
    datasources: z.array(datasource).optional(),
  })
  .superRefine((file, ctx) => {
    const sources = file.datasources ?? [];
    // Grafana refuses more than one default data source per organisation.
    const defaults = sources.filter((d) => d.isDefault).map((d) => d.orgId ?? 1);
    if (new Set(defaults).size !== defaults.length)
      ctx.addIssue({ code: 'custom', path: ['datasources'], message: 'more than one isDefault data source in an org' });
    for (const key of ['name', 'uid'] as const) {
      const values = sources.map((d) => d[key]).filter(Boolean);
      if (new Set(values).size !== values.length) ctx.addIssue({ code: 'custom', path: ['datasources'], message: `duplicate data source ${key}` });
    }
  });

const provider = z.strictObject({
  name: z.string().min(1),
  orgId: z.number().int().positive().optional(),
  folder: z.string().optional(),
  folderUid: z.string().optional(),
  type: z.literal('file'),
  disableDeletion: z.boolean().optional(),
  updateIntervalSeconds: z.number().int().positive().optional(),
  allowUiUpdates: z.boolean().optional(),
  options: z.strictObject({ path: z.string().startsWith('/'), foldersFromFilesStructure: z.boolean().optional() }),
});

export const dashboardProvidersFile = z.strictObject({ apiVersion: z.literal(1), providers: z.array(provider).min(1) });

export type DatasourcesFile = z.infer<typeof datasourcesFile>;

/** Every `datasource` reference anywhere in a dashboard (panels, targets, templating, annotations), with its JSON path. */
export function datasourceReferences(value: unknown, path = '$'): { path: string; ref: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => datasourceReferences(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(key === 'datasource' ? [{ path: `${path}.${key}`, ref: child }] : []),
    ...datasourceReferences(child, `${path}.${key}`),
  ]);
}
