// Public surface of the calculation graph.
export { CalcGraph, type CalcEvent, type CalcGraphOptions, type CalcGraphStats } from './graph.js';
export { CALC_KINDS } from './convert.js';
export type * from './types.js';
export { policyIdString } from './types.js';
