<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Integration;

use KaskTs\PhpSession\HttpClient;
use KaskTs\PhpSession\Options;
use KaskTs\PhpSession\StoreUnavailable;
use KaskTs\PhpSession\Tests\KaskServer;
use PHPUnit\Framework\TestCase;

/**
 * Connections to a real kask-ts: kept ones outliving the server's keep-alive timeout, and TLS with
 * a client certificate.
 *
 * @covers \KaskTs\PhpSession\HttpClient
 */
class ConnectionTest extends TestCase {
	public function testAKeptConnectionTheServerClosedWhenIdleIsReplaced(): void {
		$kask = new KaskServer();
		try {
			$client = new HttpClient( Options::fromArray( [ 'base_url' => $kask->baseUrl ] ) );
			$this->assertSame( 404, $client->request( 'GET', 'absent' )->status );
			$first = $client->localAddress();

			// NOTE: Node.js closes an idle connection up to a second after keepAliveTimeout (keepAliveTimeoutBuffer)
			usleep( 1000 * ( KaskServer::KEEP_ALIVE_MS + 1500 ) );

			$this->assertSame( 201, $client->request( 'POST', 'k', [], 'v' )->status );
			$this->assertNotSame( $first, $client->localAddress() );
		} finally {
			$kask->remove();
		}
	}


	public function testTlsWithTheCaFileAndAClientCertificateIsServed(): void {
		$kask = new KaskServer( true );
		try {
			$this->assertSame( 404, $this->tlsClient( $kask, [] )->request( 'GET', 'absent' )->status );
		} finally {
			$kask->remove();
		}
	}

	public function testTlsWithoutTheCaFileRefusesTheServer(): void {
		$kask = new KaskServer( true );
		try {
			$this->expectException( StoreUnavailable::class );
			$this->tlsClient( $kask, [ 'ca_file' => null ] )->request( 'GET', 'absent' );
		} finally {
			$kask->remove();
		}
	}

	public function testTlsWithoutAClientCertificateIsAnswered401(): void {
		// kask-ts completes the handshake of a client without a certificate (a probe's), and refuses it the sessions
		$kask = new KaskServer( true );
		try {
			$this->assertSame( 401, $this->tlsClient( $kask, [ 'client_cert' => null, 'client_key' => null ] )
				->request( 'GET', 'absent' )->status );
		} finally {
			$kask->remove();
		}
	}

	/**
	 * @param KaskServer $kask
	 * @param array<string,null> $without Options left out
	 * @return HttpClient
	 */
	private function tlsClient( KaskServer $kask, array $without ): HttpClient {
		return new HttpClient( Options::fromArray( $without + [ 'base_url' => $kask->baseUrl, 'ca_file' => $kask->caFile,
			'client_cert' => $kask->clientCert, 'client_key' => $kask->clientKey, 'persistent' => false ] ) );
	}
}
