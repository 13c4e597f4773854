import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ipPoolBlockSizeErrors, ipPoolKind, ipPoolOverlapErrors, ipPoolUpdateErrors } from '../../src/api/kinds/ip-pool.js';
import type { IPPool } from '../../src/api/infra-types.js';

function pool(spec: Record<string, unknown>, name = 'pool-1'): unknown {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec };
}

/** `path: message` of every error, in the order reported. */
function errors(doc: unknown): string[] {
  const r = ipPoolKind.validate(doc);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

function valid(doc: unknown): IPPool {
  const r = ipPoolKind.validate(doc);
  assert.ok(r.ok, `expected valid, got ${JSON.stringify(r)}`);
  return r.value;
}

describe('IPPool validation', () => {
  const accepted: [string, Record<string, unknown>][] = [
    ['a plain IPv4 pool', { cidr: '10.0.0.0/16' }],
    ['an IPv6 pool with VXLAN', { cidr: 'fd00:10::/64', vxlanMode: 'Always' }],
    ['IPIP CrossSubnet on IPv4', { cidr: '192.168.0.0/16', ipipMode: 'CrossSubnet', natOutgoing: true }],
    ['a pool exactly one block large', { cidr: '10.1.0.0/26' }],
    ['a disabled pool smaller than a block', { cidr: '10.1.0.0/28', disabled: true }],
    ['a smaller block size for a small pool', { cidr: '10.1.0.0/28', blockSize: 28 }],
    ['a LoadBalancer pool', { cidr: '10.9.0.0/24', allowedUses: ['LoadBalancer'], nodeSelector: 'all()' }],
    ['Manual assignment with selectors', { cidr: '10.2.0.0/16', assignmentMode: 'Manual', nodeSelector: "zone == 'a'", allowedUses: ['Workload'], namespaceSelector: 'team == "x"' }],
    ['empty modes (what an omitted mode unmarshals to)', { cidr: '10.3.0.0/16', ipipMode: '', vxlanMode: '' }],
  ];
  for (const [what, spec] of accepted) {
    it(`accepts ${what}`, () => {
      assert.deepEqual(errors(pool(spec)), []);
    });
  }

  const rejected: [string, Record<string, unknown>, string[]][] = [
    ['a CIDR with host bits set', { cidr: '10.0.0.1/16' }, ['spec.cidr: IPPool CIDR is not strictly masked']],
    ['a bare address', { cidr: '10.0.0.1' }, ['spec.cidr: IPPool CIDR must be a valid subnet']],
    ['an unparseable CIDR', { cidr: '10.0.0.0/33' }, ['spec.cidr: IPPool CIDR must be a valid subnet']],
    ['an empty CIDR', { cidr: '' }, ['spec.cidr: IPPool CIDR must be specified']],
    ['both IPIP and VXLAN', { cidr: '10.0.0.0/16', ipipMode: 'Always', vxlanMode: 'CrossSubnet' }, ['spec.vxlanMode: ipipMode and vxlanMode cannot both be enabled']],
    ['IPIP on IPv6', { cidr: 'fd00::/64', ipipMode: 'Always' }, ['spec.ipipMode: IPIP is not supported on IPv6 pools']],
    ['an IPv4 block size of 33', { cidr: '10.0.0.0/16', blockSize: 33 }, ['spec.blockSize: blockSize must be between 20 and 32 for IPv4 pools, and between 116 and 128 for IPv6 pools']],
    ['an IPv4 block size of 19', { cidr: '10.0.0.0/16', blockSize: 19 }, ['spec.blockSize: blockSize must be between 20 and 32 for IPv4 pools, and between 116 and 128 for IPv6 pools']],
    ['an IPv6 block size of 64', { cidr: 'fd00::/48', blockSize: 64 }, ['spec.blockSize: blockSize must be between 20 and 32 for IPv4 pools, and between 116 and 128 for IPv6 pools']],
    ['a pool smaller than the default block', { cidr: '10.0.0.0/27' }, ['spec.cidr: IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.']],
    ['an IPv6 /128 pool', { cidr: 'fd00::1/128' }, ['spec.cidr: IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.']],
    ['the IPv4 link-local range', { cidr: '169.254.5.0/24' }, ['spec.cidr: IPPool CIDR overlaps with IPv4 link local range 169.254.0.0/16']],
    ['a range containing link-local', { cidr: '160.0.0.0/4' }, ['spec.cidr: IPPool CIDR overlaps with IPv4 link local range 169.254.0.0/16']],
    ['the IPv6 link-local range', { cidr: 'fe80::/120' }, ['spec.cidr: IPPool CIDR overlaps with IPv6 link local range fe80::/10']],
    ['an unknown mode', { cidr: '10.0.0.0/16', ipipMode: 'always' }, ['spec.ipipMode: must be one of Never, Always, CrossSubnet']],
    ['an unknown use', { cidr: '10.0.0.0/16', allowedUses: ['Workload', 'Pods'] }, ['spec.allowedUses[1]: unknown use: Pods']],
    ['a repeated use', { cidr: '10.0.0.0/16', allowedUses: ['Workload', 'Workload'] }, ['spec.allowedUses[1]: duplicate value "Workload"']],
    ['LoadBalancer with Workload', { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer', 'Workload'] }, ['spec.allowedUses: LoadBalancer cannot be combined with Workload or Tunnel allowed uses']],
    ['LoadBalancer with VXLAN', { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer'], vxlanMode: 'Always' }, ['spec.allowedUses: LoadBalancer IP pool cannot have IPIP or VXLAN enabled']],
    ['LoadBalancer without BGP export', { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer'], disableBGPExport: true }, ['spec.disableBGPExport: LoadBalancer IP pools cannot disable BGP export']],
    ['LoadBalancer with a node selector', { cidr: '10.0.0.0/16', allowedUses: ['LoadBalancer'], nodeSelector: 'has(lb)' }, ['spec.nodeSelector: IP Pool with AllowedUse LoadBalancer must have nodeSelector set to all()']],
    ['a namespace selector on a Tunnel pool (the default uses include Tunnel)', { cidr: '10.0.0.0/16', namespaceSelector: 'a == "b"' }, ['spec.namespaceSelector: IP Pool with AllowedUse Tunnel cannot have namespaceSelector']],
    ['global() as node selector', { cidr: '10.0.0.0/16', nodeSelector: 'global()' }, ['spec.nodeSelector: global() selector is not valid for IPPool nodeSelector']],
    ['an unknown assignment mode', { cidr: '10.0.0.0/16', assignmentMode: 'Auto' }, ['spec.assignmentMode: must be one of Automatic, Manual']],
    ['a block size that is not an integer', { cidr: '10.0.0.0/16', blockSize: 26.5 }, ['spec.blockSize: must be an integer']],
    ['a non-boolean natOutgoing', { cidr: '10.0.0.0/16', natOutgoing: 'true' }, ['spec.natOutgoing: cannot unmarshal string into Go value of type bool']],
    ['an unknown field', { cidr: '10.0.0.0/16', ipip: { enabled: true } }, ['spec.ipip: unknown field "ipip"']],
  ];
  for (const [what, spec, expected] of rejected) {
    it(`rejects ${what}`, () => {
      assert.deepEqual(errors(pool(spec)), expected);
    });
  }

  it('reports every problem of one pool at once, field rules and cross-field rules alike', () => {
    const errs = errors(
      pool({ cidr: '10.0.0.1/16', ipipMode: 'Always', vxlanMode: 'Always', blockSize: 40, allowedUses: ['Bad'], colour: 'red' }),
    );
    assert.deepEqual(errs.sort(), [
      'spec.allowedUses[0]: unknown use: Bad',
      'spec.blockSize: blockSize must be between 20 and 32 for IPv4 pools, and between 116 and 128 for IPv6 pools',
      'spec.cidr: IPPool CIDR is not strictly masked',
      'spec.colour: unknown field "colour"',
      'spec.vxlanMode: ipipMode and vxlanMode cannot both be enabled',
    ]);
  });

  it('requires a CIDR, also when spec is missing altogether', () => {
    assert.deepEqual(errors({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' } }), [
      'spec.cidr: required field is missing',
    ]);
  });

  it('checks metadata with the generic name rule', () => {
    assert.deepEqual(errors(pool({ cidr: '10.0.0.0/16' }, 'Pool_1')), [
      "metadata.name: name must consist of lower case alphanumeric characters, '-' or '.' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)",
    ]);
  });

  it('accepts a status with conditions, as a pool read back carries', () => {
    const doc = {
      ...(pool({ cidr: '10.0.0.0/16' }) as object),
      status: { conditions: [{ type: 'Allocatable', status: 'True', reason: 'OK' }] },
    };
    assert.equal(valid(doc).status?.conditions?.[0]?.reason, 'OK');
  });
});

describe('IPPool defaults', () => {
  it('fills in what Calico fills in for an IPv4 pool', () => {
    const p = ipPoolKind.applyDefaults(valid(pool({ cidr: '10.0.0.0/16' })));
    assert.deepEqual(p.spec, {
      cidr: '10.0.0.0/16',
      vxlanMode: 'Never',
      ipipMode: 'Never',
      blockSize: 26,
      nodeSelector: 'all()',
      allowedUses: ['Workload', 'Tunnel'],
      assignmentMode: 'Automatic',
    });
  });

  it('uses block size 122 for IPv6 and canonicalises the CIDR text', () => {
    const p = ipPoolKind.applyDefaults(valid(pool({ cidr: 'FD00:0:0:0::/64' })));
    assert.equal(p.spec.blockSize, 122);
    assert.equal(p.spec.cidr, 'fd00::/64');
  });

  it('keeps what the user set, and treats empty modes and an empty node selector as unset', () => {
    const p = ipPoolKind.applyDefaults(
      valid(pool({ cidr: '10.0.0.0/16', blockSize: 24, ipipMode: '', vxlanMode: 'CrossSubnet', nodeSelector: '', allowedUses: ['Tunnel'], assignmentMode: 'Manual', natOutgoing: true })),
    );
    assert.deepEqual(
      [p.spec.blockSize, p.spec.ipipMode, p.spec.vxlanMode, p.spec.nodeSelector, p.spec.allowedUses, p.spec.assignmentMode, p.spec.natOutgoing],
      [24, 'Never', 'CrossSubnet', 'all()', ['Tunnel'], 'Manual', true],
    );
  });

  it('leaves metadata untouched', () => {
    const p = ipPoolKind.applyDefaults(valid(pool({ cidr: '10.0.0.0/16' }, 'my-pool')));
    assert.deepEqual(p.metadata, { name: 'my-pool' });
  });
});

describe('IPPool rules against the stored state', () => {
  const stored = (name: string, spec: Record<string, unknown>): IPPool => ipPoolKind.applyDefaults(valid(pool(spec, name)));

  it('refuses a CIDR change on update, but accepts the canonical text of the same network', () => {
    // Stored before canonicalisation: the update may rewrite it to the canonical text.
    const old = { ...stored('v6', { cidr: 'fd00::/64' }), spec: { ...stored('v6', { cidr: 'fd00::/64' }).spec, cidr: 'fd00:0:0::/64' } };
    assert.deepEqual(ipPoolUpdateErrors(old, { ...old, spec: { ...old.spec, cidr: 'fd00::/64' } }), []);
    assert.deepEqual(
      ipPoolUpdateErrors(old, { ...old, spec: { ...old.spec, cidr: 'fd00:1::/64' } }).map((e) => `${e.path}: ${e.message}`),
      ['spec.cidr: IPPool CIDR cannot be modified'],
    );
  });

  it('refuses a block size change, and leaving LoadBalancer use', () => {
    const lb = stored('lb', { cidr: '10.9.0.0/24', allowedUses: ['LoadBalancer'] });
    const next = { ...lb, spec: { ...lb.spec, blockSize: 28, allowedUses: ['Workload'] } } as IPPool;
    assert.deepEqual(ipPoolUpdateErrors(lb, next).map((e) => `${e.path}: ${e.message}`), [
      'spec.blockSize: IPPool BlockSize cannot be modified',
      'spec.allowedUses: IPPool allowed use cannot be changed from LoadBalacer to Workload or Tunnel',
    ]);
  });

  it('refuses a new pool overlapping another, naming both', () => {
    const a = stored('a', { cidr: '10.0.0.0/16' });
    const b = stored('b', { cidr: '10.0.128.0/17' });
    const c = stored('c', { cidr: '10.1.0.0/16' });
    assert.deepEqual(ipPoolOverlapErrors(b, [a, b, c]).map((e) => e.message), [
      'IPPool(b) CIDR overlaps with IPPool(a) CIDR 10.0.0.0/16',
    ]);
    assert.deepEqual(ipPoolOverlapErrors(c, [a, b]), []);
  });

  it('refuses a new pool over existing blocks of another size', () => {
    const p = stored('p', { cidr: '10.0.0.0/16' });
    assert.deepEqual(ipPoolBlockSizeErrors(p, ['10.0.0.0/26', '10.5.0.0/24']), []);
    assert.deepEqual(ipPoolBlockSizeErrors(p, ['10.0.4.0/24']).map((e) => e.path), ['spec.blockSize']);
  });
});
