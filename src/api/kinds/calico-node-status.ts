// CalicoNodeStatus: asks calico-node on one node to report its agent, BGP
// and route state every updatePeriodSeconds; calico-node fills the status.
import { z } from 'zod';
import { isDns1123Subdomain, uniqueList } from '../schema.js';
import { anyIp, enumOf, envelopeWithStatus, intIn } from '../infra-schema.js';
import { defineKind } from '../infra-kind.js';
import type { CalicoNodeStatus } from '../infra-types.js';

const daemon = z.strictObject({
  state: enumOf(['Ready', 'NotReady']).optional(),
  version: z.string().optional(),
  routerID: z.string().optional(),
  lastBootTime: z.string().optional(),
  lastReconfigurationTime: z.string().optional(),
});

const peer = z.strictObject({
  peerIP: anyIp.optional(),
  type: enumOf(['NodeMesh', 'NodePeer', 'GlobalPeer']).optional(),
  state: enumOf(['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established', 'Close']).optional(),
  since: z.string().optional(),
});

const route = z.strictObject({
  type: enumOf(['FIB', 'RIB']).optional(),
  destination: z.string().optional(),
  gateway: z.string().optional(),
  interface: z.string().optional(),
  learnedFrom: z
    .strictObject({
      sourceType: enumOf(['Kernel', 'Static', 'Direct', 'NodeMesh', 'BGPPeer']).optional(),
      peerIP: anyIp.optional(),
    })
    .optional(),
});

const count = intIn().optional();

const statusSchema = z.strictObject({
  lastUpdated: z.string().optional(),
  agent: z.strictObject({ birdV4: daemon.optional(), birdV6: daemon.optional() }).optional(),
  bgp: z
    .strictObject({
      numberEstablishedV4: count,
      numberNotEstablishedV4: count,
      numberEstablishedV6: count,
      numberNotEstablishedV6: count,
      peersV4: z.array(peer).optional(),
      peersV6: z.array(peer).optional(),
    })
    .optional(),
  routes: z.strictObject({ routesV4: z.array(route).optional(), routesV6: z.array(route).optional() }).optional(),
});

const schema: z.ZodType<CalicoNodeStatus> = envelopeWithStatus({
  kind: 'CalicoNodeStatus',
  meta: { namespaced: false },
  spec: z.strictObject({
    node: z.string().refine(isDns1123Subdomain, { message: 'must be a lowercase RFC 1123 subdomain' }),
    classes: uniqueList(enumOf(['Agent', 'BGP', 'Routes'])),
    updatePeriodSeconds: intIn(0, 86400),
  }),
  status: statusSchema,
});

export const calicoNodeStatusKind = defineKind<CalicoNodeStatus>({
  kind: 'CalicoNodeStatus',
  plural: 'caliconodestatuses',
  aliases: ['caliconodestatus', 'nodestatus', 'nodestatuses'],
  schema,
});
