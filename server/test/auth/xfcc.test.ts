import { describe, expect, it } from 'vitest';
import { distinguishedNameValues, parseXfcc, xfccClientNames } from '../../src/auth/xfcc.js';

describe('X-Forwarded-Client-Cert', () => {
  it('parses elements of ;-separated pairs, keys lower-cased, in order', () => {
    expect(
      parseXfcc('By=spiffe://proxy;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=spiffe://client'),
    ).toEqual([
      [
        ['by', 'spiffe://proxy'],
        ['hash', '468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688'],
        ['uri', 'spiffe://client'],
      ],
    ]);
  });

  it('reads quoted values with , ; = inside, and \\" as a quote', () => {
    expect(parseXfcc('Subject="CN=a;b,O=c=d";DNS=x,Subject="CN=say \\"hi\\""')).toEqual([
      [
        ['subject', 'CN=a;b,O=c=d'],
        ['dns', 'x'],
      ],
      [['subject', 'CN=say "hi"']],
    ]);
  });

  it('keeps every other backslash of a quoted value, for the distinguished name it holds', () => {
    expect(parseXfcc('Subject="CN=a\\,b"')).toEqual([[['subject', 'CN=a\\,b']]]);
    expect(xfccClientNames('Subject="CN=a\\,b"')).toEqual(['a,b']);
  });

  it('accepts the spaces that joining several header lines adds', () => {
    expect(parseXfcc('URI=spiffe://a, URI=spiffe://b')).toEqual([[['uri', 'spiffe://a']], [['uri', 'spiffe://b']]]);
  });

  it.each([
    ['an unclosed quote', 'Subject="CN=a'],
    ['an unquoted value with =', 'Subject=CN=a'],
    ['an unquoted value with a quote', 'URI=a"b'],
    ['text after a quoted value', 'Subject="CN=a"x'],
    ['a pair without =', 'URI'],
    ['an empty key', '=x'],
    ['an empty value', 'URI='],
    ['an empty element', 'URI=a,,URI=b'],
    ['a trailing comma', 'URI=a,'],
    ['a trailing semicolon', 'URI=a;'],
    ['an empty header', ''],
  ])('%s is malformed: no elements at all', (_what, header) => {
    expect(parseXfcc(header)).toBeUndefined();
    expect(xfccClientNames(header)).toBeUndefined();
  });

  it("names the client of the last element only: the one the trusted proxy added (Envoy's APPEND_FORWARD)", () => {
    const header =
      'By=spiffe://edge;URI=spiffe://forged-by-the-client,By=spiffe://sidecar;Subject="CN=mw,O=WMF";URI=spiffe://wiki/mw;DNS=mw1.eqiad;DNS=mw.svc';
    expect(xfccClientNames(header)).toEqual(['mw', 'mw1.eqiad', 'mw.svc', 'spiffe://wiki/mw']);
  });

  it('an element that names nobody (By and Hash only), or a malformed Subject, gives no names', () => {
    expect(xfccClientNames('By=spiffe://proxy;Hash=abc')).toBeUndefined();
    expect(xfccClientNames('Subject="CN=a\\";URI=spiffe://x')).toBeUndefined();
    expect(xfccClientNames('Subject="O=no common name"')).toBeUndefined();
  });

  it('a URI-shaped CN or DNS name is no name, nor a URI without a scheme (client-names.ts)', () => {
    expect(xfccClientNames('Subject="CN=spiffe://wiki/mw";URI=spiffe://wiki/other')).toEqual(['spiffe://wiki/other']);
    expect(xfccClientNames('DNS=spiffe://wiki/mw;URI=mediawiki')).toBeUndefined();
  });

  it('is case-insensitive in its keys', () => {
    expect(xfccClientNames('subject="cn=lower";uri=spiffe://u')).toEqual(['lower', 'spiffe://u']);
  });

  it('gives names as a certificate does: CN and DNS names lower-cased, a URI’s scheme and host only', () => {
    expect(xfccClientNames('Subject="CN=MediaWiki.SVC";DNS=MW1.Eqiad;URI=SPIFFE://Wiki/MediaWiki')).toEqual([
      'mediawiki.svc',
      'mw1.eqiad',
      'spiffe://wiki/MediaWiki',
    ]);
  });
});

describe('distinguished names as Envoy prints them (RFC 4514)', () => {
  it('finds every CN, multi-valued RDNs included', () => {
    expect(distinguishedNameValues('CN=a,OU=b,CN=c+UID=d', 'CN')).toEqual(['a', 'c']);
  });

  it('unescapes special characters and hex pairs of UTF-8', () => {
    expect(distinguishedNameValues('CN=Jos\\C3\\A9\\, Jr.,O=x\\+y', 'CN')).toEqual(['José, Jr.']);
    expect(distinguishedNameValues('CN=José 😀', 'CN')).toEqual(['José 😀']);
  });

  it.each([
    ['a dangling backslash', 'CN=a\\'],
    ['escaped bytes that are not UTF-8', 'CN=\\FF'],
    ['an attribute without =', 'CN=a,OU'],
    ['a bad attribute type', 'C N=a'],
  ])('%s is malformed', (_what, name) => {
    expect(distinguishedNameValues(name, 'CN')).toBeUndefined();
  });

  it('a value given as a hex dump of its encoding (#...) names nobody', () => {
    expect(distinguishedNameValues('CN=#0c0161', 'CN')).toEqual([]);
  });
});
