<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Integration;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\ConcurrentWorkers;
use MediaWiki\Extension\KaskStore\Tests\KaskServerTestCase;
use MediaWiki\Extension\KaskStore\Tests\RecordingHttpClient;
use MediaWiki\Extension\KaskStore\Tests\WireScenarios;

/**
 * KaskBagOStuff with the extendedApi option against a running kask-ts (KASK_BASE_URL), and the
 * emulation beside it for comparison: atomic add and lock, expiries, TTL changes,
 * compare-and-set, and several PHP processes contending for one key.
 *
 * What the emulation does under contention is written to STDERR, not asserted: it is a race.
 * KASKSTORE_EXTENDED_API=0 skips the tests that need kask-ts's extensions (for a plain Kask).
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 */
class KaskBagOStuffExtendedApiIntegrationTest extends KaskServerTestCase {
	/** Processes that contend for one key */
	private const PROCESSES = 8;

	/** Longest wait for a value with a 1 s TTL to expire, in seconds */
	private const EXPIRY_WAIT = 5.0;

	/**
	 * Skip the test when the server is declared to lack kask-ts's extensions.
	 */
	private function requireExtendedApi(): void {
		if ( getenv( 'KASKSTORE_EXTENDED_API' ) === '0' ) {
			$this->markTestSkipped( 'KASKSTORE_EXTENDED_API=0: no kask-ts extensions' );
		}
	}

	private function newBag( array $params = [] ): KaskBagOStuff {
		if ( $params['extendedApi'] ?? true ) {
			$this->requireExtendedApi();
		}
		return new KaskBagOStuff( $params + [
			'url' => $this->baseUrl,
			'logger' => $this->logger,
			'extendedApi' => true,
		] );
	}

	private function newEmulatingBag(): KaskBagOStuff {
		return $this->newBag( [ 'extendedApi' => false ] );
	}

	/**
	 * @param string $key
	 * @return mixed What the contending processes (JSON serialization) left under $key
	 */
	private function readShared( string $key ) {
		return $this->newBag( [ 'serialization_type' => 'JSON', 'extendedApi' => false ] )
			->get( $key );
	}

	/**
	 * Poll until the key reads as a miss.
	 *
	 * @param string $key
	 * @return float|null Seconds waited, or null if it is still there after EXPIRY_WAIT
	 */
	private function secondsUntilGone( string $key ): ?float {
		$start = microtime( true );
		do {
			if ( $this->rawRequest( 'GET', $key )[0] === 404 ) {
				return microtime( true ) - $start;
			}
			usleep( 100000 );
		} while ( microtime( true ) - $start < self::EXPIRY_WAIT );
		return null;
	}

	/**
	 * Write what the emulation did, for the reader of the test run (a race: not asserted).
	 *
	 * @param string $line
	 */
	private static function report( string $line ): void {
		fwrite( STDERR, "\n[KaskStore concurrency] $line\n" );
	}

	/**
	 * @param bool $extendedApi
	 * @param string $task
	 * @param string $key
	 * @param int $repeat
	 * @return array[] Each process's report
	 */
	private function contend(
		bool $extendedApi, string $task, string $key, int $repeat = 1
	): array {
		if ( $extendedApi ) {
			$this->requireExtendedApi();
		}
		return ConcurrentWorkers::run( self::PROCESSES, [
			'url' => $this->baseUrl,
			'extendedApi' => $extendedApi,
			'task' => $task,
			'key' => $key,
			'repeat' => $repeat,
		] );
	}

	public function testAddDoesNotReplaceAValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->add( $key, 'first' ) );
		$this->assertFalse( $bag->add( $key, 'second' ) );

		$this->assertSame( 'first', $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testSetWithAnExpiryExpires() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->set( $key, 'v', 1 ) );
		$this->assertSame( 'v', $bag->get( $key ) );

		$this->assertNotNull( $this->secondsUntilGone( $key ), 'gone after its 1 s TTL' );
	}

	public function testTheEmulationIgnoresTheExpiry() {
		$bag = $this->newEmulatingBag();
		$key = $this->uniqueKey();

		$bag->set( $key, 'v', 1 );
		usleep( 1600000 );

		$this->assertSame( 'v', $bag->get( $key ), 'the server\'s default_ttl applies' );
	}

	public function testChangeTtlExtendsATtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'v', 1 );

		$this->assertTrue( $bag->changeTTL( $key, 60 ) );
		usleep( 1600000 );

		$this->assertSame( 'v', $bag->get( $key ) );
	}

	public function testChangeTtlShortensATtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'v' );

		$this->assertTrue( $bag->changeTTL( $key, 1 ) );

		$this->assertSame( 'v', $bag->get( $key ), 'the value itself is unchanged' );
		$this->assertNotNull( $this->secondsUntilGone( $key ), 'gone after its new 1 s TTL' );
	}

	public function testChangeTtlToIndefiniteGivesTheDefaultTtl() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, [ 'a' => 1 ], 1 );

		$this->assertTrue( $bag->changeTTL( $key, BagOStuff::TTL_INDEFINITE ) );
		usleep( 1600000 );

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
		$this->assertTrue( $this->newBag()->lock( $key, 0, 1 ) );
		$other = $this->newBag();
		$this->assertFalse( $other->lock( $key, 0 ) );

		$this->assertNotNull( $this->secondsUntilGone( "$key:lock" ) );
		$this->assertTrue( $other->lock( $key, 0 ) );
	}

	public function testMergeUpdatesAndCreates() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$increment = static function ( $bag, $key, $current ) {
			return [ 'n' => ( $current['n'] ?? 0 ) + 1 ];
		};

		$this->assertTrue( $bag->merge( $key, $increment ) );
		$this->assertTrue( $bag->merge( $key, $increment ) );

		$this->assertSame( [ 'n' => 2 ], $bag->get( $key ) );
		$this->assertFalse( $bag->get( "$key:lock" ), 'no lock was needed' );
	}

	public function testIncrementsAndDecrements() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertFalse( $bag->incr( $key ) );
		$this->assertSame( 5, $bag->incrWithInit( $key, 60, 1, 5 ) );
		$this->assertSame( 7, $bag->incrWithInit( $key, 60, 2, 5 ) );
		$this->assertSame( 10, $bag->incr( $key, 3 ) );
		$this->assertSame( 0, $bag->decr( $key, 20 ) );
		$this->assertSame( 0, $bag->get( $key ) );
		$this->assertSame( [], $this->logger->records );
	}

	public static function provideWireScenarios(): array {
		return WireScenarios::cases();
	}

	/**
	 * The request counts of the README, on the wire to a real server.
	 *
	 * @dataProvider provideWireScenarios
	 */
	public function testRequestsPerOperation( string $name, array $emulated, array $extended ) {
		$this->requireExtendedApi();
		$params = [
			'url' => $this->baseUrl,
			'logger' => $this->logger,
			'client' => new RecordingHttpClient( [] ),
		];

		$this->assertSame(
			$emulated, WireScenarios::methodsOf( $name, $params, $this->uniqueKey() )
		);
		$this->assertSame( $extended, WireScenarios::methodsOf(
			$name, [ 'extendedApi' => true ] + $params, $this->uniqueKey()
		) );
		$this->assertSame( [], $this->logger->records );
	}

	public function testOneOfEightConcurrentLocksWins() {
		$reports = $this->contend( true, 'tryLock', $this->uniqueKey() );

		$winners = count( array_filter( array_column( $reports, 'acquired' ) ) );
		self::report( "extended, lock() from 8 processes at once: $winners acquired the lock" );
		$this->assertSame( 1, $winners );
	}

	public function testConcurrentLocksInTheEmulation() {
		$reports = $this->contend( false, 'tryLock', $this->uniqueKey() );

		$winners = count( array_filter( array_column( $reports, 'acquired' ) ) );
		self::report( "emulated, lock() from 8 processes at once: $winners acquired the lock" );
		// Not atomic: any number from 1 to 8 may win; the first read of the free lock always does
		$this->assertGreaterThanOrEqual( 1, $winners );
	}

	/**
	 * @param array[] $reports Of the lockedIncrement task
	 * @return int How many critical sections overlapped the one before them
	 */
	private static function overlaps( array $reports ): int {
		$sections = array_filter( $reports, static function ( $report ) {
			return $report['acquired'];
		} );
		usort( $sections, static function ( $a, $b ) {
			return $a['entered'] <=> $b['entered'];
		} );
		$overlaps = 0;
		for ( $i = 1; $i < count( $sections ); $i++ ) {
			if ( $sections[$i]['entered'] < $sections[$i - 1]['left'] ) {
				$overlaps++;
			}
		}
		return $overlaps;
	}

	public function testLockExcludesOtherProcesses() {
		$key = $this->uniqueKey();
		$reports = $this->contend( true, 'lockedIncrement', $key );

		$counter = $this->readShared( "$key:counter" );
		$overlaps = self::overlaps( $reports );
		self::report( 'extended, 8 processes each lock(), read, write, unlock(): ' .
			"counter $counter, $overlaps overlapping critical sections" );
		$this->assertSame(
			array_fill( 0, self::PROCESSES, true ), array_column( $reports, 'acquired' )
		);
		$this->assertSame( 0, $overlaps );
		$this->assertSame( self::PROCESSES, $counter );
	}

	public function testLockInTheEmulationUnderContention() {
		$key = $this->uniqueKey();
		$reports = $this->contend( false, 'lockedIncrement', $key );

		$counter = $this->readShared( "$key:counter" );
		$acquired = count( array_filter( array_column( $reports, 'acquired' ) ) );
		$overlaps = self::overlaps( $reports );
		self::report( 'emulated, 8 processes each lock(), read, write, unlock(): ' .
			"$acquired acquired, counter " . json_encode( $counter ) .
			", $overlaps overlapping critical sections" );
		$this->assertCount( self::PROCESSES, $reports );
	}

	public function testConcurrentIncrWithInitLosesNoIncrement() {
		$key = $this->uniqueKey();
		$reports = $this->contend( true, 'incrWithInit', $key, 10 );

		$results = array_merge( ...array_column( $reports, 'results' ) );
		$final = $this->readShared( $key );
		self::report( "extended, 8 processes x 10 incrWithInit(): final count $final" );
		$this->assertNotContains( false, $results );
		sort( $results );
		$this->assertSame(
			range( 1, 10 * self::PROCESSES ), $results, 'each returned a new count'
		);
		$this->assertSame( 10 * self::PROCESSES, $final );
	}

	public function testConcurrentIncrWithInitInTheEmulation() {
		$key = $this->uniqueKey();
		$reports = $this->contend( false, 'incrWithInit', $key, 10 );

		$results = array_merge( ...array_column( $reports, 'results' ) );
		$final = $this->readShared( $key );
		self::report( 'emulated, 8 processes x 10 incrWithInit(): final count ' .
			json_encode( $final ) . ' of ' . count( $results ) . ' increments' );
		$this->assertCount( 10 * self::PROCESSES, $results );
	}

	public function testConcurrentMergesLoseNoSuccessfulMerge() {
		$key = $this->uniqueKey();
		$reports = $this->contend( true, 'merge', $key, 5 );

		$succeeded = count( array_filter( array_merge( ...array_column( $reports, 'results' ) ) ) );
		$merged = $this->readShared( $key );
		self::report( "extended, 8 processes x 5 merge(): $succeeded succeeded, " .
			count( $merged ) . ' in the value' );
		// merge() may give up after its 10 attempts; every merge that succeeded is kept
		$this->assertGreaterThan( 0, $succeeded );
		$this->assertCount( $succeeded, $merged );
	}

	public function testConcurrentMergesInTheEmulation() {
		$key = $this->uniqueKey();
		$reports = $this->contend( false, 'merge', $key, 5 );

		$succeeded = count( array_filter( array_merge( ...array_column( $reports, 'results' ) ) ) );
		$merged = $this->readShared( $key );
		self::report( "emulated, 8 processes x 5 merge(): $succeeded succeeded, " .
			count( (array)$merged ) . ' in the value' );
		$this->assertCount( self::PROCESSES, $reports );
	}
}
