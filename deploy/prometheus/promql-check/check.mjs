// Parses every PromQL expression in deploy/prometheus and deploy/grafana with Prometheus' own grammar, so a typo
// fails here rather than as a rule Prometheus refuses to load or a panel that shows nothing.
//   npm --prefix deploy/prometheus/promql-check install && npm --prefix deploy/prometheus/promql-check run check
import { parser } from '@prometheus-io/lezer-promql';
import * as yaml from 'js-yaml';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const deploy = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const expressions = [];
const rules = yaml.load(fs.readFileSync(path.join(deploy, 'prometheus/stackl-tasks-rules.yaml'), 'utf8'));
for (const group of rules.groups) {
  for (const rule of group.rules) expressions.push([`rule ${rule.alert || rule.record}`, rule.expr]);
}
const dashboards = path.join(deploy, 'grafana/dashboards');
for (const file of fs.readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
  const dashboard = JSON.parse(fs.readFileSync(path.join(dashboards, file), 'utf8'));
  for (const panel of dashboard.panels) {
    for (const target of panel.targets || []) {
      // Grafana's variables are not PromQL: substitute what Grafana would.
      const expr = target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h')
        .replaceAll('$task_topic', '.*');
      expressions.push([`${file}: ${panel.title}`, expr]);
    }
  }
}
let broken = 0;
for (const [where, expr] of expressions) {
  let errorAt = null;
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError && errorAt === null) errorAt = node.from; } });
  if (errorAt !== null) {
    broken++;
    console.error(`${where}: syntax error at ${errorAt}: ${expr}`);
  }
}
console.log(`${expressions.length} PromQL expressions, ${broken} with syntax errors`);
process.exit(broken === 0 ? 0 : 1);
