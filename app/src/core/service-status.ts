// What `npx chatops status` (probes from the operator's machine) and `/chatops status` (Prometheus
// `up` from a replica) both report: each service on each host up or DOWN, and how many are up.
// Pure.

export interface ServiceState {
  service: string;
  host: string;
  up: boolean;
  detail: string;
}

export interface ServiceSummary {
  up: number;
  total: number;
  /** the services down, in the order given */
  down: ServiceState[];
}

export function summariseServices(states: readonly ServiceState[]): ServiceSummary {
  const down = states.filter((s) => !s.up);
  return { up: states.length - down.length, total: states.length, down };
}

/** "12/13 up", the closing line of both reports. */
export function upCountLine(summary: ServiceSummary): string {
  return `${summary.up}/${summary.total} up`;
}

/**
 * Prometheus's `up` samples as services: the job, named more closely by the target's `unit`
 * (chatops@N) or probed `service` (the tls job) label; the host from the `host` label, else the
 * instance. Sorted by service, then host.
 */
export function servicesFromUp(samples: readonly { labels: Readonly<Record<string, string>>; value: number }[]): ServiceState[] {
  return samples
    .map(({ labels, value }) => {
      const job = labels.job ?? 'unknown job';
      const service = labels.unit ?? (labels.service ? `${job} ${labels.service}` : job);
      return { service, host: labels.host ?? labels.instance ?? '', up: value === 1, detail: labels.instance ?? '' };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.host.localeCompare(b.host));
}
