import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..', '..');

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Grafana's interval variables, given a duration so the query parses as PromQL does once Grafana fills them in. */
const grafanaIntervals = /\$__(rate_interval|interval|range)\b/g;

/**
 * Every metric name a PromQL expression selects, read from its syntax tree (@prometheus-io/lezer-promql,
 * the parser of Prometheus's own UI). Throws on a syntax error, or on a selector that names no metric
 * (a `{__name__=~…}` regex could match anything, so no check could hold it to what is exported).
 */
export function metricNamesIn(expr: string): string[] {
  const query = expr.replace(grafanaIntervals, '5m');
  if (query.includes('$')) throw new Error(`a variable this check cannot expand: ${expr}`);
  const names: string[] = [];
  parser.parse(query).iterate({
    enter(ref) {
      if (ref.type.isError) throw new Error(`not PromQL, at "${query.slice(ref.from, ref.from + 20)}": ${expr}`);
      if (ref.name !== 'VectorSelector') return;
      const name = ref.node.getChild('Identifier') ?? nameMatcher(ref.node, query);
      if (!name) throw new Error(`a selector with no metric name: ${query.slice(ref.from, ref.to)}`);
      names.push(query.slice(name.from, name.to).replace(/^"|"$/g, ''));
    },
  });
  return names;
}

/** The string of a `{__name__="…"}` matcher, if the selector has one. */
function nameMatcher(selector: SyntaxNode, query: string): SyntaxNode | undefined {
  const text = (node: SyntaxNode) => query.slice(node.from, node.to);
  const matchers = selector.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? [];
  const matcher = matchers.find((m) => text(m.getChild('LabelName')!) === '__name__' && m.getChild('MatchOp')?.firstChild?.name === 'EqlSingle');
  return matcher?.getChild('StringLiteral') ?? undefined;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export const opsFile = (file: string): string => path.join(root, 'ops', file);

export function alertRules(): AlertRule[] {
  const { groups } = parse(readFileSync(opsFile('prometheus/alerts.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return groups.flatMap((group) => group.rules);
}

export interface DashboardQuery {
  panel: string;
  expr: string;
}

/** The query of every target of every panel of the provisioned dashboard, rows' nested panels included. */
export function dashboardQueries(): DashboardQuery[] {
  type Panel = { title: string; panels?: Panel[]; targets?: { expr?: string }[] };
  const dashboard = JSON.parse(readFileSync(opsFile('grafana/dashboards/reelay.json'), 'utf8')) as { panels: Panel[] };
  const flat = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })));
}

/** Metric families of a Prometheus text exposition (its `# TYPE` lines), by name, with their type. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1], match[2]);
  return families;
}

/** The family a selected name belongs to: a histogram's (or summary's) _bucket, _sum and _count count as it. */
export function familyOf(name: string, families: Map<string, string>): string | undefined {
  if (families.has(name)) return name;
  const [, base] = /^(.+)_(?:bucket|sum|count)$/.exec(name) ?? [];
  return base && ['histogram', 'summary'].includes(families.get(base) ?? '') ? base : undefined;
}
