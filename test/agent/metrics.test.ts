import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentMetrics } from '../../src/agent/metrics.js';

describe('agent metrics', () => {
  it('keeps what is observed before prom-client is loaded and reports it once loaded', async () => {
    const m = new AgentMetrics();
    m.resyncState.set(1);
    m.resyncsStarted.inc();
    m.calcUpdatesProcessed.inc({ type: 'list' }, 11503);
    m.calcUpdateTime.observe(0.25);
    m.resyncState.set(3);
    const text = await (await m.registry()).metrics();
    assert.match(text, /^felix_resync_state 3$/m);
    assert.match(text, /^felix_resyncs_started 1$/m);
    assert.match(text, /^felix_calc_graph_updates_processed\{type="list"\} 11503$/m);
    assert.match(text, /^felix_calc_graph_update_time_seconds_count 1$/m);
  });

  it('records straight into the loaded metrics afterwards, with labels', async () => {
    const m = new AgentMetrics();
    const registry = await m.registry();
    m.dataplaneMessages.inc({ type: 'in-sync' });
    m.dataplaneMessages.inc({ type: 'in-sync' });
    m.calcOutputEvents.inc(7);
    m.programmedRevision.set(42);
    const text = await registry.metrics();
    assert.match(text, /^felix_int_dataplane_messages\{type="in-sync"\} 2$/m);
    assert.match(text, /^felix_calc_graph_output_events 7$/m);
    assert.match(text, /^calico_node_programmed_revision 42$/m);
    assert.match(text, /^process_cpu_user_seconds_total /m, 'the default process metrics too');
  });
});
