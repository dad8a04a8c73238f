import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';

// The vocabulary the configuration is described in: each rule parses one key's value, gives its default and its
// description (for the generated documentation), and refuses a value it cannot use with a ConfigError naming the key.

/** A configuration file that cannot be used; the message names the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where a configuration is read from: what a relative path of kask-ts's own keys leads from. */
export interface Origin {
  /** The configuration file's directory; without a file, the working directory. */
  readonly directory: string;
}

export interface Rule<T> {
  readonly description: string;
  /** Shown in documentation; `undefined` for optional keys without a default. */
  readonly default: T;
  parse(value: unknown, key: string, origin: Origin): T;
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

/**
 * A file the service reads at start-up (certificates, keys): unreadable is a configuration error naming the key and
 * the absolute path, not a crash later. Kask's keys name these files, and a relative path leads from the working
 * directory, as Kask reads it.
 */
export function readableFile(path: string, key: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    const relative = isAbsolute(path) ? '' : ' (a relative path leads from the working directory, as in Kask)';
    fail(key, `cannot read ${resolve(path)}${relative}: ${(error as Error).message}`);
  }
}

/**
 * A directory the service keeps its own files in (kask-ts's key, not Kask's), parsed to its absolute path: a relative
 * one leads from the configuration file's directory, as operators expect of a file that names paths (without a file,
 * from the working directory). Every reader of the configuration (the server, each worker, `kask-ts truncate`) sees
 * the one path, whatever its own working directory.
 */
export function directory(description: string, defaultValue: string): Rule<string> {
  const rule = string(description, defaultValue);
  return {
    description,
    default: defaultValue,
    parse: (value, key, origin) => resolve(origin.directory, rule.parse(value, key, origin)),
  };
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

/** A number from 0 to 1. */
export function fraction(description: string, defaultValue: number): Rule<number> {
  return {
    description,
    default: defaultValue,
    parse(value, key) {
      if (value === undefined || value === null) return defaultValue;
      if (typeof value !== 'number' || !(value >= 0 && value <= 1))
        fail(key, `must be a number from 0 to 1 (got ${JSON.stringify(value)})`);
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
    parse(value, key, origin) {
      if (value === undefined || value === null) fail(key, 'is required');
      return rule.parse(value, key, origin);
    },
  };
}

export function optionalInteger(description: string, min: number, max = Number.MAX_SAFE_INTEGER): Rule<number | undefined> {
  const rule = integer(description, 0, min, max);
  return {
    description,
    default: undefined,
    parse: (value, key, origin) => (value === undefined || value === null ? undefined : rule.parse(value, key, origin)),
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
