// The command line's little languages: `k=v,…` labels and `[name=]proto:port,…` ports.
import { CalicoError } from '../api/errors.js';
import type { ServePort } from './state.js';

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new CalicoError('invalid-value', `label "${part}" must be written key=value`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!LABEL_KEY.test(key)) throw new CalicoError('invalid-value', `label key "${key}" is not a valid Kubernetes label key`);
    if (!LABEL_VALUE.test(value)) throw new CalicoError('invalid-value', `label value "${value}" (of ${key}) is not a valid Kubernetes label value`);
    out[key] = value;
  }
  return out;
}

const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

export function parseServe(text: string): ServePort[] {
  const out: ServePort[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^(?:([^=]+)=)?(tcp|udp):(\d+)$/i.exec(part);
    if (m === null) throw new CalicoError('invalid-value', `port "${part}" must be written [name=]tcp:PORT or [name=]udp:PORT`);
    const [, name, proto, portText] = m;
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new CalicoError('invalid-value', `port ${port} in "${part}" must be 1 to 65535`);
    if (name !== undefined && !PORT_NAME.test(name)) {
      throw new CalicoError('invalid-value', `port name "${name}" must be at most 15 lower-case letters, digits or '-', with at least one letter`);
    }
    const protocol = (proto ?? '').toLowerCase() as 'tcp' | 'udp';
    if (out.some((p) => p.protocol === protocol && p.port === port)) throw new CalicoError('invalid-value', `port ${protocol}:${port} is given twice`);
    out.push({ ...(name === undefined ? {} : { name }), protocol, port });
  }
  return out;
}
