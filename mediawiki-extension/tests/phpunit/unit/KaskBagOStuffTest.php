<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\FakeHttpClient;
use MediaWiki\Extension\KaskStore\Tests\KaskBagOStuffTestBase;
use MediaWiki\Extension\KaskStore\Tests\WireScenarios;

/**
 * KaskBagOStuff on the wire, to a fake plain Kask (no PUT, PATCH, ETag or If-Match): what
 * KaskBagOStuffTestBase checks of both classes, then what only the emulation does.
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 */
class KaskBagOStuffTest extends KaskBagOStuffTestBase {
	protected function newCache( array $params ): KaskBagOStuff {
		return new KaskBagOStuff( $params );
	}

	protected function newServer(): FakeHttpClient {
		$kask = new FakeHttpClient();
		$kask->extensions = false;
		return $kask;
	}

	public static function provideWireScenarios(): array {
		return WireScenarios::casesFor( KaskBagOStuff::class );
	}

	public static function provideExpiries(): array {
		// Kask gives every write its default_ttl: the expiry is never sent
		return [
			'relative' => [ 60, null ],
			'absolute' => [ time() + 3600, null ],
			'in the past' => [ -5, null ],
			'indefinite' => [ BagOStuff::TTL_INDEFINITE, null ],
		];
	}

	/**
	 * A server with kask-ts's extensions would honour them: the emulation sends none.
	 *
	 * @dataProvider provideWireScenarios
	 * @param string $name
	 */
	public function testNoOperationSendsAnExtensionHeader( string $name ) {
		$kaskTs = new FakeHttpClient();

		WireScenarios::methodsOf( $name, $this->newBag( $kaskTs ), $kaskTs, self::KEY );

		foreach ( $kaskTs->requests() as $request ) {
			$this->assertArrayNotHasKey( 'cache-control', $request['headers'] );
			$this->assertArrayNotHasKey( 'if-match', $request['headers'] );
		}
		$this->assertNotSame( [], $kaskTs->requests() );
	}

	public function testTheCasTokenIsTheStoredBytesComparedUnderLock() {
		$client = $this->newServer();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );
		$client->clear();

		$this->assertTrue( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return $current + 1;
		} ) );

		$this->assertSame(
			[ 'GET', 'GET', 'POST', 'GET', 'POST', 'DELETE' ], $client->methods(),
			'read; lock(); read again and compare; write; unlock()'
		);
		$this->assertSame( 2, $bag->get( self::KEY ) );
	}
}
