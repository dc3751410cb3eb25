import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { findPromtool } from '../../src/dev/promtool';
import { alertRules, dashboardQueries, metricNamesIn, opsFile } from '../support/promql';

const run = promisify(execFile);

/**
 * The alert rules and the dashboard as Prometheus and Grafana will read them. Which metrics they may
 * name is checked against what the code exports in test/integration/ops-metrics.test.ts.
 */
describe('ops/: the alert rules and the dashboard', function () {
  this.timeout(60_000);
  let promtool: string;

  before(() => {
    const found = findPromtool();
    if (!found) throw new Error("promtool is not built: npm test's pretest builds it (npx tsx test/support/prepare-tests.ts)");
    promtool = found;
  });

  const check = (...args: string[]) => run(promtool, args, { cwd: opsFile('prometheus') });

  it('promtool accepts the Prometheus configuration and the rules it loads', async () => {
    const { stdout, stderr } = await check('check', 'config', 'prometheus.yml');
    assert.match(`${stdout}${stderr}`, /SUCCESS: \d+ rules found/);
    await check('check', 'rules', 'alerts.yml');
  });

  it('fires every alert where its unit tests expect, and nowhere else (promtool test rules)', async () => {
    const { stdout } = await check('test', 'rules', 'alerts.test.yml');
    assert.match(stdout, /SUCCESS/);
  });

  it('would fail a rule that does not parse, and a unit test whose alert does not fire', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-rules-'));
    try {
      await writeFile(path.join(dir, 'bad.yml'), 'groups: [{ name: g, rules: [{ alert: A, expr: "sum(rate(x[5m]" }] }]\n');
      await assert.rejects(run(promtool, ['check', 'rules', path.join(dir, 'bad.yml')]), /unclosed|unexpected|parse error/i);
      const rules = 'groups: [{ name: g, rules: [{ alert: A, expr: "x > 1" }] }]\n';
      const tests = `rule_files: [rules.yml]\ntests: [{ input_series: [{ series: x, values: "0x5" }], alert_rule_test: [{ eval_time: 2m, alertname: A, exp_alerts: [{ exp_labels: {} }] }] }]\n`;
      await writeFile(path.join(dir, 'rules.yml'), rules);
      await writeFile(path.join(dir, 'tests.yml'), tests);
      await assert.rejects(run(promtool, ['test', 'rules', 'tests.yml'], { cwd: dir }), /FAILED/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tests every alert both firing and staying quiet', () => {
    type RuleTest = { alertname: string; exp_alerts?: unknown[] };
    const { tests } = parse(readFileSync(opsFile('prometheus/alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test?: RuleTest[] }[] };
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertRules()) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert}: no test where it fires`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert}: no test where it stays quiet`);
    }
  });

  it('gives every alert a severity and a summary that says what to check first, and lists it in docs/observability.md', () => {
    const alertsPage = readFileSync(path.join(__dirname, '..', '..', 'docs', 'observability.md'), 'utf8');
    const rules = alertRules();
    assert.ok(rules.length >= 9);
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, 'alert names are unique');
    for (const rule of rules) {
      assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, rule.alert);
      assert.match(rule.annotations?.summary ?? '', /; check first /, `${rule.alert}: the summary says what to check first`);
      assert.ok(rule.annotations?.description, `${rule.alert}: a description`);
      assert.ok(alertsPage.includes(`| \`${rule.alert}\` |`), `${rule.alert}: a row in the alerts table of docs/observability.md`);
    }
  });

  it('writes every rule and every dashboard query in PromQL that names its metrics', () => {
    const queries = [...alertRules().map((r) => r.expr), ...dashboardQueries().map((q) => q.expr)];
    for (const expr of queries) assert.ok(metricNamesIn(expr).length > 0, expr);
    assert.throws(() => metricNamesIn('sum(rate(x[5m]'), /not PromQL/);
    assert.throws(() => metricNamesIn('{__name__=~"reelay_.*"}'), /no metric name/);
    assert.deepEqual(metricNamesIn('{__name__="a"} / on() rate(b[$__rate_interval])'), ['a', 'b']);
  });
});
