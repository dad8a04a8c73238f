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
 * Connections to a real kask-ts: kept ones outliving the server's keep-alive timeout, and TLS.
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

	public function testTlsVerifiesTheServerWithTheCaFile(): void {
		$kask = new KaskServer( true );
		try {
			$trusting = new HttpClient( Options::fromArray( [ 'base_url' => $kask->baseUrl, 'ca_file' => $kask->caFile,
				'persistent' => false ] ) );
			$this->assertSame( 404, $trusting->request( 'GET', 'absent' )->status );

			$this->expectException( StoreUnavailable::class );
			( new HttpClient( Options::fromArray( [ 'base_url' => $kask->baseUrl, 'persistent' => false ] ) ) )
				->request( 'GET', 'absent' );
		} finally {
			$kask->remove();
		}
	}
}
