// BGPFilter: ordered import/export rules per address family, referenced by
// name from BGPPeers and rendered into BIRD filter functions.
import { z } from 'zod';
import { parseCidr, parseIp } from '../net.js';
import { asNumber, enumOf, envelope, intIn } from '../infra-schema.js';
import { defineKind, type Fields, type Issues } from '../infra-kind.js';
import { communityValueError } from './bgp-configuration.js';
import type { BGPFilter } from '../infra-types.js';

const FILTER_INTERFACE_RE = /^[a-zA-Z0-9_.*-]{1,15}$/;

const communityValue = z.string().superRefine((v, ctx) => {
  const err = communityValueError(v);
  if (err !== undefined) ctx.addIssue({ code: 'custom', message: err });
});

/** A strictly masked CIDR of one family (Calico's netv4/netv6). */
function familyNet(family: 4 | 6) {
  return z.string().superRefine((s, ctx) => {
    const c = parseCidr(s);
    const slash = s.indexOf('/');
    const ip = parseIp(slash < 0 ? s : s.slice(0, slash));
    if (c === null || ip === null || c.family !== family) {
      ctx.addIssue({ code: 'custom', message: `must be an IPv${family} CIDR` });
    } else if (ip.value !== c.network) {
      ctx.addIssue({ code: 'custom', message: `CIDR "${s}" is not strictly masked` });
    }
  });
}

const operation = z
  .strictObject({
    addCommunity: z.strictObject({ value: communityValue }).optional(),
    prependASPath: z
      .strictObject({
        prefix: z.array(asNumber).min(1, { message: 'must have at least 1 item' }).max(10, { message: 'must have at most 10 items' }),
      })
      .optional(),
    setPriority: z.strictObject({ value: intIn(1, 2147483646) }).optional(),
  })
  .refine((op) => Object.values(op).filter((v) => v !== undefined).length === 1, {
    message: 'must set exactly one of addCommunity, prependASPath, setPriority',
  });

function ruleSchema(family: 4 | 6) {
  const bits = family === 4 ? 32 : 128;
  return z.strictObject({
    cidr: familyNet(family).optional(),
    prefixLength: z.strictObject({ min: intIn(0, bits).optional(), max: intIn(0, bits).optional() }).optional(),
    source: enumOf(['RemotePeers']).optional(),
    interface: z
      .string()
      .regex(FILTER_INTERFACE_RE, { message: `invalid interface (must match ${FILTER_INTERFACE_RE.source})` })
      .optional(),
    matchOperator: enumOf(['Equal', 'NotEqual', 'In', 'NotIn']).optional(),
    peerType: enumOf(['eBGP', 'iBGP']).optional(),
    communities: z
      .strictObject({
        values: z.array(communityValue).min(1, { message: 'must have exactly 1 item' }).max(1, { message: 'must have exactly 1 item' }),
      })
      .optional(),
    asPathPrefix: z.array(asNumber).optional(),
    priority: intIn(1, 2147483646).optional(),
    action: enumOf(['Accept', 'Reject']),
    operations: z
      .array(operation)
      .min(1, { message: 'must have at least 1 item' })
      .max(10, { message: 'must have at most 10 items' })
      .optional(),
  });
}

const specSchema = z.strictObject({
  exportV4: z.array(ruleSchema(4)).optional(),
  importV4: z.array(ruleSchema(4)).optional(),
  exportV6: z.array(ruleSchema(6)).optional(),
  importV6: z.array(ruleSchema(6)).optional(),
});

function checkRule(rule: Fields, out: Issues): void {
  const hasCidr = rule.nonEmpty('cidr') !== undefined;
  if (hasCidr !== (rule.nonEmpty('matchOperator') !== undefined)) {
    out.add([hasCidr ? 'matchOperator' : 'cidr'], 'cidr and matchOperator must both be set or both be empty');
  }
  if (rule.has('prefixLength') && !hasCidr) out.add(['prefixLength'], 'cidr is required when prefixLength is set');
  if (rule.list('operations').length > 0 && rule.str('action') !== 'Accept') {
    out.add(['operations'], 'operations may only be used with action Accept');
  }
}

function checkBgpFilter(spec: Fields, out: Issues): void {
  for (const list of ['exportV4', 'importV4', 'exportV6', 'importV6']) {
    spec.list(list).forEach((rule, i) => checkRule(rule, out.at([list, i])));
  }
}

const schema: z.ZodType<BGPFilter> = envelope({ kind: 'BGPFilter', meta: { namespaced: false }, spec: specSchema });

export const bgpFilterKind = defineKind<BGPFilter>({
  kind: 'BGPFilter',
  plural: 'bgpfilters',
  aliases: ['bgpfilter', 'bgpf', 'bgpfs', 'bf', 'bfs'],
  schema,
  check: checkBgpFilter,
});
