<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Integration;

use ArrayObject;
use BagOStuff;
use MediaWiki\Extension\KaskStore\ClientCertificateHttpClient;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\InjectionProbe;
use MediaWiki\Extension\KaskStore\Tests\KaskServerTestCase;
use Psr\Log\LogLevel;
use RESTBagOStuff;

/**
 * MediaWiki's stock RESTBagOStuff (configured like Wikimedia's production sessions) and
 * KaskBagOStuff share one server: each reads, overwrites and deletes what the other wrote,
 * so a wiki can switch classes without logging anyone out. The one exception is deliberate: an
 * unsigned PHP value holding objects, which RESTBagOStuff unserializes whoever wrote it.
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\ValueEnvelope
 */
class RestBagOStuffInteropTest extends KaskServerTestCase {
	public static function provideConfigurations(): array {
		return [
			'PHP, no HMAC' => [ 'PHP', '' ],
			'PHP with HMAC (Wikimedia sessions)' => [ 'PHP', 'a shared hmac secret' ],
			'JSON, no HMAC (Wikimedia echoseen)' => [ 'JSON', '' ],
			'JSON with HMAC' => [ 'JSON', 'a shared hmac secret' ],
		];
	}

	/**
	 * @param string $type
	 * @param string $hmacKey
	 * @return BagOStuff[] [ stock RESTBagOStuff, KaskBagOStuff ]
	 */
	private function newPair( string $type, string $hmacKey ): array {
		$common = [
			'url' => $this->baseUrl,
			'serialization_type' => $type,
			'hmac_key' => $hmacKey,
			'keyspace' => 'my_wiki',
		];
		$stock = new RESTBagOStuff( $common + [
			// RESTBagOStuff's own client cannot present a certificate
			'client' => new ClientCertificateHttpClient( self::tlsParams() + [ 'reqTimeout' => 3 ] ),
			'httpParams' => [
				'readHeaders' => [],
				'writeHeaders' => [ 'content-type' => 'application/octet-stream' ],
				'deleteHeaders' => [],
				'writeMethod' => 'POST',
			],
			'extendedErrorBodyFields' => [ 'type', 'title', 'detail', 'instance' ],
		] );
		$ours = new KaskBagOStuff( $common + self::tlsParams() + [ 'logger' => $this->logger ] );
		return [ $stock, $ours ];
	}

	/**
	 * @return array A value shaped like a MediaWiki session
	 */
	private static function sessionValue(): array {
		return [
			'data' => [
				'wsUserID' => 1,
				'wsUserName' => 'Admin',
				'wsToken' => bin2hex( random_bytes( 16 ) ),
				'wsEditToken' => bin2hex( random_bytes( 16 ) ) . '+\\',
			],
			'metadata' => [
				'userId' => 1,
				'userName' => 'Admin',
				'userToken' => bin2hex( random_bytes( 16 ) ),
				'provider' => 'MediaWiki\\Session\\CookieSessionProvider',
				'providerMetadata' => null,
				'persisted' => true,
				'expires' => time() + 3600,
			],
		];
	}

	/**
	 * @dataProvider provideConfigurations
	 */
	public function testKaskBagOStuffReadsWhatRestBagOStuffWrote( string $type, string $hmacKey ) {
		[ $stock, $ours ] = $this->newPair( $type, $hmacKey );
		$key = $stock->makeKey( 'MWSession', bin2hex( random_bytes( 16 ) ) );
		$value = self::sessionValue();

		$this->assertTrue( $stock->set( $key, $value ) );

		$this->assertSame( $value, $ours->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $ours->getLastError() );
	}

	/**
	 * @dataProvider provideConfigurations
	 */
	public function testRestBagOStuffReadsWhatKaskBagOStuffWrote( string $type, string $hmacKey ) {
		[ $stock, $ours ] = $this->newPair( $type, $hmacKey );
		$key = $ours->makeKey( 'MWSession', bin2hex( random_bytes( 16 ) ) );
		$value = self::sessionValue();

		$this->assertTrue( $ours->set( $key, $value ) );

		$this->assertSame( $value, $stock->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $stock->getLastError() );
	}

	/**
	 * @dataProvider provideConfigurations
	 */
	public function testBothClassesStoreTheSameBytes( string $type, string $hmacKey ) {
		[ $stock, $ours ] = $this->newPair( $type, $hmacKey );
		$stockKey = $this->uniqueKey( 'stock' );
		$ourKey = $this->uniqueKey( 'ours' );
		$value = self::sessionValue();

		$stock->set( $stockKey, $value );
		$ours->set( $ourKey, $value );

		[ $stockStatus, $stockBytes ] = $this->rawRequest( 'GET', $stockKey );
		[ $ourStatus, $ourBytes ] = $this->rawRequest( 'GET', $ourKey );
		$this->assertSame( [ 200, 200 ], [ $stockStatus, $ourStatus ] );
		$this->assertSame( $stockBytes, $ourBytes );
		$this->assertStringStartsWith( "$type.", $ourBytes );
	}

	/**
	 * @dataProvider provideConfigurations
	 */
	public function testOverwritesAndDeletesAreSeenByTheOtherClass( string $type, string $hmacKey ) {
		[ $stock, $ours ] = $this->newPair( $type, $hmacKey );
		$key = $stock->makeKey( 'MWSession', bin2hex( random_bytes( 16 ) ) );

		$stock->set( $key, [ 'version' => 1 ] );
		$ours->set( $key, [ 'version' => 2 ] );
		$this->assertSame( [ 'version' => 2 ], $stock->get( $key ) );

		$this->assertTrue( $stock->delete( $key ) );
		$this->assertFalse( $ours->get( $key ) );

		$ours->set( $key, [ 'version' => 3 ] );
		$this->assertTrue( $ours->delete( $key ) );
		$this->assertFalse( $stock->get( $key ) );
	}

	public function testAMismatchedHmacKeyReadsAsMissInBothDirections() {
		[ $stock ] = $this->newPair( 'PHP', 'key one' );
		[ , $ours ] = $this->newPair( 'PHP', 'key two' );
		$key = $this->uniqueKey();

		$stock->set( $key, 'from stock' );
		$this->assertFalse( $ours->get( $key ) );

		$ours->set( $key, 'from ours' );
		$this->assertFalse( $stock->get( $key ) );
	}

	public function testBinaryPhpStringsCrossInBothDirections() {
		[ $stock, $ours ] = $this->newPair( 'PHP', 'secret' );
		$value = "\0\x01\xff\xfe..\r\n" . random_bytes( 64 );
		$key = $this->uniqueKey();

		$stock->set( $key, $value );
		$this->assertSame( $value, $ours->get( $key ) );

		$ours->set( $key, strrev( $value ) );
		$this->assertSame( strrev( $value ), $stock->get( $key ) );
	}

	/**
	 * Objects in what RESTBagOStuff wrote read back when the values are signed, as the stock
	 * class reads them; unsigned, they read as a miss, logged, since anyone who can write to
	 * the store could have written them.
	 */
	public function testObjectsWrittenByRestBagOStuffAreReadOnlyWhenSigned() {
		$value = [ 'data' => [ 'list' => new ArrayObject( [ 1, 2 ] ) ] ];
		$key = $this->uniqueKey();

		[ $stock, $ours ] = $this->newPair( 'PHP', 'a shared hmac secret' );
		$stock->set( $key, $value );
		$this->assertEquals( $value, $ours->get( $key ) );

		[ $stock, $ours ] = $this->newPair( 'PHP', '' );
		$stock->set( $key, $value );
		$this->assertEquals( $value, $stock->get( $key ) );
		$this->assertFalse( $ours->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $ours->getLastError() );
		$this->assertCount( 1, $this->logger->at( LogLevel::WARNING ) );
	}

	/**
	 * Any client that reaches a server without client authentication can write any key: with an
	 * unsigned PHP setup, the stock class runs the magic methods of whatever object it is given
	 * (PHP object injection); this one reads a miss.
	 */
	public function testAnObjectWrittenByAnyoneRunsNoCodeInKaskBagOStuff() {
		[ $stock, $ours ] = $this->newPair( 'PHP', '' );
		$key = $this->uniqueKey();
		$this->assertSame( 201, $this->rawRequest( 'POST', $key, 'PHP..' . InjectionProbe::serialized() )[0] );

		InjectionProbe::$calls = [];
		$this->assertFalse( $ours->get( $key ) );
		gc_collect_cycles();
		$this->assertSame( [], InjectionProbe::$calls );

		$stock->get( $key );
		gc_collect_cycles();
		$this->assertContains( '__wakeup', InjectionProbe::$calls, 'what the stock class does' );
	}
}
