// JSON logs on stdout, one object a line; every caller logs through a child
// logger naming its component (syncer, calc, dataplane, main).
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export function agentLogger(level: LogLevel, hostname: string): Logger {
  // Synchronous writes: the last lines before an exit (a fatal error, SIGTERM) are not lost.
  return pino(
    { level, base: { pid: process.pid, hostname }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
}
