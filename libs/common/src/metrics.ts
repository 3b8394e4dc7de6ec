import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

// Get-or-create on the default registry: a Nest module may be instantiated more than once in one process (tests
// start several apps), and prom-client refuses a second metric of the same name.
export const counter = (name: string, help: string, labelNames: string[] = []): Counter<string> =>
  (register.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames });

export const histogram = (name: string, help: string, labelNames: string[] = [], buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]): Histogram<string> =>
  (register.getSingleMetric(name) as Histogram<string>) ?? new Histogram({ name, help, labelNames, buckets });

export const gauge = (name: string, help: string, labelNames: string[] = []): Gauge<string> =>
  (register.getSingleMetric(name) as Gauge<string>) ?? new Gauge({ name, help, labelNames });

/**
 * Node's default process metrics (memory, CPU, event-loop lag, GC) with a `process` label (`api` or `worker`), so
 * a dashboard tells the two apart even when both are scraped under one job. Once per registry: tests run the API
 * and a worker in one process, and prom-client refuses the second set; the first label then stays.
 */
export function collectProcessMetrics(processName: 'api' | 'worker'): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ labels: { process: processName } });
}
