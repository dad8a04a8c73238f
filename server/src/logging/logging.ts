import type { LoggerOptions } from 'pino';

const pinoLevels = { debug: 'debug', info: 'info', warning: 'warn', error: 'error', fatal: 'fatal' } as const;

/** Kask's log levels, the lowest first: the values of `log_level`. */
export const logLevels = Object.keys(pinoLevels) as (keyof typeof pinoLevels)[];

/** The configuration's keys about logging. */
interface LogSettings {
  readonly log_level: keyof typeof pinoLevels;
  readonly service_name: string;
}
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
 * inside a request, request_id. No URL is logged: URLs hold session keys (the access log writes routes).
 */
export function loggerOptions(config: LogSettings): LoggerOptions {
  return {
    level: pinoLevels[config.log_level],
    messageKey: 'msg',
    base: { appname: config.service_name },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: kaskLevels[label] ?? label.toUpperCase() }) },
  };
}

// Some drivers' messages embed their inner errors' stacks: the first line says what happened.
const messageLimit = 500;

/** What may be logged of an error: its class and the first line of its message, never objects that could carry a key or value. */
export function describeError(error: unknown): { error_class: string; error_message: string } {
  const message = error instanceof Error ? error.message : String(error);
  return {
    error_class: error instanceof Error ? error.constructor.name : typeof error,
    error_message: (message.split('\n', 1)[0] ?? '').slice(0, messageLimit),
  };
}
