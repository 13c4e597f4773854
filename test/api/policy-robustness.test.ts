import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { POLICY_KINDS } from '../fixtures/policy/kinds.js';

// Malformed input must come back as errors, never as an exception: the
// cross-field checks run on values whose fields may not have parsed.
const junk = fc.jsonValue({ maxDepth: 4 });
const ruleish = fc.record(
  {
    action: fc.oneof(fc.constantFrom('Allow', 'Deny', 'Log', 'Pass'), junk),
    protocol: fc.oneof(fc.constantFrom('TCP', 'ICMP', 'ICMPv6', 'UDPLite', 6, 1, 58, 0, 'tcp'), junk),
    ipVersion: fc.oneof(fc.constantFrom(4, 6), junk),
    icmp: fc.oneof(fc.record({ type: junk, code: junk }, { requiredKeys: [] }), junk),
    source: fc.oneof(fc.record({ nets: junk, ports: junk, services: junk, selector: junk }, { requiredKeys: [] }), junk),
    destination: fc.oneof(fc.record({ notNets: junk, notPorts: junk, services: junk }, { requiredKeys: [] }), junk),
    http: junk,
  },
  { requiredKeys: [] },
);
const specish = fc.record(
  {
    ingress: fc.oneof(fc.array(fc.oneof(ruleish, junk), { maxLength: 3 }), junk),
    egress: fc.oneof(fc.array(fc.oneof(ruleish, junk), { maxLength: 3 }), junk),
    types: junk,
    preDNAT: junk,
    doNotTrack: junk,
    stagedAction: fc.oneof(fc.constant('Delete'), junk),
    nets: junk,
    node: junk,
    ports: junk,
    ipNATs: junk,
    podSelector: junk,
    order: junk,
  },
  { requiredKeys: [] },
);

describe('validation never throws', () => {
  for (const kind of POLICY_KINDS) {
    it(`${kind.apiVersion} ${kind.kind}`, () => {
      fc.assert(
        fc.property(fc.oneof(junk, specish), fc.oneof(fc.constant({ name: 'x', namespace: 'n' }), junk), (spec, metadata) => {
          const r = kind.validate({ apiVersion: kind.apiVersion, kind: kind.kind, metadata, spec });
          assert.equal(typeof r.ok, 'boolean');
          if (!r.ok) assert.ok(r.errors.length > 0);
        }),
        { numRuns: 300 },
      );
    });
  }
});
