// Public surface of calico-node for other components (the lab, tests): the
// status contract and how to wait on it, and the agent itself for in-process use.
export { Agent, type AgentDataplane, type AgentOptions, type ApplyResult } from './agent.js';
export { LinuxDataplaneDriver } from './dataplane-driver.js';
export { loadAgentConfig, DEFAULT_HEALTH_PORT, DEFAULT_METRICS_PORT, type AgentConfig, type CliOptions } from './config.js';
export { readStatus, waitForRevision, waitForSync, writeStatusFile, type AgentStatus, type WaitOptions } from './status.js';
