<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Unit;

use KaskTs\PhpSession\KaskSessionHandler;
use KaskTs\PhpSession\Options;
use KaskTs\PhpSession\Response;
use KaskTs\PhpSession\StoreUnavailable;
use KaskTs\PhpSession\Tests\FakeHttpClient;
use PHPUnit\Framework\TestCase;

/**
 * The handler's requests, against an in-memory store that answers as kask-ts does.
 *
 * @covers \KaskTs\PhpSession\KaskSessionHandler
 * @covers \KaskTs\PhpSession\SessionLock
 */
class KaskSessionHandlerTest extends TestCase {
	private const ID = 'sid0123456789abcdef';

	/** @var array<string,string> Values by key */
	private array $values = [];

	/** @var string[] Log lines */
	private array $log = [];

	private FakeHttpClient $http;

	/**
	 * @param array<string,mixed> $options
	 * @param callable|null $answer Answers instead of the in-memory store when it returns a Response
	 * @return KaskSessionHandler
	 */
	private function handler( array $options = [], ?callable $answer = null ): KaskSessionHandler {
		$options = Options::fromArray( $options + [ 'base_url' => 'http://127.0.0.1:1/s/', 'ttl' => 600,
			'lock_ttl' => 30 ] );
		$this->http = new FakeHttpClient( $options, function ( $method, $key, $headers, $body ) use ( $answer ) {
			return ( $answer ? $answer( $method, $key, $headers, $body ) : null )
				?? $this->storeAnswer( $method, $key, $headers, $body );
		} );
		return new KaskSessionHandler( $options, function ( string $line ): void {
			$this->log[] = $line;
		}, $this->http );
	}

	/** What kask-ts answers, over $this->values: ETag, create-only PUT, If-Match and If-None-Match */
	private function storeAnswer( string $method, string $key, array $headers, string $body ): Response {
		$current = $this->values[$key] ?? null;
		$etag = $current === null ? null : '"' . md5( $current ) . '"';
		$ifMatch = $headers['If-Match'] ?? null;
		if ( ( $ifMatch !== null && $ifMatch !== $etag )
			|| ( ( $headers['If-None-Match'] ?? null ) === '*' && $current !== null )
		) {
			return new Response( 412, [], '' );
		}
		switch ( $method ) {
			case 'GET':
				return $current === null ? new Response( 404, [], '' ) : new Response( 200, [ 'etag' => $etag ], $current );
			case 'PUT':
				if ( $current !== null ) {
					return new Response( 409, [], '' );
				}
				// fall through
			case 'POST':
				$this->values[$key] = $body;
				return new Response( 201, [], '' );
			case 'PATCH':
				return new Response( $current === null ? 404 : 204, [], '' );
			default:
				unset( $this->values[$key] );
				return new Response( 204, [], '' );
		}
	}

	public function testReadReturnsFalseWhenTheStoreFails(): void {
		$handler = $this->handler( [ 'locking' => 'none' ], static function ( $method ) {
			return $method === 'GET' ? new Response( 503, [], '{"title":"Service Unavailable"}' ) : null;
		} );

		$this->assertFalse( $handler->read( self::ID ) );
		$this->assertSame( [ 'kask-ts session: read failed: KaskTs\PhpSession\StoreUnavailable: '
			. 'GET: status 503: Service Unavailable' ], $this->log );
	}

	public function testReadReturnsFalseWithoutAConnection(): void {
		$handler = $this->handler( [], static function () {
			throw new StoreUnavailable( 'cannot connect' );
		} );

		$this->assertFalse( $handler->read( self::ID ) );
		$this->assertStringNotContainsString( self::ID, implode( "\n", $this->log ) );
	}

	public function testAfterAFailedReadNoWriteReplacesTheSession(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ], static function ( $method ) {
			return $method === 'GET' ? new Response( 503, [], '' ) : null;
		} );
		$handler->read( self::ID );

		$this->assertFalse( $handler->write( self::ID, '_token|s:1:"t";' ) );
		$this->assertSame( [ self::ID => 'a|i:1;' ], $this->values );
	}

	/**
	 * Laravel never calls close(): in a worker that serves several requests with one handler, a
	 * read that failed once made every later read of that session fail without asking the store.
	 */
	public function testAReadAfterARefusedWriteAsksTheStoreAgain(): void {
		$this->values[self::ID] = 'a|i:1;';
		$down = true;
		$handler = $this->handler( [ 'locking' => 'none' ], static function ( $method ) use ( &$down ) {
			return $down ? new Response( 503, [], '' ) : null;
		} );
		$handler->read( self::ID );
		$handler->write( self::ID, '_token|s:1:"t";' );
		$down = false;

		$this->assertSame( 'a|i:1;', $handler->read( self::ID ) );
	}

	public function testReadTakesTheLockThenReads(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler();

		$this->assertSame( 'a|i:1;', $handler->read( self::ID ) );
		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID ], $this->http->sent() );
		$this->assertSame( [ 'Cache-Control' => 'max-age=30' ], $this->http->requests[0][1] );
	}

	public function testCloseReleasesTheLockWithIfMatch(): void {
		$handler = $this->handler();
		$handler->read( self::ID );

		$this->assertTrue( $handler->close() );
		$this->assertSame( [ 'GET ' . self::ID . ':lock', 'DELETE ' . self::ID . ':lock' ],
			array_slice( $this->http->sent(), 2 ) );
		$this->assertArrayHasKey( 'If-Match', $this->http->requests[3][1] );
		$this->assertSame( [], $this->values );
	}

	public function testALockWhoseCreationGaveItsEtagIsReleasedWithoutAGet(): void {
		$handler = $this->handler( [], function ( $method, $key, $headers, $body ) {
			if ( $method !== 'PUT' ) {
				return null;
			}
			$this->values[$key] = $body;
			return new Response( 201, [ 'etag' => '"' . md5( $body ) . '"' ], '' );
		} );
		$handler->read( self::ID );

		$this->assertTrue( $handler->close() );
		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID, 'DELETE ' . self::ID . ':lock' ],
			$this->http->sent() );
		$this->assertSame( [], $this->values );
	}

	public function testALockStoredWhoseAnswerWasLostIsReleasedByItsToken(): void {
		$handler = $this->handler( [], function ( $method, $key, $headers, $body ) {
			if ( $method !== 'PUT' ) {
				return null;
			}
			// Stored, then the answer never came.
			$this->values[$key] = $body;
			throw new StoreUnavailable( 'timed out' );
		} );

		$this->assertFalse( $handler->read( self::ID ) );
		$handler->close();
		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID . ':lock',
			'DELETE ' . self::ID . ':lock' ], $this->http->sent() );
		$this->assertSame( [], $this->values, 'no lock left for the next requests to wait for' );
	}

		public function testCloseLeavesALockThatAnotherRequestTookAfterOursExpired(): void {
		$handler = $this->handler();
		$handler->read( self::ID );
		$this->values[self::ID . ':lock'] = 'another request';

		$this->assertFalse( $handler->close() );
		$this->assertSame( 'another request', $this->values[self::ID . ':lock'] );
		$this->assertStringContainsString( 'raise lock_ttl', $this->log[0] );
	}

	public function testWriteReleasesTheLockForFrameworksThatNeverClose(): void {
		$handler = $this->handler();
		$handler->read( self::ID );

		$this->assertTrue( $handler->write( self::ID, 'a|i:1;' ) );
		$this->assertSame( [ self::ID => 'a|i:1;' ], $this->values );
		$this->assertTrue( $handler->close() );
		$this->assertSame( 'DELETE ' . self::ID . ':lock', $this->http->sent()[4] );
		$this->assertCount( 5, $this->http->requests, 'close() sent nothing more' );
	}

	public static function provideEndsOfRequest(): array {
		return [
			'exit' => [ 'exit;' ],
			'fatal error' => [ 'undefined_function();' ],
			'end of the script' => [ '' ],
		];
	}

	/**
	 * Laravel calls read() and write() but never close(): a request that ends without saving its
	 * session (exit, dd(), a fatal error) left the lock for lock_ttl seconds, and the session's
	 * next requests each waited lock_wait seconds, then failed.
	 *
	 * @dataProvider provideEndsOfRequest
	 */
	public function testTheEndOfARequestReleasesALockNeitherWriteNorCloseReleased( string $end ): void {
		$script = 'require ' . var_export( dirname( __DIR__ ) . '/bootstrap.php', true ) . ';
			use KaskTs\PhpSession\{KaskSessionHandler, Options, Response};
			$options = Options::fromArray( [ "base_url" => "http://127.0.0.1:1/s/", "ttl" => 600, "lock_ttl" => 30 ] );
			$http = new KaskTs\PhpSession\Tests\FakeHttpClient( $options, static function ( $method, $key ) {
				fwrite( STDOUT, "$method $key\n" );
				return new Response( [ "PUT" => 201, "GET" => 404, "DELETE" => 204 ][$method], [ "etag" => "\"e\"" ], "" );
			} );
			$handler = new KaskSessionHandler( $options, null, $http );
			$handler->read( "' . self::ID . '" );
			' . $end;
		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID, 'DELETE ' . self::ID . ':lock' ],
			$this->runPhp( $script ) );
	}

	public function testPhpWritesTheSessionAtTheEndOfTheRequestBeforeTheLockIsReleased(): void {
		$script = 'require ' . var_export( dirname( __DIR__ ) . '/bootstrap.php', true ) . ';
			use KaskTs\PhpSession\{KaskSessionHandler, Options, Response};
			$options = Options::fromArray( [ "base_url" => "http://127.0.0.1:1/s/", "ttl" => 600, "lock_ttl" => 30 ] );
			$http = new KaskTs\PhpSession\Tests\FakeHttpClient( $options, static function ( $method, $key ) {
				fwrite( STDOUT, "$method $key\n" );
				return new Response( [ "PUT" => 201, "GET" => 200, "POST" => 201, "DELETE" => 204 ][$method],
					[ "etag" => "\"e\"" ], "a|i:1;" );
			} );
			session_set_save_handler( new KaskSessionHandler( $options, null, $http ), true );
			session_id( "' . self::ID . '" );
			session_start();
			$_SESSION["b"] = 2;
			exit;';

		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID, 'POST ' . self::ID,
			'DELETE ' . self::ID . ':lock' ], $this->runPhp( $script ) );
	}

	/**
	 * @param string $script
	 * @return string[] Its output lines
	 */
	private function runPhp( string $script ): array {
		exec( PHP_BINARY . ' -d display_errors=0 -d log_errors=0 -d session.use_cookies=0 -r '
			. escapeshellarg( $script ), $output );
		return $output;
	}

	public static function provideEndsOfSaving(): array {
		return [
			'write' => [ 'write' ],
			'updateTimestamp' => [ 'updateTimestamp' ],
		];
	}

	/**
	 * A framework that never calls close() (Laravel), in a worker that serves several requests
	 * with one handler, reads the session again after saving it: that read takes the lock again
	 * and sees what other requests wrote since, rather than the copy of the previous request.
	 *
	 * @dataProvider provideEndsOfSaving
	 */
	public function testAReadAfterTheSessionWasSavedReadsTheStoreUnderTheLock( string $save ): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler();
		$handler->read( self::ID );
		$handler->$save( self::ID, 'a|i:1;' );
		$this->values[self::ID] = 'a|i:1;b|i:2;';
		$this->http->requests = [];

		$this->assertSame( 'a|i:1;b|i:2;', $handler->read( self::ID ) );
		$this->assertSame( [ 'PUT ' . self::ID . ':lock', 'GET ' . self::ID ], $this->http->sent() );
	}

	public function testTheLockWaitIsBoundedByTime(): void {
		$this->values[self::ID . ':lock'] = 'held';
		$handler = $this->handler( [ 'lock_wait' => 0.3 ] );

		$start = microtime( true );
		$this->assertFalse( $handler->read( self::ID ) );
		$elapsed = microtime( true ) - $start;

		$this->assertGreaterThanOrEqual( 0.3, $elapsed );
		$this->assertLessThan( 1.0, $elapsed, 'not lock_wait plus a poll or two' );
		$this->assertNotContains( 'GET ' . self::ID, $this->http->sent() );
		$this->assertArrayNotHasKey( self::ID . ':wait:0', $this->values, 'the waiter slot was given back' );
	}

	public function testWaitersBeyondMaxWaitersFailAtOnce(): void {
		$this->values[self::ID . ':lock'] = 'held';
		$this->values[self::ID . ':wait:0'] = '1';
		$this->values[self::ID . ':wait:1'] = '1';
		$handler = $this->handler( [ 'lock_wait' => 5, 'max_waiters' => 2 ] );

		$start = microtime( true );
		$this->assertFalse( $handler->read( self::ID ) );

		$this->assertLessThan( 0.5, microtime( true ) - $start, 'no wait at all (lock_wait is 5 s)' );
		$this->assertStringContainsString( 'max_waiters', $this->log[0] );
	}

	public function testValidateIdReadsOnceForTheFollowingRead(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ] );

		$this->assertTrue( $handler->validateId( self::ID ) );
		$this->assertSame( 'a|i:1;', $handler->read( self::ID ) );
		$this->assertSame( [ 'GET ' . self::ID ], $this->http->sent() );
	}

	public function testValidateIdRefusesAnUnknownId(): void {
		$this->assertFalse( $this->handler( [ 'locking' => 'none' ] )->validateId( self::ID ) );
	}

	public static function provideMalformedIds(): array {
		return [
			'path' => [ '../../x' ],
			'encoded slash' => [ 'a%2Fb' ],
			'NUL' => [ "a\0b" ],
			'colon, as in the lock key' => [ self::ID . ':lock' ],
			'longer than PHP allows' => [ str_repeat( 'a', 257 ) ],
			'1 MB' => [ str_repeat( 'a', 1 << 20 ) ],
			'empty' => [ '' ],
		];
	}

	/**
	 * A cookie PHP's session ids are never made of (PHP passes on all but a few characters) is
	 * refused without a request, so that PHP makes a new id, rather than kept for a read that the
	 * server refuses (a 404 for a path, 431 for a long one): session_start() would fail on every
	 * request of that client.
	 *
	 * @dataProvider provideMalformedIds
	 */
	public function testValidateIdRefusesAMalformedIdWithoutARequest( string $id ): void {
		$handler = $this->handler( [], static function () {
			return new Response( 404, [], '' );
		} );

		$this->assertFalse( $handler->validateId( $id ) );
		$this->assertSame( [], $this->http->requests );
		$this->assertSame( [], $this->log );
	}

	public function testValidateIdKeepsTheIdWhenTheStoreFailsAndReadFailsWithoutAnotherRequest(): void {
		$handler = $this->handler( [ 'locking' => 'none' ], static function () {
			return new Response( 503, [], '' );
		} );

		$this->assertTrue( $handler->validateId( self::ID ) );
		$this->assertFalse( $handler->read( self::ID ) );
		$this->assertCount( 1, $this->http->requests );
	}

	public function testUpdateTimestampPatchesTheTtl(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ] );
		$handler->read( self::ID );

		$this->assertTrue( $handler->updateTimestamp( self::ID, 'a|i:1;' ) );
		$this->assertSame( [ 'PATCH ' . self::ID, [ 'Cache-Control' => 'max-age=600' ], '' ], $this->http->requests[1] );
	}

	public function testUpdateTimestampWritesASessionThatExpiredMeanwhile(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ] );
		$handler->read( self::ID );
		unset( $this->values[self::ID] );

		$this->assertTrue( $handler->updateTimestamp( self::ID, 'a|i:1;' ) );
		$this->assertSame( 'a|i:1;', $this->values[self::ID] );
	}

	public function testUpdateTimestampWritesWholeOnAServerWithoutPatch(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ], static function ( $method ) {
			return $method === 'PATCH' ? new Response( 405, [], '' ) : null;
		} );
		$handler->read( self::ID );

		$this->assertTrue( $handler->updateTimestamp( self::ID, 'a|i:1;' ) );
		$this->assertSame( [ 'GET ' . self::ID, 'PATCH ' . self::ID, 'POST ' . self::ID ], $this->http->sent() );
	}

	public function testWritePostsWithTheTtl(): void {
		$handler = $this->handler( [ 'locking' => 'none' ] );
		$handler->read( self::ID );

		$this->assertTrue( $handler->write( self::ID, 'a|i:2;' ) );
		$this->assertSame( [ 'POST ' . self::ID, [ 'Cache-Control' => 'max-age=600' ], 'a|i:2;' ],
			$this->http->requests[1] );
	}

	public function testWritingNothingDeletesAStoredSession(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'none' ] );
		$handler->read( self::ID );

		$this->assertTrue( $handler->write( self::ID, '' ) );
		$this->assertSame( [ 'GET ' . self::ID, 'DELETE ' . self::ID ], $this->http->sent() );
	}

	public function testAnEmptyNewSessionSendsNoRequest(): void {
		$handler = $this->handler();
		$id = $handler->create_sid();

		$this->assertSame( '', $handler->read( $id ) );
		$this->assertTrue( $handler->updateTimestamp( $id, '' ) );
		$this->assertTrue( $handler->write( $id, '' ) );
		$this->assertSame( [], $this->http->requests );
		$this->assertMatchesRegularExpression( '/^[0-9a-f]{32}$/', $id );
	}

	public static function provideLockingModes(): array {
		return [ 'lock' => [ 'lock' ], 'optimistic' => [ 'optimistic' ], 'none' => [ 'none' ] ];
	}

	/**
	 * With session.serialize_handler php_serialize, PHP encodes an empty $_SESSION as `a:0:{}`, not
	 * '': every request without a session cookie stored a new session.
	 *
	 * @dataProvider provideLockingModes
	 */
	public function testAnEmptyNewPhpSerializeSessionSendsNoRequest( string $locking ): void {
		$handler = $this->handler( [ 'serialize_handler' => 'php_serialize', 'locking' => $locking ] );
		$id = $handler->create_sid();
		$handler->read( $id );

		$this->assertTrue( $handler->write( $id, 'a:0:{}' ) );
		$this->assertSame( [], $this->http->requests );
	}

	public function testEmptyingAPhpSerializeSessionDeletesIt(): void {
		$this->values[self::ID] = serialize( [ 'a' => 1 ] );
		$handler = $this->handler( [ 'serialize_handler' => 'php_serialize' ] );
		$handler->read( self::ID );

		$this->assertTrue( $handler->write( self::ID, 'a:0:{}' ) );
		$this->assertArrayNotHasKey( self::ID, $this->values );
	}

	public function testOptimisticWriteMergesAfterAConflict(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'optimistic' ] );
		$handler->read( self::ID );
		$this->values[self::ID] = 'a|i:1;theirs|i:2;';

		$this->assertTrue( $handler->write( self::ID, 'a|i:1;mine|i:3;' ) );
		$this->assertSame( 'a|i:1;theirs|i:2;mine|i:3;', $this->values[self::ID] );
		$this->assertSame( [ 'GET ' . self::ID, 'POST ' . self::ID, 'GET ' . self::ID, 'POST ' . self::ID ],
			$this->http->sent() );
	}

	public function testOptimisticWriteMergesTheFormatOfSerializeHandler(): void {
		$this->values[self::ID] = serialize( [ 'a' => 1 ] );
		$handler = $this->handler( [ 'locking' => 'optimistic', 'serialize_handler' => 'php_serialize' ] );
		$handler->read( self::ID );
		$this->values[self::ID] = serialize( [ 'a' => 1, 'theirs' => 2 ] );

		$this->assertTrue( $handler->write( self::ID, serialize( [ 'a' => 1, 'mine' => 3 ] ) ) );
		$this->assertSame( [ 'a' => 1, 'theirs' => 2, 'mine' => 3 ], unserialize( $this->values[self::ID] ) );
	}

	public function testOptimisticWriteDoesNotBringBackADeletedSession(): void {
		$this->values[self::ID] = 'a|i:1;';
		$handler = $this->handler( [ 'locking' => 'optimistic' ] );
		$handler->read( self::ID );
		unset( $this->values[self::ID] );

		$this->assertFalse( $handler->write( self::ID, 'a|i:2;' ) );
		$this->assertArrayNotHasKey( self::ID, $this->values );
	}

	public function testOptimisticTimestampUpdateDoesNotBringBackADeletedSession(): void {
		$this->values[self::ID] = 'user|s:5:"alice";';
		$handler = $this->handler( [ 'locking' => 'optimistic' ] );
		$handler->read( self::ID );
		// another request logs out meanwhile; this one changed nothing
		unset( $this->values[self::ID] );

		$this->assertFalse( $handler->updateTimestamp( self::ID, 'user|s:5:"alice";' ) );
		$this->assertArrayNotHasKey( self::ID, $this->values );
	}

	public function testNoLockModeSendsNoLockRequest(): void {
		$handler = $this->handler( [ 'locking' => 'none' ] );
		$handler->read( self::ID );
		$handler->write( self::ID, 'a|i:1;' );
		$handler->close();

		$this->assertSame( [ 'GET ' . self::ID, 'POST ' . self::ID ], $this->http->sent() );
	}

	public function testDestroyDeletes(): void {
		$this->values[self::ID] = 'a|i:1;';

		$this->assertTrue( $this->handler( [ 'locking' => 'none' ] )->destroy( self::ID ) );
		$this->assertSame( [], $this->values );
	}
}
