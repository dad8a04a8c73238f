<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Integration;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\KaskBagOStuffIntegrationTestBase;
use MediaWiki\Extension\KaskStore\Tests\WireScenarios;

/**
 * KaskTsBagOStuff against a running kask-ts (KASK_BASE_URL): atomic add and lock, expiries, TTL
 * changes and compare-and-set, also with several PHP processes contending for one key.
 * KASKSTORE_EXTENDED_API=0 skips it (for a server without kask-ts's extensions, such as Kask).
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskTsBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 */
class KaskTsBagOStuffIntegrationTest extends KaskBagOStuffIntegrationTestBase {
	protected function setUp(): void {
		parent::setUp();
		$this->skipUnlessKaskTs( 'no kask-ts extensions' );
	}

	protected function bagClass(): string {
		return KaskTsBagOStuff::class;
	}

	public static function provideWireScenarios(): array {
		return WireScenarios::casesFor( KaskTsBagOStuff::class );
	}

	protected function assertShortExpiry( KaskBagOStuff $bag, string $key ): void {
		$this->assertNotNull( $this->secondsUntilGone( $key ), 'gone after its TTL' );
	}

	protected function assertConcurrentLockWinners( int $winners ): void {
		$this->assertSame( 1, $winners );
	}

	protected function assertLockedSections( int $acquired, int $overlaps, $counter ): void {
		$this->assertSame( self::PROCESSES, $acquired );
		$this->assertSame( 0, $overlaps );
		$this->assertSame( self::PROCESSES, $counter );
	}

	protected function assertConcurrentIncrements( array $results, $final ): void {
		$this->assertNotContains( false, $results );
		sort( $results );
		$this->assertSame( range( 1, count( $results ) ), $results, 'each returned a new count' );
		$this->assertSame( count( $results ), $final );
	}

	protected function assertConcurrentMerges( int $succeeded, $merged ): void {
		// merge() may give up after its 10 attempts; every merge that succeeded is kept
		$this->assertGreaterThan( 0, $succeeded );
		$this->assertCount( $succeeded, $merged );
	}

	public function testChangeTtlMultiLargerThanOneWindowReachesEveryKey() {
		$bag = $this->newBag( [ 'reqTimeout' => self::LARGE_BATCH_REQ_TIMEOUT ] );
		$values = $this->largeBatch( 'ttl' );
		$this->assertTrue( $bag->setMulti( $values, 60 ) );

		$this->assertTrue( $bag->changeTTLMulti( array_keys( $values ), 120 ) );
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
		$this->assertTrue( $bag->deleteMulti( array_keys( $values ) ) );
	}

	public function testChangeTtlExtendsATtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'v', self::SHORT_TTL );

		$this->assertTrue( $bag->changeTTL( $key, 60 ) );
		self::sleepPastShortTtl();

		$this->assertSame( 'v', $bag->get( $key ) );
	}

	public function testChangeTtlShortensATtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'v' );

		$this->assertTrue( $bag->changeTTL( $key, self::SHORT_TTL ) );

		$this->assertSame( 'v', $bag->get( $key ), 'the value itself is unchanged' );
		$this->assertNotNull( $this->secondsUntilGone( $key ), 'gone after its new TTL' );
	}

	public function testChangeTtlToIndefiniteGivesTheDefaultTtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, [ 'a' => 1 ], self::SHORT_TTL );

		$this->assertTrue( $bag->changeTTL( $key, BagOStuff::TTL_INDEFINITE ) );
		self::sleepPastShortTtl();

		$this->assertSame( [ 'a' => 1 ], $bag->get( $key ) );
	}

	public function testChangeTtlOfAnAbsentKeyFailsAndCreatesNothing() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertFalse( $bag->changeTTL( $key, 60 ) );
		$this->assertFalse( $bag->changeTTL( $key, 0 ) );

		$this->assertSame( 404, $this->rawRequest( 'GET', $key )[0] );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testChangeTtlInThePastDeletesTheValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'v' );

		$this->assertTrue( $bag->changeTTL( $key, time() - 60 ) );

		$this->assertSame( 404, $this->rawRequest( 'GET', $key )[0] );
	}

	public function testALockExpiresWithoutItsHolder() {
		// A process that dies holding a lock blocks others only for the lock's exptime
		$key = $this->uniqueKey();
		$this->assertTrue( $this->newBag()->lock( $key, 0, self::SHORT_TTL ) );
		$other = $this->newBag();
		$this->assertFalse( $other->lock( $key, 0 ) );

		$this->assertNotNull( $this->secondsUntilGone( "$key:lock" ) );
		$this->assertTrue( $other->lock( $key, 0 ) );
	}
}
