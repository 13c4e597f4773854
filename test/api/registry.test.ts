import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allKinds, kindByName, kindFor, kindNames } from '../../src/api/kinds.js';

const CALICO = 'projectcalico.org/v3';
const K8S = 'networking.k8s.io/v1';

describe('kind registry', () => {
  it('holds every Calico kind calicoctl manages, plus Kubernetes NetworkPolicy', () => {
    assert.deepEqual(allKinds().map((k) => `${k.apiVersion}/${k.kind}`).sort(), [
      `${K8S}/NetworkPolicy`,
      ...[
        'BGPConfiguration',
        'BGPFilter',
        'BGPPeer',
        'CalicoNodeStatus',
        'ClusterInformation',
        'FelixConfiguration',
        'GlobalNetworkPolicy',
        'GlobalNetworkSet',
        'HostEndpoint',
        'IPAMConfiguration',
        'IPPool',
        'IPReservation',
        'KubeControllersConfiguration',
        'NetworkPolicy',
        'NetworkSet',
        'Node',
        'Profile',
        'StagedGlobalNetworkPolicy',
        'StagedKubernetesNetworkPolicy',
        'StagedNetworkPolicy',
        'Tier',
        'WorkloadEndpoint',
      ].map((k) => `${CALICO}/${k}`),
    ]);
  });

  it('has no two kinds with the same identity', () => {
    const ids = allKinds().map((k) => `${k.apiVersion}/${k.kind}`);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('tells the two NetworkPolicy kinds apart by apiVersion', () => {
    assert.equal(kindFor(CALICO, 'NetworkPolicy')?.namespaced, true);
    assert.equal(kindFor(K8S, 'NetworkPolicy')?.apiVersion, K8S);
    assert.notEqual(kindFor(CALICO, 'NetworkPolicy'), kindFor(K8S, 'NetworkPolicy'));
    assert.equal(kindFor('projectcalico.org/v1', 'NetworkPolicy'), undefined);
    assert.equal(kindFor(CALICO, 'networkpolicy'), undefined);
  });

  it('knows which kinds are namespaced', () => {
    const namespaced = allKinds().filter((k) => k.namespaced).map((k) => `${k.apiVersion}/${k.kind}`).sort();
    assert.deepEqual(namespaced, [
      `${K8S}/NetworkPolicy`,
      `${CALICO}/NetworkPolicy`,
      `${CALICO}/NetworkSet`,
      `${CALICO}/StagedKubernetesNetworkPolicy`,
      `${CALICO}/StagedNetworkPolicy`,
      `${CALICO}/WorkloadEndpoint`,
    ]);
  });
});

describe('command-line kind names', () => {
  // As calicoctl's resource managers register them, plus the kind name itself.
  const table: [string, string, string][] = [
    ['ippool', CALICO, 'IPPool'],
    ['ippools', CALICO, 'IPPool'],
    ['ipp', CALICO, 'IPPool'],
    ['ipps', CALICO, 'IPPool'],
    ['pool', CALICO, 'IPPool'],
    ['pools', CALICO, 'IPPool'],
    ['IPPool', CALICO, 'IPPool'],
    ['ipreservations', CALICO, 'IPReservation'],
    ['reservation', CALICO, 'IPReservation'],
    ['ipamconfig', CALICO, 'IPAMConfiguration'],
    ['bgpconfig', CALICO, 'BGPConfiguration'],
    ['bgpconfigurations', CALICO, 'BGPConfiguration'],
    ['bgppeer', CALICO, 'BGPPeer'],
    ['bp', CALICO, 'BGPPeer'],
    ['bgpps', CALICO, 'BGPPeer'],
    ['bgpfilter', CALICO, 'BGPFilter'],
    ['bfs', CALICO, 'BGPFilter'],
    ['felixconfig', CALICO, 'FelixConfiguration'],
    ['FelixConfigurations', CALICO, 'FelixConfiguration'],
    ['node', CALICO, 'Node'],
    ['no', CALICO, 'Node'],
    ['nos', CALICO, 'Node'],
    ['clusterinfo', CALICO, 'ClusterInformation'],
    ['caliconodestatus', CALICO, 'CalicoNodeStatus'],
    ['nodestatuses', CALICO, 'CalicoNodeStatus'],
    ['kubecontrollersconfig', CALICO, 'KubeControllersConfiguration'],
    ['gnp', CALICO, 'GlobalNetworkPolicy'],
    ['globalnetworkpolicies', CALICO, 'GlobalNetworkPolicy'],
    ['GNP', CALICO, 'GlobalNetworkPolicy'],
    ['networkpolicy', CALICO, 'NetworkPolicy'],
    ['networkpolicies', CALICO, 'NetworkPolicy'],
    ['np', CALICO, 'NetworkPolicy'],
    ['policy', CALICO, 'NetworkPolicy'],
    ['pol', CALICO, 'NetworkPolicy'],
    ['sgnp', CALICO, 'StagedGlobalNetworkPolicy'],
    ['snp', CALICO, 'StagedNetworkPolicy'],
    ['sknp', CALICO, 'StagedKubernetesNetworkPolicy'],
    ['tier', CALICO, 'Tier'],
    ['tiers', CALICO, 'Tier'],
    ['hep', CALICO, 'HostEndpoint'],
    ['wep', CALICO, 'WorkloadEndpoint'],
    ['workloadendpoints', CALICO, 'WorkloadEndpoint'],
    ['profile', CALICO, 'Profile'],
    ['pro', CALICO, 'Profile'],
    ['netsets', CALICO, 'NetworkSet'],
    ['globalnetworksets', CALICO, 'GlobalNetworkSet'],
    ['knp', K8S, 'NetworkPolicy'],
    ['kubernetesnetworkpolicies', K8S, 'NetworkPolicy'],
    ['networkpolicies.networking.k8s.io', K8S, 'NetworkPolicy'],
    ['networkpolicy.networking.k8s.io', K8S, 'NetworkPolicy'],
    ['networkpolicies.v1.networking.k8s.io', K8S, 'NetworkPolicy'],
    ['networkpolicies.projectcalico.org', CALICO, 'NetworkPolicy'],
    ['ippools.projectcalico.org', CALICO, 'IPPool'],
  ];
  for (const [name, apiVersion, kind] of table) {
    it(`${name} means ${apiVersion} ${kind}`, () => {
      const k = kindByName(name);
      assert.deepEqual([k?.apiVersion, k?.kind], [apiVersion, kind]);
    });
  }

  for (const name of ['', 'pods', 'ippoo', 'networkpolicies.example.com', 'ipamblock']) {
    it(`${JSON.stringify(name)} names no kind`, () => {
      assert.equal(kindByName(name), undefined);
    });
  }

  it('gives no name to two kinds, except the plural both NetworkPolicy kinds share', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const k of allKinds()) {
      for (const n of kindNames(k)) {
        const prev = owner.get(n);
        if (prev !== undefined) clashes.push(`${n}: ${prev} and ${k.apiVersion}/${k.kind}`);
        owner.set(n, `${k.apiVersion}/${k.kind}`);
      }
    }
    assert.deepEqual(clashes, [`networkpolicies: ${CALICO}/NetworkPolicy and ${K8S}/NetworkPolicy`]);
  });
});
