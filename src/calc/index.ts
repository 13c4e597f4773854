// Public surface of the calculation graph.
export { CalcGraph, type CalcEvent, type CalcGraphOptions, type CalcGraphStats } from './graph.js';
export type * from './types.js';
export { policyIdString } from './types.js';
