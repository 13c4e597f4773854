import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkPolicyKind } from '../../src/api/kinds/network-policy.js';
import { globalNetworkPolicyKind } from '../../src/api/kinds/global-network-policy.js';
import { formatPort, parsePort, portFromString } from '../../src/api/rule.js';
import { assertErrors, type ExpectedErrors as Expected } from '../fixtures/policy/kinds.js';

function npErrors(spec: Record<string, unknown>, kind = networkPolicyKind as typeof networkPolicyKind | typeof globalNetworkPolicyKind) {
  const namespaced = kind === networkPolicyKind;
  const doc = {
    apiVersion: 'projectcalico.org/v3',
    kind: namespaced ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
    metadata: namespaced ? { name: 'p', namespace: 'ns' } : { name: 'p' },
    spec,
  };
  const r = kind.validate(doc);
  return r.ok ? [] : r.errors.map((e) => [e.path, e.message] as const);
}

const ingress = (rule: Record<string, unknown>) => ({ ingress: [rule] });
const egress = (rule: Record<string, unknown>) => ({ egress: [rule] });
const PORTS_NEED_PROTOCOL = 'rules with numeric port or port range must set protocol to TCP or UDP or SCTP';
const PORTS_WRONG_PROTOCOL = 'rules that specify ports must set protocol to TCP or UDP or SCTP';

describe('Rule validation accepts what Calico accepts', () => {
  const valid: [string, Record<string, unknown>][] = [
    ['a bare Allow', ingress({ action: 'Allow' })],
    ['numeric, range and named ports with TCP', ingress({ action: 'Allow', protocol: 'TCP', destination: { ports: [80, '8080:8090', 'http'] } })],
    ['named ports without a protocol', ingress({ action: 'Allow', destination: { ports: ['http', 'metrics'] } })],
    ['a protocol by number with ports', ingress({ action: 'Deny', protocol: 132, source: { notPorts: [9] } })],
    ['ICMP type and code with protocol ICMP', ingress({ action: 'Allow', protocol: 'ICMP', icmp: { type: 3, code: 1 } })],
    ['ICMPv6 with ipVersion 6', ingress({ action: 'Allow', protocol: 'ICMPv6', ipVersion: 6, notICMP: { type: 128 } })],
    ['ICMP type 254 and code 255', ingress({ action: 'Allow', protocol: 1, icmp: { type: 254, code: 255 } })],
    ['UDPLite without ports', ingress({ action: 'Allow', notProtocol: 'UDPLite' })],
    ['strictly masked nets of one family', ingress({ action: 'Allow', source: { nets: ['10.0.0.0/8', '192.168.1.1/32'], notNets: ['10.1.0.0/16'] } })],
    ['IPv6 nets with ipVersion 6', egress({ action: 'Allow', ipVersion: 6, destination: { nets: ['fd00::/8'] } })],
    ['namespaceSelector global()', ingress({ action: 'Allow', source: { namespaceSelector: 'global()' } })],
    ['selectors and service accounts', ingress({ action: 'Allow', source: { selector: "role == 'fe'", notSelector: 'has(x)', serviceAccounts: { names: ['a', 'b'], selector: "team == 'x'" } } })],
    ['a service as an ingress source, with ports', ingress({ action: 'Allow', protocol: 'TCP', source: { services: { name: 'svc' }, ports: [80] } })],
    ['a service as an egress destination', egress({ action: 'Allow', destination: { services: { name: 'svc', namespace: 'other' } } })],
    ['an HTTP match on an ingress Allow', ingress({ action: 'Allow', http: { methods: ['GET', 'PUT'], paths: [{ exact: '/a' }, { prefix: '/b/' }] } })],
    ['rule metadata annotations', ingress({ action: 'Log', metadata: { annotations: { name: 'log-it' } } })],
  ];
  for (const [name, spec] of valid) {
    it(name, () => assert.deepEqual(npErrors(spec), []));
  }
});

describe('Rule validation reports what Calico reports, at the field at fault', () => {
  const invalid: [string, Record<string, unknown>, Expected][] = [
    ['lower-case protocol names', ingress({ action: 'Allow', protocol: 'tcp' }), [['spec.ingress[0].protocol', 'protocol name invalid']]],
    ['protocol 0', ingress({ action: 'Allow', protocol: 0 }), [['spec.ingress[0].protocol', 'protocol number invalid']]],
    ['protocol "0" (digits become a number)', ingress({ action: 'Allow', notProtocol: '0' }), [['spec.ingress[0].notProtocol', 'protocol number invalid']]],
    ['protocol "256" (too big for a number, so a bad name)', ingress({ action: 'Allow', protocol: '256' }), [['spec.ingress[0].protocol', 'protocol name invalid']]],
    ['numeric ports without a protocol', ingress({ action: 'Allow', destination: { ports: ['http', 80] } }), [['spec.ingress[0].destination.ports', PORTS_NEED_PROTOCOL]]],
    ['ports with UDPLite', ingress({ action: 'Allow', protocol: 'UDPLite', source: { notPorts: ['http'] } }), [['spec.ingress[0].source.notPorts', PORTS_WRONG_PROTOCOL]]],
    ['ports with ICMP', egress({ action: 'Allow', protocol: 'ICMP', destination: { ports: [1] } }), [['spec.egress[0].destination.ports', PORTS_WRONG_PROTOCOL]]],
    ['port 0', ingress({ action: 'Allow', protocol: 'TCP', destination: { ports: [0] } }), [['spec.ingress[0].destination.ports[0]', 'port range invalid, port number must be between 1 and 65535']]],
    ['port 70000', ingress({ action: 'Allow', protocol: 'TCP', destination: { ports: ['70000'] } }), [['spec.ingress[0].destination.ports[0]', 'invalid port format (70000)']]],
    ['a reversed range', ingress({ action: 'Allow', protocol: 'TCP', destination: { ports: ['90:80'] } }), [['spec.ingress[0].destination.ports[0]', 'minimum port number (90) is greater than maximum port number (80) in port range']]],
    ['a range starting at 0', ingress({ action: 'Allow', protocol: 'TCP', destination: { ports: ['0:80'] } }), [['spec.ingress[0].destination.ports[0]', 'port range invalid, port number must be between 1 and 65535']]],
    ['a name with a colon', ingress({ action: 'Allow', destination: { ports: ['a:b'] } }), [['spec.ingress[0].destination.ports[0]', 'invalid name for named port (a:b)']]],
    ['an upper-case port name', ingress({ action: 'Allow', destination: { ports: ['Http'] } }), [['spec.ingress[0].destination.ports[0]', 'invalid port name: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']]],
    ['ICMP code without type', ingress({ action: 'Allow', protocol: 'ICMP', icmp: { code: 1 } }), [['spec.ingress[0].icmp.code', 'ICMP code specified without an ICMP type']]],
    ['notICMP code without type', ingress({ action: 'Allow', protocol: 'ICMP', notICMP: { code: 1 } }), [['spec.ingress[0].notICMP.code', 'ICMP code specified without an ICMP type']]],
    ['ICMP type 255', ingress({ action: 'Allow', protocol: 'ICMP', icmp: { type: 255 } }), [['spec.ingress[0].icmp.type', /254/]]],
    ['ICMP fields with TCP', ingress({ action: 'Allow', protocol: 'TCP', icmp: { type: 8 } }), [['spec.ingress[0].icmp', 'ICMP fields require protocol to be ICMP or ICMPv6']]],
    ['ICMP fields without a protocol', ingress({ action: 'Allow', icmp: { type: 8 } }), [['spec.ingress[0].icmp', 'ICMP fields require protocol to be ICMP or ICMPv6']]],
    ['ICMP with ipVersion 6', ingress({ action: 'Allow', protocol: 'ICMP', ipVersion: 6 }), [['spec.ingress[0].protocol', 'protocol ICMP requires ipVersion 4']]],
    ['protocol 58 with ipVersion 4', ingress({ action: 'Allow', protocol: 58, ipVersion: 4 }), [['spec.ingress[0].protocol', 'protocol ICMPv6 requires ipVersion 6']]],
    ['notProtocol ICMPv6 with ipVersion 4', ingress({ action: 'Allow', notProtocol: 'ICMPv6', ipVersion: 4 }), [['spec.ingress[0].notProtocol', 'protocol ICMPv6 requires ipVersion 6']]],
    ['ipVersion 5', ingress({ action: 'Allow', ipVersion: 5 }), [['spec.ingress[0].ipVersion', /.+/]]],
    ['a bare IP in rule nets', ingress({ action: 'Allow', source: { nets: ['10.0.0.1'] } }), [['spec.ingress[0].source.nets[0]', 'invalid CIDR']]],
    ['an unmasked CIDR in rule nets', ingress({ action: 'Allow', source: { notNets: ['10.0.0.1/24'] } }), [['spec.ingress[0].source.notNets[0]', 'CIDR is not strictly masked (host bits must be zero)']]],
    ['both families in one rule', ingress({ action: 'Allow', source: { nets: ['10.0.0.0/8'] }, destination: { nets: ['fd00::/8'] } }), [['spec.ingress[0].destination.nets', 'rule contains both IPv4 and IPv6 CIDRs']]],
    ['both families in one list', ingress({ action: 'Allow', source: { nets: ['10.0.0.0/8', 'fd00::/8'] } }), [['spec.ingress[0].source.nets', 'rule contains both IPv4 and IPv6 CIDRs']]],
    ['nets of the other family than ipVersion', ingress({ action: 'Allow', ipVersion: 6, source: { nets: ['10.0.0.0/8'] } }), [['spec.ingress[0].source.nets', "rule IP version doesn't match CIDR version"]]],
    ['a negated IPv4 catch-all', ingress({ action: 'Allow', source: { notNets: ['0.0.0.0/0'] } }), [['spec.ingress[0].source.notNets[0]', 'catch-all CIDR in negation creates logical contradiction (matches no traffic)']]],
    ['a negated IPv6 catch-all', egress({ action: 'Allow', destination: { notNets: ['::/0'] } }), [['spec.egress[0].destination.notNets[0]', 'catch-all CIDR in negation creates logical contradiction (matches no traffic)']]],
    ['duplicate nets', ingress({ action: 'Allow', source: { nets: ['10.0.0.0/8', '10.0.0.0/8'] } }), [['spec.ingress[0].source.nets[1]', /duplicate/]]],
    ['global() in a rule selector', ingress({ action: 'Allow', source: { selector: 'global()' } }), [['spec.ingress[0].source.selector', 'global() can only be used in an EntityRule namespaceSelector']]],
    ['global() combined with more in a namespaceSelector', ingress({ action: 'Allow', source: { namespaceSelector: "global() && a == 'b'" } }), [['spec.ingress[0].source.namespaceSelector', 'global() cannot be combined with other selectors']]],
    ['a selector that does not parse', ingress({ action: 'Allow', source: { selector: 'a ==' } }), [['spec.ingress[0].source.selector', /^invalid selector: /]]],
    ['a selector longer than 1024 characters', ingress({ action: 'Allow', source: { selector: `a == '${'x'.repeat(1020)}'` } }), [['spec.ingress[0].source.selector', 'must be at most 1024 characters']]],
    ['services with a selector', ingress({ action: 'Allow', source: { services: { name: 's' }, selector: 'has(a)' } }), [['spec.ingress[0].source.services', 'cannot specify Selector/NotSelector and Services on the same rule']]],
    ['services with nets', ingress({ action: 'Allow', source: { services: { name: 's' }, nets: ['10.0.0.0/8'] } }), [['spec.ingress[0].source.services', 'cannot specify Nets/NotNets and Services on the same rule']]],
    ['services with a namespaceSelector', ingress({ action: 'Allow', source: { services: { name: 's' }, namespaceSelector: 'all()' } }), [['spec.ingress[0].source.services', 'cannot specify NamespaceSelector and Services on the same rule']]],
    ['services with service accounts', ingress({ action: 'Allow', source: { services: { name: 's' }, serviceAccounts: { names: ['x'] } } }), [['spec.ingress[0].source.services', 'cannot specify ServiceAccounts and Services on the same rule']]],
    ['services without a name', ingress({ action: 'Allow', source: { services: { namespace: 'x' } } }), [['spec.ingress[0].source.services.name', 'services must specify a service name']]],
    ['services as an egress source', egress({ action: 'Allow', source: { services: { name: 's' } } }), [['spec.egress[0].source.services', 'not allowed in egress rule source']]],
    ['services as an ingress destination', ingress({ action: 'Allow', destination: { services: { name: 's' } } }), [['spec.ingress[0].destination.services', 'not allowed in ingress rule destination']]],
    ['ports next to a destination service', egress({ action: 'Allow', protocol: 'TCP', destination: { services: { name: 's' }, ports: [80] } }), [['spec.egress[0].destination', 'ports and notPorts cannot be specified with services']]],
    ['HTTP on a Deny rule', ingress({ action: 'Deny', http: { methods: ['GET'] } }), [['spec.ingress[0].http', 'HTTP match is only valid on Allow rules']]],
    ['HTTP with UDP', ingress({ action: 'Allow', protocol: 'UDP', http: { methods: ['GET'] } }), [['spec.ingress[0].http', 'rules with HTTP match must have protocol TCP or unset']]],
    ['HTTP in an egress rule', egress({ action: 'Allow', http: { methods: ['GET'] } }), [['spec.egress[0].http', 'not allowed in egress rule']]],
    ['an HTTP path with both exact and prefix', ingress({ action: 'Allow', http: { paths: [{ exact: '/a', prefix: '/b' }] } }), [['spec.ingress[0].http.paths', "Invalid path match. Both 'exact' and 'prefix' are set"]]],
    ['an HTTP path with neither', ingress({ action: 'Allow', http: { paths: [{}] } }), [['spec.ingress[0].http.paths', "Invalid path match. Either 'exact' or 'prefix' must be set"]]],
    ['an HTTP path with a query', ingress({ action: 'Allow', http: { paths: [{ exact: '/a?b' }] } }), [['spec.ingress[0].http.paths', 'Invalid path /a?b. (must start with `/` and not contain `?` or `#`']]],
    ['duplicate HTTP methods', ingress({ action: 'Allow', http: { methods: ['GET', 'GET'] } }), [['spec.ingress[0].http.methods', 'Invalid methods (duplicates): [GET GET]']]],
    ['a rule without an action', ingress({ protocol: 'TCP' }), [['spec.ingress[0].action', 'required field is missing']]],
    ['an action in the wrong case', ingress({ action: 'allow' }), [['spec.ingress[0].action', /.+/]]],
    ['an unknown rule field', ingress({ action: 'Allow', port: 80 }), [['spec.ingress[0].port', 'unknown field "port"']]],
  ];
  for (const [name, spec, expected] of invalid) {
    it(`rejects ${name}`, () => assertErrors(npErrors(spec), expected));
  }

  it('requires a namespace on services named by a GlobalNetworkPolicy rule', () => {
    assertErrors(npErrors(egress({ action: 'Allow', destination: { services: { name: 's' } } }), globalNetworkPolicyKind), [
      ['spec.egress[0].destination.services.namespace', 'must specify a namespace'],
    ]);
  });

  it('uses "rules" in the egress HTTP message of a GlobalNetworkPolicy, as Calico does', () => {
    assertErrors(npErrors(egress({ action: 'Allow', http: { methods: ['GET'] } }), globalNetworkPolicyKind), [
      ['spec.egress[0].http', 'not allowed in egress rules'],
    ]);
  });

  it('reports every problem of a rule at once, not only the first', () => {
    const errs = npErrors(
      ingress({
        action: 'Pass',
        protocol: 'tcp',
        icmp: { code: 1 },
        source: { nets: ['10.0.0.1/8', 'fd00::/8'], ports: ['99999'], colour: 'red' },
        destination: { services: { name: 's' } },
      }),
    );
    assertErrors(errs, [
      ['spec.ingress[0].protocol', 'protocol name invalid'],
      ['spec.ingress[0].icmp.code', 'ICMP code specified without an ICMP type'],
      ['spec.ingress[0].icmp', 'ICMP fields require protocol to be ICMP or ICMPv6'],
      ['spec.ingress[0].source.nets[0]', 'CIDR is not strictly masked (host bits must be zero)'],
      ['spec.ingress[0].source.nets', 'rule contains both IPv4 and IPv6 CIDRs'],
      ['spec.ingress[0].source.ports[0]', 'invalid port format (99999)'],
      ['spec.ingress[0].source.ports', PORTS_WRONG_PROTOCOL],
      ['spec.ingress[0].source.colour', 'unknown field "colour"'],
      ['spec.ingress[0].destination.services', 'not allowed in ingress rule destination'],
    ]);
  });
});

describe('ports are read and written back as Calico does', () => {
  const cases: [number | string, number | string][] = [
    [80, 80],
    ['80', 80],
    ['80:80', 80],
    ['80:90', '80:90'],
    ['http', 'http'],
  ];
  for (const [input, stored] of cases) {
    it(`${JSON.stringify(input)} is stored as ${JSON.stringify(stored)}`, () => {
      const p = parsePort(input);
      assert.ok(!('errors' in p));
      assert.equal(formatPort(p), stored);
    });
  }

  it('parses port 0 as a port (only validation rejects it)', () => {
    assert.deepEqual(portFromString('0'), { kind: 'range', min: 0, max: 0 });
  });

  it('stores a policy with "80" and "6" as numbers', () => {
    const r = networkPolicyKind.validate({
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'p', namespace: 'n' },
      spec: { ingress: [{ action: 'Allow', protocol: '6', destination: { ports: ['80', '1:2'] } }] },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value.spec.ingress?.[0], { action: 'Allow', protocol: 6, destination: { ports: [80, '1:2'] } });
  });
});
