// The demo: load a directory of manifests, validate them, show what each
// policy selects, and print the connectivity the reference policy model
// computes, with the reasons for a few flows.
//
//   node --import tsx scripts/demo.ts [examples-dir]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { decodeManifests, formatDocumentError } from '../src/api/decode.js';
import type { StoredResource } from '../src/datastore/types.js';
import {
  buildPolicyModel,
  formatDecision,
  formatPolicyId,
  formatTraceStep,
  policyResourcesOf,
  type EndpointRef,
  type Flow,
  type FlowPeer,
  type PolicyModel,
} from '../src/policy/index.js';
import type { WorkloadEndpoint, HostEndpoint } from '../src/api/policy-types.js';

const dir = process.argv[2] ?? 'examples';
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function keyOf(r: { kind?: unknown; metadata?: { namespace?: unknown; name?: unknown } }): string {
  return `${String(r.kind)}/${String(r.metadata?.namespace ?? '')}/${String(r.metadata?.name ?? '')}`;
}

/** Decodes and validates every manifest; kinds the API does not register yet are taken as written. */
function load(): { resources: StoredResource[]; problems: string[]; unvalidated: string[]; files: number } {
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const resources: StoredResource[] = [];
  const problems: string[] = [];
  const unvalidated: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const raw = new Map<string, StoredResource>();
    for (const d of parseAllDocuments(text)) {
      const v: unknown = 'toJS' in d ? d.toJS() : null;
      if (typeof v === 'object' && v !== null) raw.set(keyOf(v as StoredResource), v as StoredResource);
    }
    for (const doc of decodeManifests(text, join(dir, f), { applyDefaults: true })) {
      if (doc.result.ok) {
        resources.push(doc.result.value);
        continue;
      }
      const unknownKind = doc.result.errors.every((e) => e.code === 'unknown-kind' || /unknown resource type/.test(e.message));
      const fallback = raw.get(`${doc.kind}/${doc.namespace ?? ''}/${doc.name ?? ''}`);
      if (unknownKind && fallback !== undefined) {
        resources.push(fallback);
        unvalidated.push(`${doc.kind} ${doc.namespace !== undefined ? `${doc.namespace}/` : ''}${doc.name}`);
        continue;
      }
      for (const e of doc.result.errors) problems.push(formatDocumentError(e));
    }
  }
  return { resources, problems, unvalidated, files: files.length };
}

/** `shop/frontend` for a pod's endpoint, `hep:name` for a host endpoint. */
function namer(resources: readonly StoredResource[]): (ref: EndpointRef) => string {
  const pods = new Map<string, string>();
  for (const r of resources) {
    if (r.kind === 'WorkloadEndpoint') {
      const w = r as unknown as WorkloadEndpoint;
      pods.set(`${w.metadata.namespace ?? 'default'}/${w.metadata.name}`, `${w.metadata.namespace ?? 'default'}/${w.spec.pod ?? w.metadata.name}`);
    }
  }
  return (ref) =>
    ref.kind === 'HostEndpoint' ? `hep:${ref.name}` : (pods.get(`${ref.namespace}/${ref.name}`) ?? `${ref.namespace}/${ref.name}`);
}

function firstPort(resources: readonly StoredResource[], ref: EndpointRef): number {
  for (const r of resources) {
    if (r.kind === 'WorkloadEndpoint' && ref.kind === 'WorkloadEndpoint') {
      const w = r as unknown as WorkloadEndpoint;
      if (w.metadata.name === ref.name && (w.metadata.namespace ?? 'default') === ref.namespace) return w.spec.ports?.[0]?.port ?? 80;
    }
    if (r.kind === 'HostEndpoint' && ref.kind === 'HostEndpoint' && r.metadata.name === ref.name) {
      return (r as unknown as HostEndpoint).spec.ports?.[0]?.port ?? 22;
    }
  }
  return 80;
}

interface Party {
  readonly label: string;
  readonly peer: FlowPeer;
  readonly port: number;
}

function section(title: string): void {
  console.log(`\n${bold(title)}`);
}

function showPolicies(model: PolicyModel, name: (r: EndpointRef) => string): void {
  section('Tiers, in evaluation order');
  model.tiers().forEach((t, i) => {
    const order = t.order === null ? 'no order (last)' : `order ${t.order}`;
    console.log(`  ${i + 1}. ${pad(t.name, 14)} ${pad(order, 18)} default action ${t.defaultAction}${t.valid ? '' : '  (no Tier resource: sorts last, denies)'}`);
  });
  section('Policies, in evaluation order, and the endpoints each selects');
  for (const p of model.policies()) {
    const selected = model.selectedEndpoints(p.id).map(name);
    const tag = p.staged ? ' [staged: reported, never enforced]' : '';
    const dirs = p.directions.join('+');
    console.log(`  ${pad(p.tier, 10)} ${pad(formatPolicyId(p.id), 38)} ${pad(dirs, 15)} → ${selected.length === 0 ? '(nothing)' : selected.join(', ')}${tag}`);
  }
}

function showMatrix(model: PolicyModel, parties: readonly Party[], targets: readonly Party[]): void {
  section("Connectivity over TCP to each destination's first named port (rows: clients, columns: servers)");
  const w = Math.max(...parties.map((p) => p.label.length)) + 2;
  const cols = targets.map((t) => `${t.label}:${t.port}`);
  const widths = cols.map((c) => Math.max(c.length, 5) + 2);
  console.log(`  ${pad('', w)}${cols.map((c, i) => pad(c, widths[i] ?? 0)).join('')}`);
  for (const src of parties) {
    const cells = targets.map((dst, i) => {
      const width = widths[i] ?? 0;
      if (src.label === dst.label) return pad('-', width);
      // Between two outside addresses Calico polices nothing: not a question for the model.
      if (!('endpoint' in src.peer) && !('endpoint' in dst.peer)) return pad('', width);
      const v = model.evaluate({ source: src.peer, destination: dst.peer, protocol: 'TCP', srcPort: 40000, dstPort: dst.port });
      return pad(v.action === 'allow' ? 'allow' : 'DENY', width);
    });
    console.log(`  ${pad(src.label, w)}${cells.join('')}`.trimEnd());
  }
}

function explain(model: PolicyModel, title: string, flow: Flow): void {
  const v = model.evaluate(flow);
  console.log(`  ${bold(title)}: ${v.action === 'allow' ? 'allowed' : 'DENIED'}`);
  for (const d of [v.egress, v.ingress]) {
    console.log(`    ${pad(d.direction, 8)} ${pad(d.action, 6)} ${formatDecision(d.decision)}`);
    // Log and Pass steps tell the story; "no rule matched" lines would drown it.
    for (const step of d.trace) {
      if (step.step === 'no-rule-matched' || step.step === 'profile-no-rule-matched') continue;
      console.log(`    ${pad('', 15)} · ${formatTraceStep(step)}`);
    }
  }
}

function main(): number {
  console.log(bold(`Calico-TS policy demo: manifests in ${dir}/`));
  const { resources, problems, unvalidated, files } = load();
  console.log(`  ${resources.length} resources from ${files} files`);
  if (unvalidated.length > 0) console.log(`  taken as written (kind not yet registered for validation): ${unvalidated.join(', ')}`);
  if (problems.length > 0) {
    console.log('  invalid manifests (left out):');
    for (const p of problems) console.log(`    ${p}`);
  }
  const model = buildPolicyModel(policyResourcesOf(resources));
  for (const w of model.warnings) console.log(`  warning: ${w.resource}: ${w.path !== '' ? `${w.path}: ` : ''}${w.message}`);
  const name = namer(resources);
  showPolicies(model, name);

  const endpoints: Party[] = model.endpoints().map((ref) => ({ label: name(ref), peer: { endpoint: ref }, port: firstPort(resources, ref) }));
  const outside: Party[] = [
    { label: 'threat 198.51.100.7', peer: { ip: '198.51.100.7' }, port: 443 },
    { label: 'bank 203.0.113.5', peer: { ip: '203.0.113.5' }, port: 443 },
    { label: 'internet 8.8.8.8', peer: { ip: '8.8.8.8' }, port: 443 },
  ];
  showMatrix(model, [...endpoints, ...outside], [...endpoints, ...outside]);

  section('Why: the deciding tier, policy and rule per direction');
  const byLabel = new Map([...endpoints, ...outside].map((p) => [p.label, p]));
  const flows: [string, string][] = [
    ['shop/frontend', 'shop/cart'],
    ['monitoring/prometheus', 'shop/cart'],
    ['shop/cart', 'payments/api'],
    ['shop/frontend', 'payments/api'],
    ['payments/api', 'payments/db'],
    ['shop/cart', 'payments/db'],
    ['payments/api', 'bank 203.0.113.5'],
    ['payments/api', 'internet 8.8.8.8'],
    ['threat 198.51.100.7', 'shop/frontend'],
    ['internet 8.8.8.8', 'shop/frontend'],
    ['monitoring/prometheus', 'hep:node2-eth0'],
    ['internet 8.8.8.8', 'hep:node2-eth0'],
    ['payments/api', 'hep:node2-eth0'],
  ];
  for (const [a, b] of flows) {
    const src = byLabel.get(a);
    const dst = byLabel.get(b);
    if (src === undefined || dst === undefined) continue;
    explain(model, `${a} → ${b}:${dst.port}`, { source: src.peer, destination: dst.peer, protocol: 'TCP', srcPort: 40000, dstPort: dst.port });
  }
  const host = byLabel.get('hep:node2-eth0');
  const internet = byLabel.get('internet 8.8.8.8');
  if (host !== undefined && internet !== undefined) {
    explain(model, 'internet 8.8.8.8 → hep:node2-eth0:22 (ssh)', { source: internet.peer, destination: host.peer, protocol: 'TCP', srcPort: 40000, dstPort: 22 });
  }
  return problems.length > 0 ? 1 : 0;
}

// Piped into `head`, the reader may leave early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
process.exitCode = main();
