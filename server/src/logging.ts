import type { LoggerOptions } from 'pino';
import type { Config } from './config.js';

const pinoLevels = { debug: 'debug', info: 'info', warning: 'warn', error: 'error', fatal: 'fatal' } as const;
const kaskLevels: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'FATAL',
};

/**
 * Log lines as Kask writes them: one JSON object per line with msg, appname, time (RFC 3339), level and,
 * inside a request, request_id. Requests themselves are not logged: their URLs hold session keys.
 */
export function loggerOptions(config: Config): LoggerOptions {
  return {
    level: pinoLevels[config.log_level],
    messageKey: 'msg',
    base: { appname: config.service_name },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: kaskLevels[label] ?? label.toUpperCase() }) },
  };
}

/** What may be logged of an error: its class and message, never objects that could carry a key or value. */
export function describeError(error: unknown): { error_class: string; error_message: string } {
  if (error instanceof Error) return { error_class: error.constructor.name, error_message: error.message };
  return { error_class: typeof error, error_message: String(error) };
}
