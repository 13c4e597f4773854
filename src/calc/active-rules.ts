// ActiveRulesCalculator: of all policies and profiles in the cluster, which
// ones this host needs. A policy is active while its selector matches at
// least one local endpoint (or it carries AssumeNeededOnEveryNode); a profile
// while a local endpoint references it. Matching runs through a LabelIndex
// over local endpoints only, with profiles as label parents.
import type { ParsedSelector } from '../selector/index.js';
import { LabelIndex } from './label-index.js';
import { ALL_SELECTOR_TEXT, cachedSelector } from './selector-cache.js';
import type { ModelEndpoint, ModelPolicy, ModelProfile } from './model.js';

export interface ActiveRulesListener {
  onPolicyActive(key: string, policy: ModelPolicy): void;
  onPolicyInactive(key: string, policy: ModelPolicy): void;
  /** `profile` undefined: referenced but unknown, so the dataplane gets the deny-all placeholder. */
  onProfileActive(name: string, profile: ModelProfile | undefined): void;
  onProfileInactive(name: string): void;
}

export interface PolicyMatchListener {
  onPolicyMatchStarted(policyKey: string, endpointKey: string): void;
  onPolicyMatchStopped(policyKey: string, endpointKey: string): void;
}

export class ActiveRulesCalculator {
  private readonly policies = new Map<string, ModelPolicy>();
  private readonly profiles = new Map<string, ModelProfile>();
  private readonly endpointProfiles = new Map<string, readonly string[]>();
  /** Profile name → local endpoints referencing it. */
  private readonly profileUsers = new Map<string, Set<string>>();
  private readonly activePolicies = new Set<string>();
  private readonly index: LabelIndex;

  constructor(
    private readonly rules: ActiveRulesListener,
    private readonly matches: PolicyMatchListener,
  ) {
    this.index = new LabelIndex({
      onMatchStarted: (policyKey, endpointKey) => {
        this.matches.onPolicyMatchStarted(policyKey, endpointKey);
        this.refreshPolicy(policyKey);
      },
      onMatchStopped: (policyKey, endpointKey) => {
        this.matches.onPolicyMatchStopped(policyKey, endpointKey);
        this.refreshPolicy(policyKey);
      },
    });
  }

  onPolicyUpdate(key: string, policy: ModelPolicy | undefined): void {
    // A selector the update processor spliced into something unparseable counts as invalid.
    const selector: ParsedSelector | undefined = policy === undefined ? undefined : cachedSelector(policy.selector === '' ? ALL_SELECTOR_TEXT : policy.selector);
    if (policy === undefined || selector === undefined) {
      const old = this.policies.get(key);
      if (old === undefined) return;
      this.index.deleteSelector(key);
      this.policies.delete(key);
      if (this.activePolicies.delete(key)) this.rules.onPolicyInactive(key, old);
      return;
    }
    const wasActive = this.activePolicies.has(key);
    this.policies.set(key, policy);
    this.index.updateSelector(key, selector);
    // The selector update may have changed activity already; if it did not, a still-active
    // policy's new rules must still reach the rule scanner.
    if (wasActive && this.activePolicies.has(key)) this.rules.onPolicyActive(key, policy);
    else this.refreshPolicy(key);
  }

  onProfileUpdate(name: string, profile: ModelProfile | undefined): void {
    if (profile === undefined) this.profiles.delete(name);
    else this.profiles.set(name, profile);
    this.index.updateParentLabels(name, profile?.labels);
    if (this.profileUsers.has(name)) this.rules.onProfileActive(name, profile);
  }

  onLocalEndpointUpdate(key: string, endpoint: ModelEndpoint | undefined): void {
    const oldProfiles = this.endpointProfiles.get(key) ?? [];
    const newProfiles = endpoint?.profileIds ?? [];
    for (const p of newProfiles) this.addProfileUser(p, key);
    if (endpoint === undefined) {
      this.index.deleteItem(key);
      this.endpointProfiles.delete(key);
    } else {
      this.index.updateItem(key, endpoint.labels, endpoint.profileIds);
      this.endpointProfiles.set(key, endpoint.profileIds);
    }
    for (const p of oldProfiles) if (!newProfiles.includes(p)) this.removeProfileUser(p, key);
  }

  isPolicyActive(key: string): boolean {
    return this.activePolicies.has(key);
  }

  private refreshPolicy(key: string): void {
    const policy = this.policies.get(key);
    const active = policy !== undefined && (policy.assumeNeededOnEveryNode || this.index.matchingItems(key).size > 0);
    if (active === this.activePolicies.has(key)) return;
    if (active) {
      this.activePolicies.add(key);
      this.rules.onPolicyActive(key, policy);
    } else {
      this.activePolicies.delete(key);
      if (policy !== undefined) this.rules.onPolicyInactive(key, policy);
    }
  }

  private addProfileUser(name: string, endpointKey: string): void {
    let users = this.profileUsers.get(name);
    if (users === undefined) {
      this.profileUsers.set(name, (users = new Set()));
      users.add(endpointKey);
      this.rules.onProfileActive(name, this.profiles.get(name));
      return;
    }
    users.add(endpointKey);
  }

  private removeProfileUser(name: string, endpointKey: string): void {
    const users = this.profileUsers.get(name);
    if (users === undefined) return;
    users.delete(endpointKey);
    if (users.size > 0) return;
    this.profileUsers.delete(name);
    this.rules.onProfileInactive(name);
  }
}
