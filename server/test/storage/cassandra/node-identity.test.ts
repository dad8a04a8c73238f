import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { ContactPointNames, nodeIdentityError } from '../../../src/storage/cassandra/tls.js';

/** The fields of a peer certificate that a name check reads. */
function certificate(subjectaltname: string | undefined, cn = 'node'): PeerCertificate {
  return { subject: { CN: cn }, subjectaltname } as unknown as PeerCertificate;
}

describe("a Cassandra node's identity, with enable_host_verification", () => {
  it('a certificate naming the address the driver connected to is the node (what gocql checks)', () => {
    expect(nodeIdentityError('10.64.0.5', certificate('IP Address:10.64.0.5'), [])).toBeUndefined();
  });

  it('a certificate naming a configured host name that resolves to the address is the node', () => {
    const names = ['sessionstore1001-a.eqiad.wmnet'];
    expect(nodeIdentityError('10.64.0.5', certificate('DNS:sessionstore1001-a.eqiad.wmnet'), names)).toBeUndefined();
    expect(nodeIdentityError('10.64.0.5', certificate('DNS:*.eqiad.wmnet'), names)).toBeUndefined();
  });

  it('a certificate for another host, or for another address, is not the node, and the error says what it names', () => {
    const other = nodeIdentityError('10.64.0.5', certificate('DNS:sessionstore1002-a.eqiad.wmnet'), [
      'sessionstore1001-a.eqiad.wmnet',
    ]);
    expect(other?.message).toBe(
      'cassandra node 10.64.0.5: its certificate names DNS:sessionstore1002-a.eqiad.wmnet, not that address ' +
        '(nor sessionstore1001-a.eqiad.wmnet); list the node in cassandra.hosts by a name its certificate carries, ' +
        'or set cassandra.tls.enable_host_verification: false',
    );
    expect(nodeIdentityError('10.64.0.5', certificate('IP Address:10.64.0.6'), [])?.message).toContain(
      'no cassandra.hosts name resolves to it',
    );
    expect(nodeIdentityError('10.64.0.5', certificate(undefined, 'sessionstore1001'), [])?.message).toContain(
      'its certificate names CN=sessionstore1001',
    );
  });
});

describe('the configured host names by the addresses they resolve to', () => {
  it('leads an address back to the configured names that resolve to it; addresses in hosts need no name', async () => {
    const names = new ContactPointNames(['localhost', '10.64.0.5']);
    expect(names.namesAt('127.0.0.1')).toEqual([]);
    await names.refresh();
    expect(names.namesAt('127.0.0.1')).toEqual(['localhost']);
    expect(names.namesAt('10.64.0.5')).toEqual([]);
  });

  it('a name that does not resolve leads nowhere and fails nothing', async () => {
    const names = new ContactPointNames(['no-such-host.invalid']);
    await names.refresh();
    expect(names.namesAt('127.0.0.1')).toEqual([]);
  });

  it('an address nothing led to makes the names resolve again in the background (a node that moved)', async () => {
    const names = new ContactPointNames(['localhost']);
    // Never refreshed: the first unknown address starts a resolution, and the next look finds the name.
    expect(names.namesAt('127.0.0.1')).toEqual([]);
    for (let attempt = 0; attempt < 50 && names.namesAt('127.0.0.1').length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(names.namesAt('127.0.0.1')).toEqual(['localhost']);
  });
});
