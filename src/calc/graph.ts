// The calculation graph, wired in one place. Datastore events go in through
// onUpdate/onInSync; flush() returns the coalesced, dependency-ordered
// dataplane batch. Everything in between is synchronous and incremental:
//
//   datastore event ─▶ update processor + validation (convert.ts)
//     ├─ policies ───────▶ ActiveRulesCalculator ─┬─▶ RuleScanner ─▶ IP sets ─▶ SelectorAndNamedPortIndex
//     │                         ▲                  │        └────────▶ policies/profiles ─┐
//     ├─ profiles ──────────────┤ (labels, rules)  └─▶ PolicyResolver ─▶ endpoint tiers ──┤
//     ├─ local endpoints ───────┘                          ▲                             ▼
//     ├─ tiers, policies, local endpoints ─────────────────┘                      EventSequencer ─▶ flush()
//     ├─ all endpoints, network sets, profile labels ─▶ SelectorAndNamedPortIndex ─▶ members ─┘
//     └─ FelixConfiguration ─▶ ConfigCalculator ─▶ config ─▶ EventSequencer
import type { FieldError } from '../api/errors.js';
import type { ResourceKey, StoredResource, WatchEvent } from '../datastore/types.js';
import { ActiveRulesCalculator } from './active-rules.js';
import { ConfigCalculator } from './config.js';
import { convertResource, deletionOf, resourceKeyOf, storeKey } from './convert.js';
import { endpointIntent } from './endpoint-intent.js';
import { EventSequencer } from './event-sequencer.js';
import { SelectorAndNamedPortIndex } from './ipset-members.js';
import type { ModelEndpoint, ModelUpdate } from './model.js';
import { PolicyResolver } from './policy-resolver.js';
import { RuleScanner } from './rule-scanner.js';
import type { DataplaneUpdate } from './types.js';

/** A datastore change as the calc graph consumes it. */
export type CalcEvent = Exclude<WatchEvent, { readonly type: 'resync-required' }>;

export interface CalcGraphOptions {
  /** This host's name: endpoints whose spec.node equals it are local. */
  readonly hostname: string;
  /** Validate every resource first; invalid ones count as deleted (default true). */
  readonly validate?: boolean;
  /** Keep net IP sets free of overlapping CIDRs, as nftables interval sets need (default true). */
  readonly suppressOverlappingCidrs?: boolean;
  /** Told about each resource that fails validation; the graph treats it as deleted. */
  readonly onInvalid?: (resource: StoredResource, errors: readonly FieldError[]) => void;
}

export interface CalcGraphStats {
  readonly activePolicies: number;
  readonly activeIpSets: number;
  readonly ipSetMembers: number;
  readonly localEndpoints: number;
}

export class CalcGraph {
  private readonly sequencer = new EventSequencer();
  private readonly config: ConfigCalculator;
  private readonly ipSetIndex: SelectorAndNamedPortIndex;
  private readonly ruleScanner: RuleScanner;
  private readonly resolver: PolicyResolver;
  private readonly activeRules: ActiveRulesCalculator;
  private readonly localEndpoints = new Map<string, ModelEndpoint>();
  private readonly activePolicyKeys = new Set<string>();
  private readonly validate: boolean;
  /** Every datastore object the graph holds, with its resourceVersion, for resyncs and duplicate suppression. */
  private readonly known = new Map<string, { readonly key: ResourceKey; readonly version: string | undefined }>();
  private inSync = false;

  constructor(private readonly options: CalcGraphOptions) {
    const seq = this.sequencer;
    this.validate = options.validate ?? true;
    this.config = new ConfigCalculator(options.hostname);
    this.ipSetIndex = new SelectorAndNamedPortIndex(seq, options.suppressOverlappingCidrs ?? true);
    this.ruleScanner = new RuleScanner({
      onIpSetActive: (data, type) => {
        seq.onIpSetAdded(data.id, type);
        this.ipSetIndex.addIpSet(data);
      },
      onIpSetInactive: (data) => {
        this.ipSetIndex.removeIpSet(data);
        seq.onIpSetRemoved(data.id);
      },
      onPolicyActive: (id, p) => seq.onPolicyActive(id, p),
      onPolicyInactive: (id) => seq.onPolicyInactive(id),
      onProfileActive: (name, p) => seq.onProfileActive(name, p),
      onProfileInactive: (name) => seq.onProfileInactive(name),
    });
    this.resolver = new PolicyResolver({
      onEndpointResolved: (_key, ep, tiers) => seq.onEndpointUpdate(endpointIntent(ep, tiers)),
      onEndpointRemoved: (_key, ep) => seq.onEndpointRemoved(ep.kind, ep.felixId),
    });
    this.activeRules = new ActiveRulesCalculator(
      {
        onPolicyActive: (key, p) => {
          this.activePolicyKeys.add(key);
          this.ruleScanner.onPolicyActive(key, p);
        },
        onPolicyInactive: (key, p) => {
          this.activePolicyKeys.delete(key);
          this.ruleScanner.onPolicyInactive(key, p);
        },
        onProfileActive: (name, p) => this.ruleScanner.onProfileActive(name, p),
        onProfileInactive: (name) => this.ruleScanner.onProfileInactive(name),
      },
      this.resolver,
    );
  }

  /** One datastore change: a resource added or modified (as stored), or deleted. */
  onUpdate(event: CalcEvent): void {
    if (event.type === 'deleted') {
      if (!this.known.delete(storeKey(event.key))) return;
      this.dispatch(deletionOf(event.key));
      return;
    }
    const key = resourceKeyOf(event.resource);
    const id = storeKey(key);
    const version = event.resource.metadata.resourceVersion;
    // A resource seen before at the same revision (a resync's list, a repeated event) changes nothing.
    if (version !== undefined && this.known.get(id)?.version === version) return;
    this.known.set(id, { key, version });
    const onInvalid = this.options.onInvalid;
    this.dispatch(convertResource(event.resource, { validate: this.validate, ...(onInvalid === undefined ? {} : { onInvalid }) }));
  }

  /**
   * After a watch had to be restarted: `resources` is the fresh list at `revision`.
   * Whatever the graph holds that is not in it is deleted; the rest is applied as
   * updates (unchanged ones, by resourceVersion, cost nothing); then in-sync.
   */
  resync(resources: readonly StoredResource[], revision: number): void {
    const listed = new Set(resources.map((r) => storeKey(resourceKeyOf(r))));
    for (const [id, { key }] of [...this.known]) {
      if (!listed.has(id)) this.onUpdate({ type: 'deleted', key, revision });
    }
    for (const resource of resources) this.onUpdate({ type: 'modified', resource, revision });
    this.onInSync(revision);
  }

  /** Everything up to `revision` has been delivered; endpoints are programmed from the next flush on. */
  onInSync(revision: number): void {
    if (!this.inSync) {
      this.inSync = true;
      this.resolver.onInSync();
      // Felix always starts with a config message, even when no FelixConfiguration exists.
      this.sequencer.onConfigUpdate(this.config.current());
    }
    this.sequencer.onInSync(revision);
  }

  /** The batch of dataplane messages for everything since the last flush. */
  flush(): readonly DataplaneUpdate[] {
    this.resolver.flush();
    return this.sequencer.flush();
  }

  stats(): CalcGraphStats {
    return {
      activePolicies: this.activePolicyKeys.size,
      activeIpSets: this.ruleScanner.activeIpSetCount(),
      ipSetMembers: this.ipSetIndex.totalMembers(),
      localEndpoints: this.localEndpoints.size,
    };
  }

  private dispatch(u: ModelUpdate): void {
    switch (u.kind) {
      case 'policy':
        this.resolver.onPolicyUpdate(u.key, u.value);
        this.activeRules.onPolicyUpdate(u.key, u.value);
        return;
      case 'tier':
        this.resolver.onTierUpdate(u.key.slice(u.key.lastIndexOf('/') + 1), u.value);
        return;
      case 'profile': {
        const name = u.key.slice(u.key.lastIndexOf('/') + 1);
        this.ipSetIndex.updateProfileLabels(name, u.value?.labels);
        this.activeRules.onProfileUpdate(name, u.value);
        return;
      }
      case 'endpoint':
        this.ipSetIndex.updateThing(u.key, u.value);
        this.dispatchLocal(u.key, u.value !== undefined && u.value.hostname === this.options.hostname ? u.value : undefined);
        return;
      case 'netset':
        this.ipSetIndex.updateThing(u.key, u.value);
        return;
      case 'felix-config': {
        const merged = this.config.onUpdate(u.key, u.value);
        if (merged !== undefined && this.inSync) this.sequencer.onConfigUpdate(merged);
        return;
      }
      case 'ignored':
        return;
    }
  }

  /** The local endpoint dispatcher: only this host's endpoints reach the ARC and the resolver. */
  private dispatchLocal(key: string, ep: ModelEndpoint | undefined): void {
    if (ep === undefined && !this.localEndpoints.has(key)) return;
    if (ep === undefined) this.localEndpoints.delete(key);
    else this.localEndpoints.set(key, ep);
    this.resolver.onEndpointUpdate(key, ep);
    this.activeRules.onLocalEndpointUpdate(key, ep);
  }
}
