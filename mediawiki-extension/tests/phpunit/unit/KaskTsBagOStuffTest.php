<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\FakeHttpClient;
use MediaWiki\Extension\KaskStore\Tests\KaskBagOStuffTestBase;
use MediaWiki\Extension\KaskStore\Tests\WireScenarios;
use Psr\Log\LogLevel;

/**
 * KaskTsBagOStuff on the wire, to a fake kask-ts server: what KaskBagOStuffTestBase checks of
 * both classes, then its atomic operations and expiries.
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskTsBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 */
class KaskTsBagOStuffTest extends KaskBagOStuffTestBase {
	/** A fixed "now" for the expiry conversions */
	private const NOW = 1700000000.25;

	/** @var float */
	private $now = self::NOW;

	protected function newCache( array $params ): KaskBagOStuff {
		$bag = new KaskTsBagOStuff( $params );
		$bag->setMockTime( $this->now );
		return $bag;
	}

	protected function newServer(): FakeHttpClient {
		return new FakeHttpClient();
	}

	public static function provideWireScenarios(): array {
		return WireScenarios::casesFor( KaskTsBagOStuff::class );
	}

	public static function provideExpiries(): array {
		$now = (int)self::NOW;
		return [
			'relative' => [ 60, 'max-age=60' ],
			'one second' => [ 1, 'max-age=1' ],
			'a fraction rounds up' => [ 2.5, 'max-age=3' ],
			'relative, just under 10 years' =>
				[ 10 * BagOStuff::TTL_YEAR - 1, 'max-age=315359999' ],
			'absolute, in an hour' => [ $now + 3600, 'max-age=3599' ],
			'absolute, in the past: the shortest TTL' => [ $now - 3600, 'max-age=1' ],
			'negative (already expired): the shortest TTL' => [ -5, 'max-age=1' ],
			'indefinite: the server\'s default_ttl' => [ BagOStuff::TTL_INDEFINITE, null ],
		];
	}

	/**
	 * @inheritDoc
	 *
	 * Also changeTTLMulti(), one PATCH per key.
	 */
	public static function provideMultiOperations(): array {
		return parent::provideMultiOperations() + [
			'changeTTLMulti' => [ static function ( BagOStuff $bag, array $values ): bool {
				return $bag->changeTTLMulti( array_keys( $values ), 90 );
			} ],
		];
	}

	/**
	 * @param FakeHttpClient $client
	 * @param int $index
	 * @return array The headers of the request sent at $index
	 */
	private static function headersOf( FakeHttpClient $client, int $index ): array {
		return $client->requests()[$index]['headers'];
	}

	/**
	 * @param FakeHttpClient $client
	 * @param string $name
	 * @return array Every request sent, each request's header $name or null
	 */
	private static function headerOfEach( FakeHttpClient $client, string $name ): array {
		return array_map( static function ( $request ) use ( $name ) {
			return $request['headers'][$name] ?? null;
		}, $client->requests() );
	}

	private function assertNothingLogged(): void {
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public function testSetMultiSendsTheExpiryWithEachValue() {
		$client = new FakeHttpClient();

		$this->assertTrue( $this->newBag( $client )->setMulti( [ 'a' => 1, 'b' => 2 ], 30 ) );

		$this->assertCount( 1, $client->batches );
		$this->assertSame(
			[ 'max-age=30', 'max-age=30' ], self::headerOfEach( $client, 'cache-control' )
		);
	}

	public function testAddIsOnePutWithTheExpiry() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );

		$this->assertTrue( $bag->add( self::KEY, 'first', 300 ) );

		$this->assertSame( [ 'PUT' ], $client->methods() );
		$this->assertSame( 'max-age=300', self::headersOf( $client, 0 )['cache-control'] );
		$this->assertSame( 'first', $bag->get( self::KEY ) );
	}

	public function testAddOfATakenKeyFailsWithoutAnError() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'first' );

		$this->assertFalse( $bag->add( self::KEY, 'second' ) );

		$this->assertSame( 'first', $bag->get( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertNothingLogged();
	}

	public function testAFailedPutIsLoggedWithoutKeyOrValue() {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::problem(
			503, 'service_unavailable', 'Service unavailable', 'Storage is unavailable',
			'/sessions/v1/' . self::KEY
		) ) );

		$this->assertFalse( $bag->add( self::KEY, self::SECRET_VALUE ) );

		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 'add', $context['operation'] );
		$this->assertSame( '/sessions/v1/[key]', $context['problem_instance'] );
		$this->assertStringNotContainsString( self::KEY, $this->logger->text() );
		$this->assertStringNotContainsString( rawurlencode( self::KEY ), $this->logger->text() );
		$this->assertStringNotContainsString( self::SECRET_VALUE, $this->logger->text() );
	}

	public function testLockIsOnePutOfTheLockKeyWithTheLockExpiry() {
		$client = new FakeHttpClient();

		$this->assertTrue( $this->newBag( $client )->lock( self::KEY, 0, 30 ) );

		$this->assertSame( [ 'PUT' ], $client->methods() );
		$this->assertSame(
			self::BASE_URL . rawurlencode( self::KEY . ':lock' ), $client->requests()[0]['url']
		);
		$this->assertSame( 'max-age=30', self::headersOf( $client, 0 )['cache-control'] );
	}

	public function testLockWithoutExpiryLastsADayAtMost() {
		$client = new FakeHttpClient();

		$this->newBag( $client )->lock( self::KEY, 0, 0 );

		$this->assertSame( 'max-age=86400', self::headersOf( $client, 0 )['cache-control'] );
	}

	public function testLockHeldByAnotherProcessIsRefusedWithoutAnError() {
		$client = new FakeHttpClient();
		$this->newBag( $client )->lock( self::KEY, 0 );
		$other = $this->newBag( $client );

		$this->assertFalse( $other->lock( self::KEY, 0 ) );

		$this->assertSame( BagOStuff::ERR_NONE, $other->getLastError() );
		$this->assertNothingLogged();
	}

	public function testUnlockIsAConditionalDeleteOfTheLockKeySoAnotherProcessCanLock() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->lock( self::KEY, 0 );

		$this->assertTrue( $bag->unlock( self::KEY ) );

		$this->assertSame( [ 'PUT', 'DELETE' ], $client->methods() );
		$this->assertSame(
			self::BASE_URL . rawurlencode( self::KEY . ':lock' ), $client->requests()[1]['url']
		);
		$this->assertSame( '*', self::headersOf( $client, 1 )['if-match'] );
		$this->assertTrue( $this->newBag( $client )->lock( self::KEY, 0 ) );
		$this->assertNothingLogged();
	}

	public function testUnlockOfALockThatExpiredOnTheServerIsAWarningNotAnError() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->lock( self::KEY, 0 );
		$bag->delete( self::KEY . ':lock' );

		$this->assertTrue( $bag->unlock( self::KEY ) );

		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [ LogLevel::WARNING ], array_column( $this->logger->records, 'level' ) );
		$this->assertStringNotContainsString( self::KEY, $this->logger->text() );
	}

	public function testUnlockLeavesALockAboutToExpireAlone() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->lock( self::KEY, 0, 6 );
		// lock() stamps the lock with the real clock, unlock() reads the mock one
		$this->now = microtime( true ) + 5.99;

		$this->assertFalse( $bag->unlock( self::KEY ) );

		$this->assertSame( [ 'PUT' ], $client->methods(), 'it may be another holder\'s by now' );
	}

	public function testUnlockFailsOnAServerError() {
		$client = FakeHttpClient::withHook( static function ( array $request ) {
			return $request['method'] === 'DELETE' ? FakeHttpClient::response( 503 ) : null;
		} );
		$bag = $this->newBag( $client );
		$bag->lock( self::KEY, 0 );

		$this->assertFalse( $bag->unlock( self::KEY ) );

		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
	}

	public function testLockGivesUpOnAServerError() {
		$client = FakeHttpClient::answering( FakeHttpClient::response( 500 ) );

		$this->assertFalse( $this->newBag( $client )->lock( self::KEY, 10 ) );

		$this->assertSame( [ 'PUT' ], $client->methods(), 'no retry on an I/O error' );
	}

	public function testChangeTtlIsOnePatchWithoutBody() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'v' );
		$client->clear();

		$this->assertTrue( $bag->changeTTL( self::KEY, 120 ) );

		$this->assertSame( [ 'PATCH' ], $client->methods() );
		$this->assertArrayNotHasKey( 'body', $client->requests()[0] );
		$this->assertSame( 'max-age=120', self::headersOf( $client, 0 )['cache-control'] );
		$this->assertSame( 120, $client->ttls[self::KEY] );
		$this->assertSame( 'v', $bag->get( self::KEY ) );
	}

	public function testChangeTtlConvertsAnAbsoluteExpiry() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'v' );

		$this->assertTrue( $bag->changeTTL( self::KEY, (int)self::NOW + 7200 ) );

		// 7199.75 s from now; MediumSpecificBagOStuff::getExpirationAsTTL() truncates
		$this->assertSame( 7199, $client->ttls[self::KEY] );
	}

	public function testChangeTtlOfAnAbsentKeyFailsWithoutAnError() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );

		$this->assertFalse( $bag->changeTTL( self::KEY, 60 ) );

		$this->assertSame( [ 'PATCH' ], $client->methods() );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $client->stored, 'nothing is created' );
		$this->assertNothingLogged();
	}

	public function testChangeTtlFailureIsLogged() {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( 500 ) ) );

		$this->assertFalse( $bag->changeTTL( self::KEY, 60 ) );

		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 'change_ttl', $context['operation'] );
	}

	public function testChangeTtlInThePastDeletesTheValue() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'v' );
		$client->clear();

		$this->assertTrue( $bag->changeTTL( self::KEY, -1 ) );

		$this->assertSame( [ 'PATCH', 'DELETE' ], $client->methods() );
		$this->assertSame( [], $client->stored );
	}

	public function testChangeTtlInThePastOfAnAbsentKeyFails() {
		$client = new FakeHttpClient();

		$this->assertFalse( $this->newBag( $client )->changeTTL( self::KEY, (int)self::NOW - 10 ) );

		$this->assertSame( [ 'PATCH' ], $client->methods() );
	}

	public function testChangeTtlToIndefiniteRewritesTheSameBytesWithTheDefaultTtl() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client, [ 'hmac_key' => 'k' ] );
		$bag->set( self::KEY, [ 'a' => 1 ], 60 );
		$bytes = $client->stored[self::KEY];
		$client->clear();

		$this->assertTrue( $bag->changeTTL( self::KEY, BagOStuff::TTL_INDEFINITE ) );

		$this->assertSame( [ 'GET', 'POST' ], $client->methods() );
		$this->assertSame(
			FakeHttpClient::etag( $bytes ), self::headersOf( $client, 1 )['if-match']
		);
		$this->assertArrayNotHasKey( 'cache-control', self::headersOf( $client, 1 ) );
		$this->assertSame( $bytes, $client->stored[self::KEY] );
		$this->assertNull( $client->ttls[self::KEY] );
	}

	public function testChangeTtlToIndefiniteOfAnAbsentKeyFails() {
		$client = new FakeHttpClient();

		$this->assertFalse( $this->newBag( $client )->changeTTL( self::KEY, 0 ) );

		$this->assertSame( [ 'GET' ], $client->methods() );
		$this->assertSame( [], $client->stored );
	}

	public function testChangeTtlToIndefiniteDoesNotOverwriteAConcurrentWrite() {
		$client = self::clientWithOneRaceOnIfMatch( static function ( FakeHttpClient $client ) {
			// Another writer, between this client's GET and its POST
			$client->stored[self::KEY] = 'PHP..s:5:"newer";';
		} );
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'older' );
		$client->clear();

		$this->assertTrue( $bag->changeTTL( self::KEY, 0 ) );

		$this->assertSame( [ 'GET', 'POST', 'GET', 'POST' ], $client->methods() );
		$this->assertSame( 'newer', $bag->get( self::KEY ) );
	}

	public function testChangeTtlMultiIsOneBatchOfPatches() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->setMulti( [ 'a' => 1, 'b' => 2 ] );
		$client->clear();

		$this->assertTrue( $bag->changeTTLMulti( [ 'a', 'b' ], 90 ) );
		$this->assertFalse( $bag->changeTTLMulti( [ 'a', 'absent' ], 90 ) );

		$this->assertCount( 2, $client->batches );
		$this->assertSame( [ 'PATCH', 'PATCH', 'PATCH', 'PATCH' ], $client->methods() );
		$this->assertSame( [ 'a' => 90, 'b' => 90 ], $client->ttls );
	}

	/**
	 * @param callable $hook function ( FakeHttpClient $client ), called before the server
	 *  answers the first request with an If-Match header (and no other)
	 * @return FakeHttpClient
	 */
	private static function clientWithOneRaceOnIfMatch( callable $hook ): FakeHttpClient {
		$raced = false;
		return FakeHttpClient::withHook(
			static function ( array $request, FakeHttpClient $client ) use ( $hook, &$raced ) {
				if ( !$raced && isset( $request['headers']['if-match'] ) ) {
					$raced = true;
					$hook( $client );
				}
				return null;
			}
		);
	}

	public function testMergeSendsTheEtagItReadInIfMatch() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, [ 'count' => 1 ] );
		$bytes = $client->stored[self::KEY];
		$client->clear();

		$this->assertTrue( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return [ 'count' => $current['count'] + 1 ];
		}, 45 ) );

		$this->assertSame( [ 'GET', 'POST' ], $client->methods() );
		$this->assertSame(
			FakeHttpClient::etag( $bytes ), self::headersOf( $client, 1 )['if-match']
		);
		$this->assertSame( 'max-age=45', self::headersOf( $client, 1 )['cache-control'] );
		$this->assertSame( [ 'count' => 2 ], $bag->get( self::KEY ) );
		$this->assertNothingLogged();
	}

	public function testMergeRetriesAfterAConcurrentWriteAndKeepsIt() {
		$client = self::clientWithOneRaceOnIfMatch( static function ( FakeHttpClient $client ) {
			$client->stored[self::KEY] = 'PHP..a:1:{s:5:"count";i:10;}';
		} );
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, [ 'count' => 1 ] );
		$client->clear();

		$this->assertTrue( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return [ 'count' => $current['count'] + 1 ];
		} ) );

		$this->assertSame( [ 'GET', 'POST', 'GET', 'POST' ], $client->methods() );
		$this->assertSame( [ 'count' => 11 ], $bag->get( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->at( LogLevel::ERROR ) );
	}

	public function testMergeGivesUpAfterItsAttemptsWithoutAnError() {
		$client = FakeHttpClient::withHook( static function ( array $request ) {
			return isset( $request['headers']['if-match'] )
				? FakeHttpClient::problem( 412, 'precondition_failed', 'Failed', '', '' )
				: null;
		} );
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );
		$client->clear();

		$this->assertFalse( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return $current + 1;
		}, 0, 3 ) );

		$this->assertSame( [ 'GET', 'POST', 'GET', 'POST', 'GET', 'POST' ], $client->methods() );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->at( LogLevel::ERROR ) );
	}

	public function testMergeOfAnAbsentKeyCreatesItWithPutAndRetriesWhenBeaten() {
		$client = FakeHttpClient::withHook( static function ( array $req, FakeHttpClient $client ) {
			if ( $req['method'] === 'PUT' ) {
				// Another process creates the key first
				$client->stored[self::KEY] = 'PHP..i:5;';
			}
			return null;
		} );
		$bag = $this->newBag( $client );

		$this->assertTrue( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return (int)$current + 1;
		} ) );

		$this->assertSame( [ 'GET', 'PUT', 'GET', 'POST' ], $client->methods() );
		$this->assertSame( 6, $bag->get( self::KEY ) );
	}

	public function testWithoutAnEtagMergeFailsAtOnceWithAnError() {
		// KaskTsBagOStuff configured for a server that is a plain Kask
		$client = new FakeHttpClient();
		$client->extensions = false;
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );
		$client->clear();

		$this->assertFalse( $bag->merge( self::KEY, static function ( $bag, $key, $current ) {
			return $current + 1;
		} ) );

		$this->assertSame( [ 'GET' ], $client->methods() );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertStringStartsWith(
			'KaskTsBagOStuff: the server sent no ETag', $this->logger->at( LogLevel::ERROR )[0]['message']
		);
	}

	public function testWithoutAnEtagIncrementsFailWithAnError() {
		$client = new FakeHttpClient();
		$client->extensions = false;
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );
		$client->clear();

		$this->assertFalse( $bag->incrWithInit( self::KEY, 0 ) );
		$this->assertFalse( $bag->changeTTL( self::KEY, 0 ) );

		$this->assertSame( [ 'GET', 'GET' ], $client->methods() );
		$this->assertCount( 2, $this->logger->at( LogLevel::ERROR ) );
		$this->assertSame( 1, $bag->get( self::KEY ) );
	}

	public function testIncrWithInitCreatesTheKeyWithPut() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );

		$this->assertSame( 10, $bag->incrWithInit( self::KEY, 60, 1, 10 ) );

		$this->assertSame( [ 'GET', 'PUT' ], $client->methods() );
		$this->assertSame( 60, $client->ttls[self::KEY] );
		$this->assertSame( 10, $bag->get( self::KEY ) );
	}

	public function testIncrWithInitIncrementsWithIfMatch() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->incrWithInit( self::KEY, 60, 1, 10 );
		$client->clear();

		$this->assertSame( 13, $bag->incrWithInit( self::KEY, 60, 3, 10 ) );

		$this->assertSame( [ 'GET', 'POST' ], $client->methods() );
		$this->assertSame(
			FakeHttpClient::etag( 'PHP..i:10;' ), self::headersOf( $client, 1 )['if-match']
		);
		$this->assertSame( 'max-age=60', self::headersOf( $client, 1 )['cache-control'] );
	}

	public function testIncrWithInitRetriesWhenAnotherProcessCreatedTheKey() {
		$client = FakeHttpClient::withHook( static function ( array $req, FakeHttpClient $client ) {
			if ( $req['method'] === 'PUT' ) {
				$client->stored[self::KEY] = 'PHP..i:1;';
			}
			return null;
		} );

		$this->assertSame( 2, $this->newBag( $client )->incrWithInit( self::KEY, 0 ) );

		$this->assertSame( [ 'GET', 'PUT', 'GET', 'POST' ], $client->methods() );
	}

	public function testIncrWithInitRetriesAfterALostRace() {
		$client = self::clientWithOneRaceOnIfMatch( static function ( FakeHttpClient $client ) {
			$client->stored[self::KEY] = 'PHP..i:7;';
		} );
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );

		$this->assertSame( 8, $bag->incrWithInit( self::KEY, 0 ) );
		$this->assertSame( 8, $bag->get( self::KEY ) );
	}

	public function testIncrWithInitGivesUpAfterCasAttemptsAndWarns() {
		$client = FakeHttpClient::withHook( static function ( array $request ) {
			return isset( $request['headers']['if-match'] )
				? FakeHttpClient::problem( 412, 'precondition_failed', 'Failed', '', '' )
				: null;
		} );
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 1 );
		$client->clear();

		$this->assertFalse( $bag->incrWithInit( self::KEY, 0 ) );

		$this->assertCount( 2 * KaskTsBagOStuff::CAS_ATTEMPTS, $client->requests() );
		$this->assertCount( 1, $this->logger->at( LogLevel::WARNING ) );
		$this->assertSame( [], $this->logger->at( LogLevel::ERROR ) );
	}

	public function testIncrWithInitOfANonIntegerFailsWithoutWriting() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );
		$bag->set( self::KEY, 'text' );
		$client->clear();

		$this->assertFalse( $bag->incrWithInit( self::KEY, 0 ) );
		$this->assertSame( [ 'GET' ], $client->methods() );
	}

	public function testIncrWithInitStopsOnAReadError() {
		$client = FakeHttpClient::answering( FakeHttpClient::response( 0, '', [], 'timeout' ) );
		$bag = $this->newBag( $client );

		$this->assertFalse( $bag->incrWithInit( self::KEY, 0 ) );
		$this->assertSame( [ 'GET' ], $client->methods() );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
	}

	public function testIncrAndDecrUseIfMatchAndTheDefaultTtl() {
		$client = new FakeHttpClient();
		$bag = $this->newBag( $client );

		$this->assertFalse( $bag->incr( self::KEY ) );
		$this->assertSame( [ 'GET' ], $client->methods(), 'incr() never creates' );
		$bag->set( self::KEY, 5, 60 );
		$client->clear();

		$this->assertSame( 8, $bag->incr( self::KEY, 3 ) );
		$this->assertSame( 0, $bag->decr( self::KEY, 10 ) );

		$this->assertSame( [ 'GET', 'POST', 'GET', 'POST' ], $client->methods() );
		$this->assertSame(
			[ null, null, null, null ], self::headerOfEach( $client, 'cache-control' )
		);
		$this->assertNotNull( self::headersOf( $client, 3 )['if-match'] );
		$this->assertSame( 0, $bag->get( self::KEY ) );
	}
}
