<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Integration;

use KaskTs\PhpSession\Tests\Browser;
use KaskTs\PhpSession\Tests\WebServerTestCase;

/**
 * What PHP's session settings ask of the handler, through a web server: an outage never replaces
 * a session, strict mode refuses unknown ids, lazy write writes nothing for an unchanged session.
 *
 * @covers \KaskTs\PhpSession\KaskSessionHandler
 * @covers \KaskTs\PhpSession\HttpClient
 */
class SessionLifecycleTest extends WebServerTestCase {
	public function testStoreOutageFailsTheRequestAndNeverReplacesTheSession(): void {
		$browser = new Browser( $this->webServer( '', [ 'session.use_strict_mode' => '1' ] )->url );
		$browser->get( 'add=before' );
		$id = $browser->sessionId;

		self::$kask->stop();
		try {
			$during = $browser->get( 'add=during' );
		} finally {
			self::$kask->start();
		}

		$this->assertSame( 503, $during['status'], 'the session did not start' );
		$this->assertFalse( $during['setCookie'], 'no new session id was given' );
		$this->assertSame( $id, $browser->sessionId );
		$this->assertSame( [ 'before' ], $browser->keys(), 'the session is as it was' );
	}

	public function testStrictModeRefusesAnUnknownId(): void {
		$browser = new Browser( $this->webServer( '', [ 'session.use_strict_mode' => '1' ] )->url );
		$browser->sessionId = 'attackerchosenid0123456789abcdef';

		$answer = $browser->get( 'add=x' );

		$this->assertTrue( $answer['setCookie'] );
		$this->assertNotSame( 'attackerchosenid0123456789abcdef', $browser->sessionId );
		$this->assertSame( 404, self::store()->request( 'GET', 'attackerchosenid0123456789abcdef' )->status );
		$this->assertSame( 200, self::store()->request( 'GET', $browser->sessionId )->status );
	}

	public function testStrictModeKeepsAKnownId(): void {
		$browser = new Browser( $this->webServer( '', [ 'session.use_strict_mode' => '1' ] )->url );
		$browser->get( 'add=a' );
		$id = $browser->sessionId;

		$answer = $browser->get( 'add=b' );

		$this->assertFalse( $answer['setCookie'] );
		$this->assertSame( $id, $browser->sessionId );
		$this->assertSame( [ 'a', 'b' ], $browser->keys() );
	}

	public function testRegeneratingTheIdMovesTheSessionWithoutWaitingForALock(): void {
		$browser = new Browser( $this->webServer( 'lock_wait=5', [ 'session.use_strict_mode' => '1' ] )->url );
		$browser->get( 'add=a' );
		$old = $browser->sessionId;

		$start = microtime( true );
		$answer = $browser->get( 'regenerate' );

		$this->assertLessThan( 1.0, microtime( true ) - $start, 'no lock wait' );
		$this->assertTrue( $answer['setCookie'] );
		$this->assertNotSame( $old, $browser->sessionId );
		$this->assertSame( 404, self::store()->request( 'GET', $old )->status );
		$this->assertSame( [ 'a' ], $browser->keys() );
		$this->assertSame( 404, self::store()->request( 'GET', "$old:lock" )->status );
		$this->assertSame( 404, self::store()->request( 'GET', "$browser->sessionId:lock" )->status );
	}

	public function testLazyWriteSendsNoWriteForAnUnchangedSession(): void {
		$browser = new Browser( $this->webServer( '', [ 'session.lazy_write' => '1' ] )->url );
		$browser->get( 'add=a' );
		$before = self::$kask->requestsByMethod();

		$browser->get( '' );

		$after = self::$kask->requestsByMethod();
		$this->assertSame( $before['POST'], $after['POST'], 'no POST' );
		$this->assertSame( ( $before['PATCH'] ?? 0 ) + 1, $after['PATCH'], 'one PATCH renews the TTL' );
	}

	public function testAChangedSessionIsWrittenOnce(): void {
		$browser = new Browser( $this->webServer( '', [ 'session.lazy_write' => '1' ] )->url );
		$browser->get( 'add=a' );
		$before = self::$kask->requestsByMethod();

		$browser->get( 'add=b' );

		$this->assertSame( $before['POST'] + 1, self::$kask->requestsByMethod()['POST'] );
	}

	public function testAnEmptyNewSessionCostsNoRequest(): void {
		$browser = new Browser( $this->webServer()->url );
		$before = self::$kask->requestsByMethod();

		$browser->get( '' );

		$this->assertSame( $before, self::$kask->requestsByMethod() );
	}

	public function testTheLockIsReleasedAtTheEndOfARequest(): void {
		$browser = new Browser( $this->webServer()->url );
		$browser->get( 'add=a' );
		$browser->get( 'add=b' );

		$this->assertSame( 404, self::store()->request( 'GET', "$browser->sessionId:lock" )->status );
	}

	public function testALockLeftByADeadProcessIsTakenWhenItExpires(): void {
		$browser = new Browser( $this->webServer( 'lock_wait=5' )->url );
		$browser->get( 'add=a' );
		self::store()->request( 'PUT', "$browser->sessionId:lock", [ 'Cache-Control' => 'max-age=1' ], 'dead' );

		$start = microtime( true );
		$answer = $browser->get( 'add=b' );

		$this->assertSame( 200, $answer['status'] );
		$this->assertGreaterThan( 0.5, microtime( true ) - $start, 'it waited for the lock' );
		$this->assertSame( [ 'a', 'b' ], $browser->keys() );
	}

	public function testTheWaitForALockIsBoundedByTime(): void {
		$browser = new Browser( $this->webServer( 'lock_wait=1' )->url );
		$browser->get( 'add=a' );
		self::store()->request( 'PUT', "$browser->sessionId:lock", [ 'Cache-Control' => 'max-age=60' ], 'held' );

		$start = microtime( true );
		$answer = $browser->get( 'add=b' );
		$elapsed = microtime( true ) - $start;
		self::store()->request( 'DELETE', "$browser->sessionId:lock" );

		$this->assertSame( 503, $answer['status'] );
		$this->assertGreaterThanOrEqual( 1.0, $elapsed );
		$this->assertLessThan( 3.0, $elapsed );
		$this->assertSame( [ 'a' ], $browser->keys() );
	}

	public function testARequestBeyondMaxWaitersFailsAtOnce(): void {
		$browser = new Browser( $this->webServer( 'lock_wait=5&max_waiters=1' )->url );
		$browser->get( 'add=a' );
		$store = self::store();
		$store->request( 'PUT', "$browser->sessionId:lock", [ 'Cache-Control' => 'max-age=60' ], 'held' );
		$store->request( 'PUT', "$browser->sessionId:wait:0", [ 'Cache-Control' => 'max-age=60' ], '1' );

		$start = microtime( true );
		$answer = $browser->get( 'add=b' );
		$elapsed = microtime( true ) - $start;
		$store->request( 'DELETE', "$browser->sessionId:lock" );
		$store->request( 'DELETE', "$browser->sessionId:wait:0" );

		$this->assertSame( 503, $answer['status'] );
		$this->assertLessThan( 1.0, $elapsed, 'it did not wait' );
	}

	public function testNoLogLineHoldsTheSessionId(): void {
		$server = $this->webServer( 'lock_wait=0.2' );
		$browser = new Browser( $server->url );
		$browser->get( 'add=a' );
		self::store()->request( 'PUT', "$browser->sessionId:lock", [ 'Cache-Control' => 'max-age=60' ], 'held' );
		$browser->get( 'add=b' );
		self::store()->request( 'DELETE', "$browser->sessionId:lock" );

		$this->assertStringContainsString( 'kask-ts session: read failed', $server->log() );
		$this->assertStringNotContainsString( $browser->sessionId, $server->log() );
	}
}
