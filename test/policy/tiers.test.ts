// Tiers, policy order, actions, end-of-tier drops, profiles and staged
// policies, as Felix's endpoint chains apply them (policy.md §3.3–§3.7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPolicyModel, type PolicyResource } from '../../src/policy/index.js';
import { explainVerdict, formatDecision, formatTraceStep } from '../../src/policy/format.js';
import { gnp, np, nsProfile, pod, profile, stagedGnp, tcp, tier, wep } from './fixtures.js';

const world: PolicyResource[] = [
  nsProfile('prod', { env: 'prod' }),
  nsProfile('dev', { env: 'dev' }),
  pod('prod', 'web', '10.0.1.1', { app: 'web' }),
  pod('prod', 'db', '10.0.1.2', { app: 'db' }),
  pod('dev', 'client', '10.0.2.1', { app: 'client' }),
];

/** How the ingress at prod/web decides web ← dev/client TCP 80. */
function ingressDecision(...resources: PolicyResource[]): string {
  const v = buildPolicyModel([...world, ...resources]).evaluate(tcp('dev/client', 'prod/web'));
  return formatDecision(v.ingress.decision);
}

const allowAll = { ingress: [{ action: 'Allow' as const }] };
const denyAll = { ingress: [{ action: 'Deny' as const }] };
const passAll = { ingress: [{ action: 'Pass' as const }] };
const matchNothing = { ingress: [{ action: 'Allow' as const, source: { nets: ['203.0.113.0/24'] } }] };

describe('tier order', () => {
  const cases: { name: string; resources: PolicyResource[]; want: string }[] = [
    {
      name: 'a tier with a lower order decides before a higher one',
      resources: [tier('first', 10), tier('second', 20), gnp('deny', { tier: 'first', ...denyAll }), gnp('allow', { tier: 'second', ...allowAll })],
      want: 'tier first, gnp:deny rule 0: Deny',
    },
    {
      name: 'a tier without order comes after every ordered tier',
      resources: [tier('unordered'), tier('ordered', 5_000_000), gnp('deny', { tier: 'unordered', ...denyAll }), gnp('allow', { tier: 'ordered', ...allowAll })],
      want: 'tier ordered, gnp:allow rule 0: Allow',
    },
    {
      name: 'tiers of equal order are taken by name',
      resources: [tier('bbb', 7), tier('aaa', 7), gnp('deny', { tier: 'bbb', ...denyAll }), gnp('allow', { tier: 'aaa', ...allowAll })],
      want: 'tier aaa, gnp:allow rule 0: Allow',
    },
    {
      name: 'the kube-admin tier (order 1000) runs before default',
      resources: [np('prod', 'deny', denyAll), gnp('admin-allow', { tier: 'kube-admin', ...allowAll })],
      want: 'tier kube-admin, gnp:admin-allow rule 0: Allow',
    },
    {
      name: 'kube-baseline runs after default, so it never sees what default decided',
      resources: [np('prod', 'allow', allowAll), gnp('baseline-deny', { tier: 'kube-baseline', ...denyAll })],
      want: 'tier default, np:prod/allow rule 0: Allow',
    },
    {
      name: 'a tier no Tier resource defines sorts after all defined tiers and drops at its end',
      resources: [tier('late'), gnp('ghost', { tier: 'ghost-tier', ...matchNothing }), gnp('late-allow', { tier: 'late', ...passAll })],
      want: 'end of tier ghost-tier: Deny',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ingressDecision(...c.resources), c.want));
});

describe('policy order within a tier', () => {
  const cases: { name: string; resources: PolicyResource[]; want: string }[] = [
    {
      name: 'lower order first',
      resources: [gnp('b', { order: 1, ...denyAll }), gnp('a', { order: 2, ...allowAll })],
      want: 'tier default, gnp:b rule 0: Deny',
    },
    {
      name: 'a policy without order comes after ordered ones',
      resources: [gnp('a', denyAll), gnp('z', { order: 1e9, ...allowAll })],
      want: 'tier default, gnp:z rule 0: Allow',
    },
    {
      name: 'equal order is broken by name',
      resources: [gnp('b', { order: 5, ...denyAll }), gnp('a', { order: 5, ...allowAll })],
      want: 'tier default, gnp:a rule 0: Allow',
    },
    {
      // "web.x/…" < "web/…" because '.' (0x2e) sorts before '/' (0x2f).
      name: 'the tie-break compares "name/namespace/kind", so web.x comes before web',
      resources: [gnp('web', { order: 5, ...denyAll }), gnp('web.x', { order: 5, ...allowAll })],
      want: 'tier default, gnp:web.x rule 0: Allow',
    },
    {
      // "p//GlobalNetworkPolicy" < "p/prod/NetworkPolicy".
      name: 'a global policy and a namespaced one of the same name and order: the global one first',
      resources: [np('prod', 'p', { order: 5, ...denyAll }), gnp('p', { order: 5, ...allowAll })],
      want: 'tier default, gnp:p rule 0: Allow',
    },
    {
      name: 'rules run in list order: Deny before Allow wins',
      resources: [gnp('p', { ingress: [{ action: 'Deny', protocol: 'TCP' }, { action: 'Allow' }] })],
      want: 'tier default, gnp:p rule 0: Deny',
    },
    {
      name: 'a policy whose rules all miss hands over to the next policy',
      resources: [gnp('a', { order: 1, ...matchNothing }), gnp('b', { order: 2, ...allowAll })],
      want: 'tier default, gnp:b rule 0: Allow',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ingressDecision(...c.resources), c.want));
});

describe('actions and end-of-tier', () => {
  const cases: { name: string; resources: PolicyResource[]; want: string }[] = [
    {
      name: 'Pass skips the rest of its tier, including later Deny policies',
      resources: [tier('t1', 10), gnp('p', { tier: 't1', order: 1, ...passAll }), gnp('d', { tier: 't1', order: 2, ...denyAll }), gnp('a', { ...allowAll })],
      want: 'tier default, gnp:a rule 0: Allow',
    },
    {
      name: 'Pass out of the last tier lands in the profiles (kns allows)',
      resources: [gnp('p', passAll)],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'Log continues with the next rule',
      resources: [gnp('p', { ingress: [{ action: 'Log' }, { action: 'Deny' }] })],
      want: 'tier default, gnp:p rule 1: Deny',
    },
    {
      name: 'a selected endpoint with no matching rule is dropped at the end of its tier',
      resources: [gnp('p', matchNothing)],
      want: 'end of tier default: Deny',
    },
    {
      name: 'a tier whose defaultAction is Pass continues to the next tier instead',
      resources: [tier('soft', 10, 'Pass'), gnp('p', { tier: 'soft', ...matchNothing })],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'a tier with no policy selecting the endpoint is skipped (no end-of-tier drop)',
      resources: [tier('t1', 10), gnp('other', { tier: 't1', selector: "app == 'db'", ...matchNothing })],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'an Egress-only policy selecting the endpoint does not make its tier drop ingress',
      resources: [gnp('eg', { types: ['Egress'], egress: [{ action: 'Deny' }] })],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'a policy listing Ingress with no ingress rules denies all ingress',
      resources: [gnp('lockdown', { types: ['Ingress'] })],
      want: 'end of tier default: Deny',
    },
    {
      name: 'without types, a policy with only egress rules governs egress only',
      resources: [gnp('eg', { egress: [{ action: 'Deny' }] })],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'ingress rules of a policy whose types omit Ingress are ignored',
      resources: [gnp('eg', { types: ['Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Allow' }] })],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'a staged policy never decides, not even a staged Deny',
      resources: [stagedGnp('staged-deny', denyAll)],
      want: 'profile kns.prod rule 0: Allow',
    },
    {
      name: 'a tier holding only staged policies for the endpoint has no end-of-tier drop',
      resources: [tier('t1', 10), stagedGnp('staged', { tier: 't1', ...matchNothing })],
      want: 'profile kns.prod rule 0: Allow',
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ingressDecision(...c.resources), c.want));

  it('records Log and Pass rules and policies that did not match in the trace', () => {
    const v = buildPolicyModel([
      ...world,
      tier('t1', 10),
      gnp('logger', { tier: 't1', order: 1, ingress: [{ action: 'Log' }] }),
      gnp('passer', { tier: 't1', order: 2, ...passAll }),
      gnp('miss', { order: 1, ...matchNothing }),
      gnp('allow', { order: 2, ...allowAll }),
    ]).evaluate(tcp('dev/client', 'prod/web'));
    assert.deepEqual(v.ingress.trace.map(formatTraceStep), [
      'tier t1, gnp:logger rule 0: Log',
      'tier t1, gnp:logger: no rule matched',
      'tier t1, gnp:passer rule 0: Pass',
      'tier default, gnp:miss: no rule matched',
    ]);
  });
});

describe('profiles', () => {
  function decision(endpoint: PolicyResource, ...resources: PolicyResource[]): string {
    const v = buildPolicyModel([...world, endpoint, ...resources]).evaluate(tcp('dev/client', 'prod/legacy'));
    return formatDecision(v.ingress.decision);
  }
  it('an endpoint no policy selects is decided by its profiles, in order', () => {
    const p1 = profile('p1', { ingress: [{ action: 'Deny', protocol: 'UDP' }] });
    const p2 = profile('p2', { ingress: [{ action: 'Allow' }] });
    assert.equal(decision(wep('prod', 'legacy', '10.0.1.9', {}, ['p1', 'p2']), p1, p2), 'profile p2 rule 0: Allow');
  });
  it('a Pass rule in a profile moves on to the next profile', () => {
    const p1 = profile('p1', { ingress: [{ action: 'Pass' }, { action: 'Deny' }] });
    const p2 = profile('p2', { ingress: [{ action: 'Allow' }] });
    assert.equal(decision(wep('prod', 'legacy', '10.0.1.9', {}, ['p1', 'p2']), p1, p2), 'profile p2 rule 0: Allow');
  });
  it('a referenced profile that does not exist denies everything', () => {
    const p2 = profile('p2', { ingress: [{ action: 'Allow' }] });
    assert.equal(decision(wep('prod', 'legacy', '10.0.1.9', {}, ['missing', 'p2']), p2), 'profile missing does not exist: Deny');
  });
  it('an endpoint with no policy and no profile is denied', () => {
    assert.equal(decision(wep('prod', 'legacy', '10.0.1.9')), 'no policy and no profile: Deny');
  });
  it('profiles whose rules all miss end in a drop', () => {
    const p1 = profile('p1', { ingress: [{ action: 'Allow', protocol: 'UDP' }] });
    assert.equal(decision(wep('prod', 'legacy', '10.0.1.9', {}, ['p1']), p1), 'no profile allowed: Deny');
  });
});

describe('explaining', () => {
  const model = buildPolicyModel([
    ...world,
    tier('t1', 10),
    gnp('passer', { tier: 't1', ingress: [{ action: 'Pass' }] }),
    np('prod', 'web-in', { selector: "app == 'web'", ingress: [{ action: 'Allow', protocol: 'TCP' }] }),
  ]);
  it('lists the active tiers and policies of an endpoint and direction, in order', () => {
    const web = { kind: 'WorkloadEndpoint' as const, namespace: 'prod', name: 'web' };
    assert.deepEqual(
      model.policiesFor(web, 'ingress').map((t) => `${t.tier}: ${t.policies.map((p) => p.name).join(',')}`),
      ['t1: passer', 'default: web-in'],
    );
    assert.deepEqual(model.policiesFor(web, 'egress'), []);
  });
  it('summarises each policy: tier, governed directions, and the selector Felix evaluates', () => {
    assert.deepEqual(
      model.policies().map((p) => [p.tier, p.id.name, p.directions.join('+'), p.selector]),
      [
        ['t1', 'passer', 'ingress', ''],
        ['default', 'web-in', 'ingress', "(app == 'web') && projectcalico.org/namespace == 'prod'"],
      ],
    );
  });
  it('explains a verdict in words, trace included', () => {
    assert.equal(
      explainVerdict(model.evaluate(tcp('dev/client', 'prod/web'))),
      [
        '10.0.2.1 → 10.0.1.1 proto 6 40000 → 80: ALLOW',
        '  egress at dev/client: allow — profile kns.dev rule 0: Allow',
        '  ingress at prod/web: allow — tier default, np:prod/web-in rule 0: Allow',
        '    · tier t1, gnp:passer rule 0: Pass',
      ].join('\n'),
    );
  });
});

describe('duplicate resources', () => {
  it('a later copy of a policy replaces an earlier one, as in a datastore', () => {
    const v = buildPolicyModel([...world, gnp('p', denyAll), gnp('p', allowAll)]).evaluate(tcp('dev/client', 'prod/web'));
    assert.equal(formatDecision(v.ingress.decision), 'tier default, gnp:p rule 0: Allow');
  });
  it('a staged policy and its enforced twin of the same name both exist; only the enforced one decides', () => {
    const model = buildPolicyModel([...world, stagedGnp('p', denyAll), gnp('p', allowAll)]);
    assert.deepEqual(model.policies().map((p) => `${p.id.name}${p.staged ? ' (staged)' : ''}`).sort(), ['p', 'p (staged)']);
    assert.equal(formatDecision(model.evaluate(tcp('dev/client', 'prod/web')).ingress.decision), 'tier default, gnp:p rule 0: Allow');
  });
  it('a later copy of an endpoint replaces an earlier one', () => {
    const model = buildPolicyModel([...world, pod('prod', 'web', '10.0.1.99', { app: 'web' })]);
    assert.equal(model.endpoints().length, 3);
    assert.equal(model.evaluate(tcp('dev/client', 'prod/web')).packet.dstIp, '10.0.1.99');
  });
});
