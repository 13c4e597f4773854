// Generic problems — a value of the wrong JSON type, a value outside an enum,
// a number out of range — in the words calicoctl prints for them: Go's JSON
// decoder for types ("cannot unmarshal string into Go struct field
// IPPoolSpec.spec.disabled of type bool", calicoctl's own st tests), and the
// Kubernetes CRD schema for enums and ranges ("supported values: ...",
// "should be less than or equal to ..."). Messages a schema words itself stay.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kindFor } from '../../src/api/kinds.js';

const V3 = 'projectcalico.org/v3';

interface Case {
  readonly what: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly spec: Record<string, unknown>;
  readonly labels?: unknown;
  /** `path: message` expected among the errors. */
  readonly error: string;
}

const rule = (r: Record<string, unknown>) => ({ selector: 'all()', ingress: [{ action: 'Allow', ...r }] });

const CASES: readonly Case[] = [
  // A value of the wrong JSON type.
  { what: 'a string order', kind: 'NetworkPolicy', namespace: 'ns', spec: { order: 'first' }, error: 'spec.order: cannot unmarshal string into Go value of type float64' },
  { what: 'a string tier order', kind: 'Tier', spec: { order: '10' }, error: 'spec.order: cannot unmarshal string into Go value of type float64' },
  { what: 'a string for a boolean', kind: 'IPPool', spec: { cidr: '10.0.1.0/24', disabled: 'True' }, error: 'spec.disabled: cannot unmarshal string into Go value of type bool' },
  { what: 'a boolean for a string', kind: 'GlobalNetworkPolicy', spec: { selector: true }, error: 'spec.selector: cannot unmarshal bool into Go value of type string' },
  { what: 'a number for a duration', kind: 'FelixConfiguration', spec: { reportingInterval: 30 }, error: 'spec.reportingInterval: cannot unmarshal number into Go value of type string' },
  { what: 'a string for a list', kind: 'HostEndpoint', spec: { node: 'n1', expectedIPs: '10.0.0.1' }, error: 'spec.expectedIPs: cannot unmarshal string into Go value of type slice' },
  { what: 'an object for a list of rules', kind: 'Profile', spec: { ingress: { action: 'Allow' } }, error: 'spec.ingress: cannot unmarshal object into Go value of type slice' },
  { what: 'a list for a struct', kind: 'GlobalNetworkPolicy', spec: { ingress: [{ action: 'Allow', source: ['x'] }] }, error: 'spec.ingress[0].source: cannot unmarshal array into Go value of type struct' },
  { what: 'a number for a label map', kind: 'GlobalNetworkSet', spec: {}, labels: 5, error: 'metadata.labels: cannot unmarshal number into Go value of type map[string]string' },
  { what: 'a fraction for an integer', kind: 'GlobalNetworkPolicy', spec: rule({ protocol: 'ICMP', icmp: { type: 1.5 } }), error: 'spec.ingress[0].icmp.type: cannot unmarshal number 1.5 into Go value of type int' },
  // A value outside an enum.
  { what: 'an unknown rule action', kind: 'NetworkPolicy', namespace: 'ns', spec: { ingress: [{ action: 'jumpupanddown' }] }, error: 'spec.ingress[0].action: supported values: "Allow", "Deny", "Log", "Pass"' },
  { what: 'an unknown policy type', kind: 'GlobalNetworkPolicy', spec: { types: ['Sideways'] }, error: 'spec.types[0]: supported values: "Ingress", "Egress"' },
  { what: 'an unknown tier default action', kind: 'Tier', spec: { defaultAction: 'Drop' }, error: 'spec.defaultAction: supported values: "Deny", "Pass"' },
  // A number out of range.
  { what: 'an ICMP type above 254', kind: 'GlobalNetworkPolicy', spec: rule({ protocol: 'ICMP', icmp: { type: 256 } }), error: 'spec.ingress[0].icmp.type: should be less than or equal to 254' },
  { what: 'an ICMP code above 255', kind: 'Profile', spec: { ingress: [{ action: 'Deny', protocol: 'ICMP', icmp: { type: 19, code: 256 } }] }, error: 'spec.ingress[0].icmp.code: should be less than or equal to 255' },
  { what: 'a negative ICMP type', kind: 'NetworkPolicy', namespace: 'ns', spec: rule({ protocol: 'ICMP', icmp: { type: -1 } }), error: 'spec.ingress[0].icmp.type: should be greater than or equal to 0' },
  { what: 'a host endpoint port 0', kind: 'HostEndpoint', spec: { node: 'n1', interfaceName: 'eth0', ports: [{ name: 'p', protocol: 'TCP', port: 0 }] }, error: 'spec.ports[0].port: should be greater than or equal to 1' },
];

function errorsOf(c: Case): string[] {
  const def = kindFor(V3, c.kind);
  assert.ok(def !== undefined, `kind ${c.kind} is known`);
  const metadata = { name: 'x', ...(c.namespace === undefined ? {} : { namespace: c.namespace }), ...(c.labels === undefined ? {} : { labels: c.labels }) };
  const r = def.validate({ apiVersion: V3, kind: c.kind, metadata, spec: c.spec });
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('generic validation problems in calicoctl\'s words', () => {
  for (const c of CASES) {
    it(`${c.kind}: ${c.what} → ${c.error}`, () => {
      const errors = errorsOf(c);
      assert.ok(errors.includes(c.error), errors.join('\n'));
    });
  }

  it('keeps the messages a schema words itself', () => {
    const errors = errorsOf({ what: '', kind: 'KubeControllersConfiguration', spec: { controllers: { node: { syncLabels: 'Maybe' } } }, error: '' });
    assert.ok(errors.includes('spec.controllers.node.syncLabels: must be one of Enabled, Disabled'), errors.join('\n'));
  });

  it('never shows zod\'s own wording for any case', () => {
    const zod = /Invalid input|Invalid option|Too big|Too small|expected .*, received/;
    for (const c of CASES) assert.deepEqual(errorsOf(c).filter((e) => zod.test(e)), [], c.what);
  });
});
