// Smaller versions of a differential-test case, for shrinking a failure to
// the policies and rules it needs.
type Rule = Record<string, unknown>;

export interface Policy {
  readonly apiVersion: string;
  readonly kind: 'NetworkPolicy' | 'GlobalNetworkPolicy';
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: { readonly ingress?: readonly Rule[]; readonly egress?: readonly Rule[]; readonly [k: string]: unknown };
}

/** Every case with one policy fewer (never none), then every case with one rule fewer. */
export function smaller(c: readonly Policy[]): Policy[][] {
  const out: Policy[][] = c.map((_, i) => c.filter((__, j) => j !== i)).filter((x) => x.length > 0);
  c.forEach((p, i) => {
    for (const dir of ['ingress', 'egress'] as const) {
      (p.spec[dir] ?? []).forEach((_, r) => {
        const rules = (p.spec[dir] ?? []).filter((__, k) => k !== r);
        const { [dir]: _drop, ...rest } = p.spec;
        const spec = rules.length > 0 ? { ...rest, [dir]: rules } : rest;
        out.push(c.map((q, j) => (j === i ? { ...p, spec } : q)));
      });
    }
  });
  return out;
}
