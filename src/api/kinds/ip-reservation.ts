// IPReservation: addresses Calico IPAM must never hand out. Entries are
// CIDRs or bare IPs; host bits are allowed (Calico's "cidrs" rule).
import { z } from 'zod';
import { envelope, looseCidr } from '../infra-schema.js';
import { defineKind } from '../infra-kind.js';
import type { IPReservation } from '../infra-types.js';

const schema: z.ZodType<IPReservation> = envelope({
  kind: 'IPReservation',
  meta: { namespaced: false },
  spec: z.strictObject({ reservedCIDRs: z.array(looseCidr).optional() }),
});

export const ipReservationKind = defineKind<IPReservation>({
  kind: 'IPReservation',
  plural: 'ipreservations',
  aliases: ['ipreservation', 'reservation', 'reservations'],
  schema,
});
