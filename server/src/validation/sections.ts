import { type Check, fail, isMapping, type Parsed, type Rule, type Shape } from './rules.js';

// Rules made of rules: a section of keys (`cassandra.tls.*`), a mapping of names the operator chooses to sections
// of one shape (`namespaces.<name>.*`), and checks across a section's keys.

/** A section's rule, with the rules of its keys for documentation. */
export type SectionRule<T> = Rule<T> & { readonly shape: Shape };

/** Both keys or neither, as Kask requires of certificate/key and username/password pairs. */
export function bothOrNeither<T extends object>(a: keyof T & string, b: keyof T & string): Check<T> {
  return (value, key) => {
    if ((value[a] === undefined) !== (value[b] === undefined)) fail(key, `${a} and ${b} must be given together`);
  };
}

export function section<S extends Shape>(
  description: string,
  shape: S,
  check?: Check<Parsed<S>>,
): Rule<Parsed<S>> & { shape: S } {
  return {
    description,
    shape,
    // What a section without keys parses to; the documentation lists its keys' own defaults instead.
    get default() {
      return this.parse(undefined, '', { directory: '.' });
    },
    parse(value, key, origin) {
      if (value === null || value === undefined) value = {};
      if (!isMapping(value)) fail(key, 'must be a mapping');
      const input = value as Record<string, unknown>;
      const prefix = key === '' ? '' : `${key}.`;
      for (const name of Object.keys(input)) {
        if (!Object.hasOwn(shape, name)) fail(`${prefix}${name}`, 'is not a known configuration key');
      }
      const result: Record<string, unknown> = {};
      for (const [name, rule] of Object.entries(shape)) result[name] = rule.parse(input[name], `${prefix}${name}`, origin);
      const parsed = Object.freeze(result) as Parsed<S>;
      check?.(parsed, key === '' ? '(top level)' : key);
      return parsed;
    },
  };
}

/** A mapping of names chosen by the operator to sections of one shape (`namespaces.<name>.*`). */
export function mapOf<S extends Shape>(
  description: string,
  entry: Rule<Parsed<S>> & { shape: S },
  checkName: Check<string>,
): Rule<ReadonlyMap<string, Parsed<S>> | undefined> & { entry: typeof entry } {
  return {
    description,
    entry,
    default: undefined,
    parse(value, key, origin) {
      if (value === undefined || value === null) return undefined;
      if (!isMapping(value) || Object.keys(value).length === 0) fail(key, 'must be a mapping of at least one name');
      const entries = Object.entries(value).map(([name, settings]) => {
        checkName(name, `${key}.${name}`);
        return [name, entry.parse(settings, `${key}.${name}`, origin)] as const;
      });
      return new Map(entries);
    },
  };
}
