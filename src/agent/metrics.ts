// Prometheus metrics under Felix's names where the meaning is the same, so
// dashboards built for Felix read calico-node too. Names that are ours alone
// start with calico_node_.
import { Counter, Gauge, Registry, Summary, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly calcUpdateTime: Summary;
  readonly calcUpdatesProcessed: Counter<'type'>;
  readonly calcOutputEvents: Counter;
  readonly applyTime: Summary;
  readonly dataplaneFailures: Counter;
  readonly dataplaneMessages: Counter<'type'>;
  readonly batchSize: Summary;
  readonly activeLocalEndpoints: Gauge;
  readonly activeLocalPolicies: Gauge;
  readonly activeLocalSelectors: Gauge;
  readonly ipsetsCalico: Gauge;
  readonly resyncState: Gauge;
  readonly resyncsStarted: Counter;
  readonly clusterWorkloadEndpoints: Gauge;
  readonly clusterHostEndpoints: Gauge;
  readonly clusterHosts: Gauge;
  readonly programmedRevision: Gauge;
  readonly datastoreRevision: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const quantiles = [0.5, 0.9, 0.99];
    this.calcUpdateTime = new Summary({ name: 'felix_calc_graph_update_time_seconds', help: 'Seconds to update calculation graph for each datastore OnUpdate call.', percentiles: quantiles, registers });
    this.calcUpdatesProcessed = new Counter({ name: 'felix_calc_graph_updates_processed', help: 'Number of datastore updates processed by the calculation graph.', labelNames: ['type'], registers });
    this.calcOutputEvents = new Counter({ name: 'felix_calc_graph_output_events', help: 'Number of events emitted by the calculation graph.', registers });
    this.applyTime = new Summary({ name: 'felix_int_dataplane_apply_time_seconds', help: 'Time in seconds that it took to apply a dataplane update.', percentiles: quantiles, registers });
    this.dataplaneFailures = new Counter({ name: 'felix_int_dataplane_failures', help: 'Number of times dataplane updates failed and will be retried.', registers });
    this.dataplaneMessages = new Counter({ name: 'felix_int_dataplane_messages', help: 'Number dataplane messages by type.', labelNames: ['type'], registers });
    this.batchSize = new Summary({ name: 'felix_int_dataplane_msg_batch_size', help: 'Number of messages processed in each batch.', percentiles: quantiles, registers });
    this.activeLocalEndpoints = new Gauge({ name: 'felix_active_local_endpoints', help: 'Number of active endpoints on this host.', registers });
    this.activeLocalPolicies = new Gauge({ name: 'felix_active_local_policies', help: 'Number of active policies on this host.', registers });
    this.activeLocalSelectors = new Gauge({ name: 'felix_active_local_selectors', help: 'Number of active selectors on this host.', registers });
    this.ipsetsCalico = new Gauge({ name: 'felix_ipsets_calico', help: 'Number of active Calico IP sets.', registers });
    this.resyncState = new Gauge({ name: 'felix_resync_state', help: 'Current datastore state (1 waiting for the datastore, 2 resync in progress, 3 in sync).', registers });
    this.resyncsStarted = new Counter({ name: 'felix_resyncs_started', help: 'Number of times Felix has started resyncing with the datastore.', registers });
    this.clusterWorkloadEndpoints = new Gauge({ name: 'felix_cluster_num_workload_endpoints', help: 'Total number of workload endpoints cluster-wide.', registers });
    this.clusterHostEndpoints = new Gauge({ name: 'felix_cluster_num_host_endpoints', help: 'Total number of host endpoints cluster-wide.', registers });
    this.clusterHosts = new Gauge({ name: 'felix_cluster_num_hosts', help: 'Total number of Calico hosts in the cluster (hosts with endpoints).', registers });
    this.programmedRevision = new Gauge({ name: 'calico_node_programmed_revision', help: 'Datastore revision whose state is fully programmed in the dataplane.', registers });
    this.datastoreRevision = new Gauge({ name: 'calico_node_datastore_revision', help: 'Latest datastore revision the agent has received.', registers });
  }
}
