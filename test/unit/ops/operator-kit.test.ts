import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { register } from 'prom-client';
import { GatewayMetrics } from '@app/bitwarden';
import { AccountMetrics } from '../../../libs/accounts/src/account.metrics';
import { httpRequestSeconds } from '../../../apps/api/src/common/http-metrics';
import { WorkerMetrics } from '../../../apps/worker/src/ops/worker.metrics';
import { ROOT } from '../../support/env';
import { metricNames } from './promql-names';

// Every metric the dashboard and the alert rules read must be one the API or the worker exports: a renamed metric
// would otherwise leave a silent panel and an alert that can never fire. The names come from the live registry,
// filled by the same classes the two processes build (no stores needed to define metrics).
new GatewayMetrics();
new AccountMetrics();
new WorkerMetrics(); // also Node's default process metrics
httpRequestSeconds();

const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

async function exported(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await register.getMetricsAsJSON()) {
    names.add(m.name);
    for (const s of SUFFIXES[String(m.type)] ?? []) names.add(m.name + s);
  }
  return names;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations: Record<string, string>;
}
const alerts = (): Rule[] =>
  (JSON.parse(readFileSync(join(ROOT, 'deploy/prometheus-alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboardExprs = (): string[] =>
  (JSON.parse(readFileSync(join(ROOT, 'deploy/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> }).panels.flatMap((p) =>
    p.targets.map((t) => t.expr),
  );

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

test('the scanner finds metric names and nothing else (and so can report an unknown one)', () => {
  assert.deepEqual(metricNames('sum by (host_class, outcome) (rate(bwc_token_exchanges_total{outcome="ok"}[5m])) / clamp_min(sum(rate(foo_seconds_count[5m])), 1e-3)'), [
    'bwc_token_exchanges_total',
    'foo_seconds_count',
  ]);
  assert.deepEqual(metricNames('max(a_gauge) > 3600 or histogram_quantile(0.95, sum by (le) (rate(b_bucket[5m])))'), ['a_gauge', 'b_bucket']);
});

test('every metric in every alert expression and dashboard panel is exported by the API or the worker', async () => {
  const have = await exported();
  assert.ok(have.has('bwc_check_lag_seconds') && have.has('process_resident_memory_bytes') && have.has('bwc_http_request_seconds_bucket'), 'the registry is filled');
  assert.ok(!have.has('bwc_no_such_metric'), 'control: an unknown name is not in the set');
  const exprs = [...alerts().map((r) => r.expr), ...dashboardExprs()];
  assert.ok(exprs.length >= 15);
  for (const expr of exprs) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `no metric in ${expr}`);
    for (const n of names) assert.ok(have.has(n), `${n} (in ${expr}) is not exported`);
  }
});

test('the dashboard shows what operators need', () => {
  const used = new Set(dashboardExprs().flatMap(metricNames));
  for (const n of [
    'bwc_token_exchanges_total',
    'bwc_token_requests_total',
    'bwc_account_status_changes_total',
    'bwc_check_lag_seconds',
    'bwc_budget_wait_seconds_bucket',
    'bwc_proxy_requests_total',
    'bwc_webhook_backlog',
    'bwc_http_request_seconds_bucket',
    'process_resident_memory_bytes',
  ]) {
    assert.ok(used.has(n), `a panel reads ${n}`);
  }
});

test('the alerts cover the agreed cases, each with a runbook section that exists in docs/RUNBOOKS.md', () => {
  const rules = alerts();
  const runbooks = readFileSync(join(ROOT, 'docs/RUNBOOKS.md'), 'utf8');
  const anchors = new Set([...runbooks.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchorOf(m[1])));
  const byMetric = (n: string) => rules.some((r) => metricNames(r.expr).includes(n));
  for (const n of ['bwc_account_status_changes_total', 'bwc_accounts', 'bwc_check_lag_seconds', 'bwc_budget_wait_seconds_sum', 'bwc_webhook_backlog']) {
    assert.ok(byMetric(n), `an alert reads ${n}`);
  }
  assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, 'alert names are unique');
  for (const r of rules) {
    const m = /^docs\/RUNBOOKS\.md#([\w-]+)$/.exec(r.annotations.runbook ?? '');
    assert.ok(m, `${r.alert} has a runbook annotation pointing into docs/RUNBOOKS.md`);
    assert.ok(anchors.has(m[1]), `${r.alert}: section #${m[1]} exists`);
    assert.ok(r.annotations.summary, `${r.alert} has a summary`);
    assert.match(r.for ?? '', /^\d+[smh]$/, `${r.alert} waits before firing`);
  }
});
