// CNI error results: the specification's well-known codes, and one error type
// that carries a code to the runtime. Everything a plugin fails with ends up
// as `{cniVersion, code, msg, details}` on stdout and a non-zero exit.
import { CalicoError } from '../api/errors.js';

/** Error codes of the CNI specification (SPEC.md "Error"), plus the plugin range. */
export const CniCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidNetworkConfig: 7,
  invalidNetns: 8,
  tryAgainLater: 11,
  pluginNotAvailable: 50,
  limitedConnectivity: 51,
  /** Calico's code for CLI-flag and connection-test failures. */
  calicoFlags: 100,
  /** libcni's ErrInternal: what upstream reports for any plain error. */
  internal: 999,
} as const;

export type CniCodeValue = (typeof CniCode)[keyof typeof CniCode] | number;

export class CniError extends Error {
  readonly code: CniCodeValue;
  readonly details: string;

  constructor(code: CniCodeValue, msg: string, details = '') {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

/**
 * The CNI code for anything thrown: a CniError keeps its own; datastore and
 * IPAM errors map to the nearest spec code so a runtime can tell "retry" from
 * "broken configuration"; the rest is upstream's 999.
 */
export function toCniError(err: unknown, context?: string): CniError {
  if (err instanceof CniError) return context === undefined ? err : new CniError(err.code, `${context}: ${err.message}`, err.details);
  const prefix = context === undefined ? '' : `${context}: `;
  if (err instanceof CalicoError) {
    const code =
      err.code === 'unavailable' || err.code === 'conflict'
        ? CniCode.tryAgainLater
        : err.code === 'invalid-value' || err.code === 'required'
          ? CniCode.invalidNetworkConfig
          : CniCode.internal;
    return new CniError(code, `${prefix}${err.message}`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CniError(CniCode.internal, `${prefix}${message}`);
}

export function errorJson(err: CniError, cniVersion: string): string {
  const out: Record<string, unknown> = { cniVersion, code: err.code, msg: err.message };
  if (err.details !== '') out['details'] = err.details;
  return JSON.stringify(out, null, 2);
}
