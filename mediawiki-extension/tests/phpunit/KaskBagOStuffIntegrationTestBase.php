<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\ValueEnvelope;
use Psr\Log\LogLevel;

/**
 * What KaskBagOStuff and KaskTsBagOStuff both do against a running server (KASK_BASE_URL), as
 * MediaWiki's BagOStuffTestBase: each class's test case extends this one with the class, what
 * it guarantees when several PHP processes contend for one key, and what only it does.
 *
 * What the emulation does under contention is written to STDERR, not asserted: it is a race.
 */
abstract class KaskBagOStuffIntegrationTestBase extends KaskServerTestCase {
	/** Processes that contend for one key */
	protected const PROCESSES = 8;

	/**
	 * A TTL in seconds that the next request outlives, even on a loaded machine (with 1 s, a
	 * PATCH on Cassandra sometimes found the value gone), yet short enough to wait for
	 */
	protected const SHORT_TTL = 2;

	/** Longest wait for a value with SHORT_TTL to expire, in seconds */
	private const EXPIRY_WAIT = 6.0;

	/**
	 * Keys of a batch far larger than one window of connections (50). Sent as one batch of
	 * cURL handles with a request timeout of LARGE_BATCH_REQ_TIMEOUT, the end of the queue timed
	 * out (2 cores, kask-ts on its embedded store): setMulti() returned false, getMulti() about
	 * 6,000 of the keys, changeTTLMulti() and deleteMulti() false.
	 */
	protected const LARGE_BATCH_KEYS = 10000;

	/** Request timeout for LARGE_BATCH_KEYS, in seconds: each request takes a few milliseconds */
	protected const LARGE_BATCH_REQ_TIMEOUT = 1.0;

	/**
	 * Why a test of keys whose decoded path has dot segments (or `//`) needs kask-ts: Kask's
	 * router, Go's ServeMux, redirects such a path to its cleaned form
	 */
	private const KASK_REDIRECTS_DOT_SEGMENTS = 'Kask redirects a decoded path with dot segments';

	/**
	 * @return string The class under test
	 */
	abstract protected function bagClass(): string;

	/**
	 * What becomes of a value just set with an expiry of SHORT_TTL.
	 *
	 * @param KaskBagOStuff $bag
	 * @param string $key
	 */
	abstract protected function assertShortExpiry( KaskBagOStuff $bag, string $key ): void;

	/**
	 * @param int $winners How many of PROCESSES simultaneous lock( $key, 0 ) calls acquired it
	 */
	abstract protected function assertConcurrentLockWinners( int $winners ): void;

	/**
	 * @param int $acquired How many of PROCESSES processes acquired the lock (waiting up to 10 s)
	 * @param int $overlaps How many critical sections overlapped the one before them
	 * @param mixed $counter The counter each critical section incremented by get() and set()
	 */
	abstract protected function assertLockedSections( int $acquired, int $overlaps, $counter ): void;

	/**
	 * @param array $results What 10 incrWithInit() calls in each of PROCESSES processes returned
	 * @param mixed $final The counter afterwards
	 */
	abstract protected function assertConcurrentIncrements( array $results, $final ): void;

	/**
	 * @param int $succeeded How many of 5 merge() calls in each of PROCESSES processes
	 *  succeeded, each appending its process's number to a list
	 * @param mixed $merged The list afterwards
	 */
	abstract protected function assertConcurrentMerges( int $succeeded, $merged ): void;

	/**
	 * @return array[] Cases of testRequestsPerOperation(): name => [ name, methods ]
	 */
	abstract public static function provideWireScenarios(): array;

	protected function newBag( array $params = [] ): KaskBagOStuff {
		$class = $this->bagClass();
		return new $class( $params + self::tlsParams() + [ 'url' => $this->baseUrl, 'logger' => $this->logger ] );
	}

	/**
	 * @param string $name Readable part of the keys
	 * @return int[] Map of (key => value) of LARGE_BATCH_KEYS keys no other test uses
	 */
	protected function largeBatch( string $name ): array {
		$values = [];
		for ( $i = 0; $i < self::LARGE_BATCH_KEYS; $i++ ) {
			$values[$this->uniqueKey( "$name$i" )] = $i;
		}
		return $values;
	}

	/**
	 * Poll until the key reads as a miss.
	 *
	 * @param string $key
	 * @return float|null Seconds waited, or null if it is still there after EXPIRY_WAIT
	 */
	protected function secondsUntilGone( string $key ): ?float {
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
	 * Wait until a value written with SHORT_TTL would have expired.
	 */
	protected static function sleepPastShortTtl(): void {
		usleep( (int)( ( self::SHORT_TTL + 0.6 ) * 1e6 ) );
	}

	/**
	 * Run one task in PROCESSES processes at once, each with an instance of the class.
	 *
	 * @param string $task
	 * @param string $key
	 * @param int $repeat
	 * @return array[] Each process's report
	 */
	private function contend( string $task, string $key, int $repeat = 1 ): array {
		$reports = ConcurrentWorkers::run( self::PROCESSES, [
			'url' => $this->baseUrl,
			'tls' => self::tlsParams(),
			'class' => $this->bagClass(),
			'task' => $task,
			'key' => $key,
			'repeat' => $repeat,
		] );
		$logged = array_count_values( array_merge( ...array_column( $reports, 'logged' ) ) );
		if ( $logged ) {
			$this->report( "$task: errors and warnings logged, by message: " . json_encode( $logged ) );
		}
		return $reports;
	}

	/**
	 * @param string $key
	 * @return mixed What the contending processes (JSON serialization) left under $key
	 */
	private function readShared( string $key ) {
		return $this->newBag( [ 'serialization_type' => 'JSON' ] )->get( $key );
	}

	/**
	 * Write what a contention test saw, for the reader of the test run.
	 *
	 * @param string $line
	 */
	private function report( string $line ): void {
		$class = substr( strrchr( $this->bagClass(), '\\' ), 1 );
		fwrite( STDERR, "\n[KaskStore concurrency] $class, $line\n" );
	}

	public static function provideSerializations(): array {
		return [
			'PHP' => [ 'PHP', '' ],
			'PHP with HMAC' => [ 'PHP', 'an hmac key' ],
			'JSON' => [ 'JSON', '' ],
			'JSON with HMAC' => [ 'JSON', 'an hmac key' ],
		];
	}

	/**
	 * @dataProvider provideSerializations
	 */
	public function testSetThenGetReturnsTheValue( string $type, string $hmacKey ) {
		$bag = $this->newBag( [ 'serialization_type' => $type, 'hmac_key' => $hmacKey ] );
		$key = $this->uniqueKey();
		$value = [
			'data' => [ 'wsUserID' => 1, 'wsUserName' => 'Admin' ],
			'metadata' => [ 'expires' => 1700000000 ],
		];

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testTheServerStoresTheEnvelopeVerbatim() {
		$bag = $this->newBag( [ 'serialization_type' => 'JSON', 'hmac_key' => '12345' ] );
		$key = $this->uniqueKey();

		$bag->set( $key, 'somedata' );

		[ $status, $body ] = $this->rawRequest( 'GET', $key );
		$this->assertSame( 200, $status );
		$this->assertSame( 'JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"', $body );
	}

	public function testGetReturnsFalseOnMiss() {
		$bag = $this->newBag();

		$this->assertFalse( $bag->get( $this->uniqueKey() ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testSetOverwritesTheValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$bag->set( $key, 'first' );
		$bag->set( $key, 'second' );

		$this->assertSame( 'second', $bag->get( $key ) );
	}

	public function testDeleteRemovesTheValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'value' );

		$this->assertTrue( $bag->delete( $key ) );
		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testDeleteOfAnAbsentKeySucceeds() {
		$this->assertTrue( $this->newBag()->delete( $this->uniqueKey() ) );
	}

	public function testPhpStringsAreBinarySafe() {
		$bag = $this->newBag( [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ] );
		$key = $this->uniqueKey();
		$bytes = '';
		for ( $i = 0; $i < 256; $i++ ) {
			$bytes .= chr( $i );
		}
		$value = [
			'all bytes' => $bytes,
			'invalid UTF-8' => "\xff\xfe\xc3",
			'dots' => "\0...\0",
			'crlf' => "\r\n\r\n",
		];

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
	}

	public static function provideAwkwardKeys(): array {
		return [
			'colons and percent' => [ 'my_wiki:MWSession:a%3Ab%25' ],
			'space, plus, query and fragment characters' => [ 'a b+c?d=e&f#g' ],
			'non-ASCII' => [ 'wiki:Ünïcødé:日本語:😀' ],
			'dots' => [ '..' ],
		];
	}

	/**
	 * @dataProvider provideAwkwardKeys
	 */
	public function testKeysAreOnePathSegmentWhateverTheyHold( string $suffix ) {
		$bag = $this->newBag();
		$key = $this->uniqueKey() . $suffix;

		$this->assertTrue( $bag->set( $key, 'v' ) );
		$this->assertSame( 'v', $bag->get( $key ) );
		$this->assertSame( 200, $this->rawRequest( 'GET', $key )[0] );
		$this->assertTrue( $bag->delete( $key ) );
		$this->assertFalse( $bag->get( $key ) );
	}

	/**
	 * A key is the percent-decoded last segment of the URL, so these reach the server as the
	 * keys `.` and `..` only when their dots are percent-encoded: libcurl removes `.` and `..`
	 * from a URL's path, which took them to the route's base and its parent (404).
	 *
	 * @dataProvider provideDotSegmentKeys
	 */
	public function testDotSegmentKeysRoundTrip( string $key ) {
		$this->skipUnlessKaskTs( self::KASK_REDIRECTS_DOT_SEGMENTS );
		$bag = $this->newBag();
		// These keys cannot be made unique: a value of this run's own
		$value = bin2hex( random_bytes( 8 ) );

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
		$this->assertSame( [ $key => $value ], $bag->getMulti( [ $key ] ) );
		$this->assertTrue( $bag->delete( $key ) );
		[ $status, $body ] = $this->rawRequest( 'GET', $key );
		$this->assertSame( 404, $status );
		$this->assertSame(
			parse_url( $this->baseUrl, PHP_URL_PATH ) . $key,
			json_decode( $body, true )['instance'],
			'the server saw the key itself on its own route'
		);
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public static function provideDotSegmentKeys(): array {
		return [ '.' => [ '.' ], '..' => [ '..' ] ];
	}

	/**
	 * @return array[] name => [ key, whether its decoded path has dot segments or `//` (Kask
	 *  redirects it) ]
	 */
	public static function provideKeysTheServerRefuses(): array {
		return [
			'a slash' => [ 'a/b', false ],
			'empty' => [ '', false ],
			'a slash alone' => [ '/', true ],
			'a slash, then a dot segment' => [ 'a/..', true ],
			'a dot segment, then a slash' => [ '../a', true ],
		];
	}

	/**
	 * A documented caveat, as with Kask and RESTBagOStuff: the key is one path segment, and
	 * kask-ts answers 404 for an empty one or one whose decoded key holds `/`; the key is never
	 * split into segments, so no other key is touched.
	 *
	 * @dataProvider provideKeysTheServerRefuses
	 */
	public function testKeysTheServerRefusesCannotBeStored( string $key, bool $kaskRedirects ) {
		if ( $kaskRedirects ) {
			$this->skipUnlessKaskTs( self::KASK_REDIRECTS_DOT_SEGMENTS );
		}
		$bag = $this->newBag();

		$this->assertFalse( $bag->set( $key, 'v' ) );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertSame( 404, $this->logger->at( LogLevel::ERROR )[0]['context']['code'] );

		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->get( $key ) );
		$this->assertTrue( $bag->delete( $key ), 'it is absent' );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError( $watchPoint ) );
	}

	/**
	 * @param ValueEnvelope $envelope
	 * @param int $bodyBytes
	 * @return string A string whose envelope is exactly $bodyBytes long
	 */
	private static function stringWithEnvelopeSize( ValueEnvelope $envelope, int $bodyBytes ): string {
		$length = $bodyBytes;
		// The length of the digits in serialize()'s "s:N:" shifts the total; two rounds settle it
		for ( $round = 0; $round < 3; $round++ ) {
			$length += $bodyBytes - strlen( $envelope->encode( str_repeat( 'x', $length ) ) );
		}
		return str_repeat( 'x', $length );
	}

	public function testAValueAtTheSizeLimitIsStored() {
		$params = [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ];
		$bag = $this->newBag( $params );
		$value = self::stringWithEnvelopeSize( new ValueEnvelope( 'PHP', 'k' ), self::MAX_VALUE_BYTES );
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
		$this->assertSame( self::MAX_VALUE_BYTES, strlen( $this->rawRequest( 'GET', $key )[1] ) );
	}

	public function testAValueOneByteOverTheSizeLimitIsRefusedAndLogged() {
		$bag = $this->newBag( [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ] );
		$value = self::stringWithEnvelopeSize( new ValueEnvelope( 'PHP', 'k' ), self::MAX_VALUE_BYTES + 1 );
		$key = $this->uniqueKey();

		$this->assertFalse( $bag->set( $key, $value ) );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertFalse( $bag->get( $key ) );

		$errors = $this->logger->at( LogLevel::ERROR );
		$this->assertCount( 1, $errors );
		$this->assertSame( 413, $errors[0]['context']['code'] );
		$this->assertSame(
			'https://www.mediawiki.org/wiki/Kask/errors/payload_too_large',
			$errors[0]['context']['problem_type']
		);
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}

	public function testServerProblemsAreLoggedWithTheKeyRedacted() {
		// kask-ts refuses keys over max_key_bytes (1024 by default) with a problem body
		$bag = $this->newBag();
		$key = $this->uniqueKey( str_repeat( 'k', 1100 ) );

		$this->assertFalse( $bag->set( $key, 'v' ) );

		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 400, $context['code'] );
		$this->assertStringStartsWith( 'https://www.mediawiki.org/wiki/Kask/errors/', $context['problem_type'] );
		$this->assertNotEmpty( $context['problem_title'] );
		$this->assertNotEmpty( $context['problem_detail'] );
		$this->assertStringEndsWith( '[key]', $context['problem_instance'] );
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( str_repeat( 'k', 100 ), $this->logger->text() );
	}

	public function testAValueSignedWithAnotherHmacKeyReadsAsMiss() {
		$key = $this->uniqueKey();
		$this->newBag( [ 'hmac_key' => 'old secret' ] )->set( $key, 'value' );
		$bag = $this->newBag( [ 'hmac_key' => 'new secret' ] );

		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testAValueOfTheOtherSerializationTypeReadsAsMiss() {
		$key = $this->uniqueKey();
		$this->newBag( [ 'serialization_type' => 'JSON' ] )->set( $key, 'value' );

		$this->assertFalse( $this->newBag( [ 'serialization_type' => 'PHP' ] )->get( $key ) );
	}

	public function testMultiOperationsRoundTrip() {
		$bag = $this->newBag( [ 'serialization_type' => 'JSON' ] );
		$values = [];
		for ( $i = 0; $i < 20; $i++ ) {
			$values[$this->uniqueKey( "multi$i" )] = [ 'i' => $i ];
		}
		$absent = $this->uniqueKey( 'absent' );

		$this->assertTrue( $bag->setMulti( $values ) );
		$this->assertSame( $values, $bag->getMulti( array_merge( array_keys( $values ), [ $absent ] ) ) );
		$this->assertTrue( $bag->deleteMulti( array_keys( $values ) ) );
		$this->assertSame( [], $bag->getMulti( array_keys( $values ) ) );
		$this->assertSame( [], $this->logger->records );
	}

	/**
	 * Each request's timeout counts from when it is sent, however many keys wait after it.
	 */
	public function testMultiOperationsLargerThanOneWindowReachEveryKey() {
		$bag = $this->newBag(
			[ 'serialization_type' => 'JSON', 'reqTimeout' => self::LARGE_BATCH_REQ_TIMEOUT ]
		);
		$values = $this->largeBatch( 'large' );

		$this->assertTrue( $bag->setMulti( $values ) );
		$this->assertSame( $values, $bag->getMulti( array_keys( $values ) ) );
		$this->assertTrue( $bag->deleteMulti( array_keys( $values ) ) );
		$this->assertSame( [], $bag->getMulti( array_keys( $values ) ) );
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public function testAddDoesNotReplaceAValueAndMergeDoes() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->add( $key, [ 'n' => 1 ] ) );
		$this->assertFalse( $bag->add( $key, [ 'n' => 9 ] ) );
		$this->assertSame( [ 'n' => 1 ], $bag->get( $key ) );
		$this->assertTrue( $bag->merge( $key, static function ( $bag, $key, $current ) {
			return [ 'n' => $current['n'] + 1 ];
		} ) );
		$this->assertSame( [ 'n' => 2 ], $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testAServerThatIsDownReadsAsUnreachable() {
		$bag = $this->newBag( [ 'url' => self::unreachableBaseUrl() ] );
		$key = $this->uniqueKey();

		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );
		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->set( $key, 'v' ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );
		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->delete( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );

		$this->assertCount( 3, $this->logger->at( LogLevel::ERROR ) );
		$this->assertSame( 0, $this->logger->at( LogLevel::ERROR )[0]['context']['code'] );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}

	public function testASetWithAShortExpiry() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->set( $key, 'v', self::SHORT_TTL ) );
		$this->assertSame( 'v', $bag->get( $key ) );

		$this->assertShortExpiry( $bag, $key );
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
		$this->assertFalse( $bag->get( "$key:lock" ), 'no lock is left behind' );
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

	/**
	 * The request counts of the README, on the wire to a real server.
	 *
	 * @dataProvider provideWireScenarios
	 * @param string $name
	 * @param string[] $methods
	 */
	public function testRequestsPerOperation( string $name, array $methods ) {
		$client = new RecordingHttpClient( self::tlsParams() );
		$bag = $this->newBag( [ 'client' => $client ] );

		$this->assertSame(
			$methods, WireScenarios::methodsOf( $name, $bag, $client, $this->uniqueKey() )
		);
		$this->assertSame( [], $this->logger->records );
	}

	public function testConcurrentLocks() {
		$reports = $this->contend( 'tryLock', $this->uniqueKey() );

		$winners = count( array_filter( array_column( $reports, 'acquired' ) ) );
		$this->report( "lock() from 8 processes at once: $winners acquired the lock" );
		$this->assertConcurrentLockWinners( $winners );
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

	public function testLockedSectionsUnderContention() {
		$key = $this->uniqueKey();
		$reports = $this->contend( 'lockedIncrement', $key );

		$this->assertCount( self::PROCESSES, $reports );
		$counter = $this->readShared( "$key:counter" );
		$acquired = count( array_filter( array_column( $reports, 'acquired' ) ) );
		$overlaps = self::overlaps( $reports );
		$this->report( '8 processes each lock(), read, write, unlock(): ' .
			"$acquired acquired, counter " . json_encode( $counter ) .
			", $overlaps overlapping critical sections" );
		$this->assertLockedSections( $acquired, $overlaps, $counter );
	}

	public function testConcurrentIncrWithInit() {
		$key = $this->uniqueKey();
		$reports = $this->contend( 'incrWithInit', $key, 10 );

		$results = array_merge( ...array_column( $reports, 'results' ) );
		$this->assertCount( 10 * self::PROCESSES, $results );
		$final = $this->readShared( $key );
		$this->report( '8 processes x 10 incrWithInit(): final count ' .
			json_encode( $final ) . ' of ' . count( $results ) . ' increments' );
		$this->assertConcurrentIncrements( $results, $final );
	}

	public function testConcurrentMerges() {
		$key = $this->uniqueKey();
		$reports = $this->contend( 'merge', $key, 5 );

		$this->assertCount( self::PROCESSES, $reports );
		$succeeded = count( array_filter( array_merge( ...array_column( $reports, 'results' ) ) ) );
		$merged = $this->readShared( $key );
		$this->report( "8 processes x 5 merge(): $succeeded succeeded, " .
			count( (array)$merged ) . ' in the value' );
		$this->assertConcurrentMerges( $succeeded, $merged );
	}
}
