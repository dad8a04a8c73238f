import { clientNames } from './client-names.js';
// Envoy's X-Forwarded-Client-Cert header: what a TLS-terminating proxy says about the client certificate it
// verified. The header is comma-separated elements, one per proxy that handled the request; each element is
// `;`-separated key=value pairs (By, Hash, Cert, Chain, Subject, URI, DNS; keys case-insensitive); a value
// holding `,`, `;` or `=` is double-quoted, with `"` inside escaped as `\"`.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert

/** One element of the header: its pairs in order, keys lower-cased (DNS and URI may repeat). */
export type XfccElement = readonly (readonly [key: string, value: string])[];

const whitespace = /[ \t]/;
const keyToken = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The header's elements, or undefined when any part of it is malformed (nothing in it is then believed). */
export function parseXfcc(header: string): XfccElement[] | undefined {
  const elements: XfccElement[] = [];
  let pairs: [string, string][] = [];
  let at = 0;
  const skipWhitespace = () => {
    while (at < header.length && whitespace.test(header[at] as string)) at++;
  };
  for (;;) {
    skipWhitespace();
    const equals = header.indexOf('=', at);
    if (equals === -1) return undefined;
    const key = header.slice(at, equals).trim();
    if (!keyToken.test(key)) return undefined;
    at = equals + 1;
    let value = '';
    if (header[at] === '"') {
      at++;
      for (;;) {
        const quote = header.indexOf('"', at);
        if (quote === -1) return undefined;
        // Only a quote is escaped; any other backslash is the value's own (a DN's escapes: `CN=a\,b`).
        if (header[quote - 1] === '\\') {
          value += `${header.slice(at, quote - 1)}"`;
          at = quote + 1;
        } else {
          value += header.slice(at, quote);
          at = quote + 1;
          break;
        }
      }
    } else {
      const end = header.slice(at).search(/[,;]/);
      value = (end === -1 ? header.slice(at) : header.slice(at, at + end)).trim();
      at = end === -1 ? header.length : at + end;
      // Unquoted values cannot hold these: they would have been quoted.
      if (/["=]/.test(value)) return undefined;
    }
    if (value === '') return undefined;
    pairs.push([key.toLowerCase(), value]);
    skipWhitespace();
    if (at >= header.length) {
      elements.push(pairs);
      return elements;
    }
    const separator = header[at];
    at++;
    if (separator === ',') {
      elements.push(pairs);
      pairs = [];
    } else if (separator !== ';') {
      return undefined;
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The value of an attribute that starts at `from` in a distinguished name, unescaped, and where it ends; undefined when malformed. */
function attributeValue(name: string, from: number): { text: string; end: number } | undefined {
  const separator = name.slice(from).search(/[,+\\]/);
  if (separator === -1) return { text: name.slice(from), end: name.length };
  // No escapes (the usual case): the text up to the separator, as it is.
  if (name[from + separator] !== '\\') return { text: name.slice(from, from + separator), end: from + separator };
  const bytes: number[] = [];
  let at = from;
  const take = (index: number) => {
    const char = String.fromCodePoint(name.codePointAt(index) as number);
    bytes.push(...Buffer.from(char));
    return char.length;
  };
  while (at < name.length && name[at] !== ',' && name[at] !== '+') {
    if (name[at] !== '\\') {
      at += take(at);
    } else if (/^[0-9A-Fa-f]{2}$/.test(name.slice(at + 1, at + 3))) {
      bytes.push(Number.parseInt(name.slice(at + 1, at + 3), 16));
      at += 3;
    } else if (at + 1 < name.length) {
      at += 1 + take(at + 1);
    } else {
      return undefined;
    }
  }
  try {
    return { text: utf8.decode(Uint8Array.from(bytes)), end: at };
  } catch {
    return undefined;
  }
}

/**
 * The values of the attributes named `type` (CN, ...) in an RFC 4514 distinguished name as Envoy prints it
 * (`CN=client,OU=x,O=y`; `\` escapes a special character or two hex digits of UTF-8); undefined when malformed.
 */
export function distinguishedNameValues(name: string, type: string): string[] | undefined {
  const values: string[] = [];
  let at = 0;
  for (;;) {
    const equals = name.indexOf('=', at);
    if (equals === -1) return undefined;
    const attribute = name.slice(at, equals).trim();
    if (!/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)*$/.test(attribute)) return undefined;
    const value = attributeValue(name, equals + 1);
    if (value === undefined) return undefined;
    // `#` starts a hex dump of the DER value, which names nobody.
    const { text } = value;
    if (attribute.toUpperCase() === type.toUpperCase() && text !== '' && !text.startsWith('#')) values.push(text);
    if (value.end >= name.length) return values;
    at = value.end + 1;
  }
}

/**
 * The names the last element of the header gives its client: the subject's CN, then DNS, then URI names.
 * The last element is the one the proxy we trust added (Envoy appends its own to what it received, or replaces
 * the header with it); earlier ones came from further away, where anyone may have written them.
 * Undefined when the header is malformed or its last element names nobody.
 */
export function xfccClientNames(header: string): string[] | undefined {
  const last = parseXfcc(header)?.at(-1);
  if (last === undefined) return undefined;
  const commonAndDnsNames: string[] = [];
  for (const [key, value] of last) {
    if (key !== 'subject') continue;
    const commonNames = distinguishedNameValues(value, 'CN');
    if (commonNames === undefined) return undefined;
    commonAndDnsNames.push(...commonNames);
  }
  const ofKey = (wanted: string) => last.filter(([key]) => key === wanted).map(([, value]) => value);
  const names = clientNames([...commonAndDnsNames, ...ofKey('dns')], ofKey('uri'));
  return names.length === 0 ? undefined : names;
}
