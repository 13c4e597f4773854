// Felix's cluster-wide counters from list and watch events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterStats } from '../../src/agent/cluster-stats.js';
import type { StoredResource } from '../../src/datastore/types.js';
import { gnp, wep } from './helpers.js';

const hep = (name: string, node: string): StoredResource => ({ apiVersion: 'projectcalico.org/v3', kind: 'HostEndpoint', metadata: { name }, spec: { node, interfaceName: 'eth0' } });

describe('cluster-wide endpoint counts', () => {
  it('counts endpoints and the hosts that have any, from a list', () => {
    const s = new ClusterStats();
    s.reset([wep({ node: 'n1', pod: 'a', iface: 'calia', ip: '10.0.0.1' }), wep({ node: 'n2', pod: 'b', iface: 'calib', ip: '10.0.0.2' }), hep('h1', 'n1'), gnp('p', {})]);
    assert.deepEqual(s.counts(), { workloadEndpoints: 2, hostEndpoints: 1, hosts: 2 });
  });

  it('follows moves and deletions, and forgets a host with no endpoint left', () => {
    const s = new ClusterStats();
    const a = wep({ node: 'n1', pod: 'a', iface: 'calia', ip: '10.0.0.1' });
    s.reset([a, wep({ node: 'n2', pod: 'b', iface: 'calib', ip: '10.0.0.2' })]);
    s.onEvent({ type: 'modified', resource: a, revision: 5 });
    assert.deepEqual(s.counts(), { workloadEndpoints: 2, hostEndpoints: 0, hosts: 2 }, 'the same endpoint again changes nothing');
    s.onEvent({ type: 'deleted', key: { kind: 'WorkloadEndpoint', namespace: 'default', name: a.metadata.name }, revision: 6 });
    assert.deepEqual(s.counts(), { workloadEndpoints: 1, hostEndpoints: 0, hosts: 1 });
    s.reset([]);
    assert.deepEqual(s.counts(), { workloadEndpoints: 0, hostEndpoints: 0, hosts: 0 });
  });
});
