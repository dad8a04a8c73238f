import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';

// The vocabulary the configuration is described in: each rule parses one key's value, gives its default and its
// description (for the generated documentation), and refuses a value it cannot use with a ConfigError naming the key.

/** A configuration file that cannot be used; the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Rule<T> {
  readonly description: string;
  /** Shown in documentation; `undefined` for optional keys without a default. */
  readonly default: T;
  parse(value: unknown, key: string): T;
}

export type Shape = Record<string, Rule<unknown>>;
export type Parsed<S extends Shape> = { readonly [K in keyof S]: ReturnType<S[K]['parse']> };
export type Check<T> = (value: T, key: string) => void;

export function fail(key: string, message: string): never {
  throw new ConfigError(`${key}: ${message}`);
}

export function string(description: string, defaultValue: string, check?: Check<string>): Rule<string> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string');
      check?.(value, key);
      return value;
    },
  };
}

export function optionalString(description: string, check?: Check<string>): Rule<string | undefined> {
  return {
    description,
    default: undefined,
    parse(value, key) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string');
      check?.(value, key);
      return value;
    },
  };
}

/** A file the service reads at start-up (certificates, keys): unreadable is a configuration error naming the key, not a crash later. */
export function readableFile(path: string, key: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    fail(key, `cannot read ${path}: ${(error as Error).message}`);
  }
}

export function integer(description: string, defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER): Rule<number> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        fail(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
      }
      return value;
    },
  };
}

/** A key that must be given: `rule` parses it, and the documentation says it is required. */
export function required<T>(rule: Rule<T>): Rule<T> & { required: true } {
  return {
    description: rule.description,
    default: rule.default,
    required: true,
    parse(value, key) {
      if (value === undefined || value === null) fail(key, 'is required');
      return rule.parse(value, key);
    },
  };
}

export function optionalInteger(description: string, min: number, max = Number.MAX_SAFE_INTEGER): Rule<number | undefined> {
  const rule = integer(description, 0, min, max);
  return {
    description,
    default: undefined,
    parse: (value, key) => (value === undefined || value === null ? undefined : rule.parse(value, key)),
  };
}

export function boolean(description: string, defaultValue: boolean): Rule<boolean> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'boolean') fail(key, `must be true or false (got ${JSON.stringify(value)})`);
      return value;
    },
  };
}

export function oneOf<const T extends string>(description: string, choices: readonly T[], defaultValue: T): Rule<T> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (!choices.includes(value as T)) fail(key, `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
      return value as T;
    },
  };
}

export function stringList<D extends readonly string[] | undefined>(
  description: string,
  defaultValue: D,
  check?: Check<string>,
): Rule<readonly string[] | D> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
        fail(key, 'must be a non-empty list of non-empty strings');
      }
      for (const item of value) check?.(item, key);
      return Object.freeze([...value]);
    },
  };
}

export function ipAddress(value: string, key: string): void {
  if (isIP(value) === 0) fail(key, `must list IP addresses (got ${JSON.stringify(value)})`);
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
