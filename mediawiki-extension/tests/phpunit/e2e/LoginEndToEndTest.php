<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\E2E;

use MediaWiki\Extension\KaskStore\ValueEnvelope;
use PHPUnit\Framework\TestCase;

/**
 * A real MediaWiki wiki (1.39 or 1.43) with the extension loaded and `$wgSessionCacheType = 'kask'`:
 * log in through the action API, make a later authenticated request, log out, and check on the
 * kask-ts server itself (GET of the session key) that the sessions lived there.
 *
 * bin/e2e-login.sh installs the wiki, serves it and sets the environment this test reads:
 * KASK_BASE_URL, KASK_E2E_API_URL, KASK_E2E_USER, KASK_E2E_PASSWORD, KASK_E2E_DBNAME,
 * KASK_E2E_HMAC_KEY, KASK_E2E_LOG_DIR and KASK_E2E_CACHE_CLASS (the class the wiki should use).
 * Without them the test fails: run it through bin/e2e-login.sh.
 *
 * The tests depend on each other: they are the steps of one browser-like visit.
 *
 * @coversNothing
 */
class LoginEndToEndTest extends TestCase {
	/** @var array<string,string> */
	private static $env = [];

	/** @var resource|\CurlHandle|null One curl handle: its in-memory cookie jar is the browser's */
	private static $curl;

	public static function setUpBeforeClass(): void {
		parent::setUpBeforeClass();
		$names = [
			'KASK_BASE_URL', 'KASK_E2E_API_URL', 'KASK_E2E_USER', 'KASK_E2E_PASSWORD',
			'KASK_E2E_DBNAME', 'KASK_E2E_HMAC_KEY', 'KASK_E2E_LOG_DIR', 'KASK_E2E_CACHE_CLASS',
		];
		foreach ( $names as $name ) {
			$value = getenv( $name );
			if ( $value !== false && $value !== '' ) {
				self::$env[$name] = $value;
			}
		}
		self::$curl = curl_init();
		// An empty file name switches on curl's in-memory cookie engine
		curl_setopt( self::$curl, CURLOPT_COOKIEFILE, '' );
		curl_setopt( self::$curl, CURLOPT_RETURNTRANSFER, true );
		curl_setopt( self::$curl, CURLOPT_TIMEOUT, 30 );
	}

	public static function tearDownAfterClass(): void {
		curl_close( self::$curl );
		self::$curl = null;
		parent::tearDownAfterClass();
	}

	protected function setUp(): void {
		parent::setUp();
		if ( count( self::$env ) < 8 ) {
			$this->fail( 'No wiki to test against: run bin/e2e-login.sh (or bin/test.sh), which installs one' );
		}
	}

	/**
	 * Call the action API as the browser.
	 *
	 * @param array $params
	 * @param bool $post
	 * @return array The decoded JSON answer
	 */
	private function api( array $params, bool $post = false ): array {
		$params += [ 'format' => 'json', 'formatversion' => '2' ];
		$url = self::$env['KASK_E2E_API_URL'];
		curl_setopt( self::$curl, CURLOPT_POST, $post );
		if ( $post ) {
			curl_setopt( self::$curl, CURLOPT_URL, $url );
			curl_setopt( self::$curl, CURLOPT_POSTFIELDS, http_build_query( $params ) );
		} else {
			curl_setopt( self::$curl, CURLOPT_URL, $url . '?' . http_build_query( $params ) );
			curl_setopt( self::$curl, CURLOPT_HTTPGET, true );
		}
		$body = curl_exec( self::$curl );
		$this->assertIsString( $body, 'the wiki answers: ' . curl_error( self::$curl ) );
		$this->assertSame( 200, curl_getinfo( self::$curl, CURLINFO_RESPONSE_CODE ), $body );
		$answer = json_decode( $body, true );
		$this->assertIsArray( $answer, $body );
		$this->assertArrayNotHasKey( 'error', $answer, $body );
		return $answer;
	}

	/**
	 * @return string|null The session id in the browser's cookie jar
	 */
	private function sessionId(): ?string {
		$cookieName = self::$env['KASK_E2E_DBNAME'] . '_session';
		foreach ( curl_getinfo( self::$curl, CURLINFO_COOKIELIST ) as $line ) {
			// Netscape format: domain, subdomains, path, secure, expiry, name, value
			$fields = explode( "\t", $line );
			if ( count( $fields ) === 7 && $fields[5] === $cookieName ) {
				return $fields[6];
			}
		}
		return null;
	}

	/**
	 * GET the session's key straight from the kask-ts server.
	 *
	 * @param string $sessionId
	 * @return array [ status, body ]
	 */
	private function readFromKask( string $sessionId ): array {
		$key = self::$env['KASK_E2E_DBNAME'] . ':MWSession:' . $sessionId;
		$curl = curl_init( rtrim( self::$env['KASK_BASE_URL'], '/' ) . '/' . rawurlencode( $key ) );
		curl_setopt( $curl, CURLOPT_RETURNTRANSFER, true );
		curl_setopt( $curl, CURLOPT_TIMEOUT, 10 );
		$body = curl_exec( $curl );
		$status = curl_getinfo( $curl, CURLINFO_RESPONSE_CODE );
		curl_close( $curl );
		return [ $status, $body ];
	}

	public function testAnAnonymousVisitGetsALoginTokenAndASessionInKask(): array {
		$answer = $this->api( [ 'action' => 'query', 'meta' => 'tokens', 'type' => 'login' ] );

		$loginToken = $answer['query']['tokens']['logintoken'] ?? '';
		$this->assertStringEndsWith( '+\\', $loginToken );
		$anonymousSessionId = $this->sessionId();
		$this->assertNotNull( $anonymousSessionId, 'the wiki set a session cookie' );
		$this->assertSame( 200, $this->readFromKask( $anonymousSessionId )[0], 'the session is stored in kask-ts' );

		return [ 'loginToken' => $loginToken, 'anonymousSessionId' => $anonymousSessionId ];
	}

	/**
	 * @depends testAnAnonymousVisitGetsALoginTokenAndASessionInKask
	 */
	public function testClientLoginPassesAndTheUserSessionIsStoredInKask( array $visit ): string {
		$answer = $this->api( [
			'action' => 'clientlogin',
			'username' => self::$env['KASK_E2E_USER'],
			'password' => self::$env['KASK_E2E_PASSWORD'],
			'logintoken' => $visit['loginToken'],
			'loginreturnurl' => self::$env['KASK_E2E_API_URL'],
		], true );

		$this->assertSame( 'PASS', $answer['clientlogin']['status'] ?? null, json_encode( $answer ) );
		$sessionId = $this->sessionId();
		$this->assertNotSame( $visit['anonymousSessionId'], $sessionId, 'login rotates the session id' );
		$this->assertSame( 404, $this->readFromKask( $visit['anonymousSessionId'] )[0], 'the old id is deleted' );

		[ $status, $body ] = $this->readFromKask( $sessionId );
		$this->assertSame( 200, $status, 'the logged-in session is stored in kask-ts' );
		$this->assertStringStartsWith( 'PHP.', $body, 'RESTBagOStuff\'s envelope, PHP serialization' );
		$session = ( new ValueEnvelope( 'PHP', self::$env['KASK_E2E_HMAC_KEY'] ) )->decode( $body );
		$this->assertIsArray( $session, 'the HMAC verifies with the wiki\'s key' );
		$this->assertSame(
			$session, ( new ValueEnvelope( 'PHP' ) )->decode( $body ),
			'the session holds no object: a wiki without an HMAC key, whose unsigned PHP values ' .
			'may hold none, reads it all the same'
		);
		// The session's user: MediaWiki 1.43 no longer copies the name into the session data
		$this->assertSame( self::$env['KASK_E2E_USER'], $session['metadata']['userName'] ?? null );
		$this->assertGreaterThan( 0, $session['metadata']['userId'] ?? 0 );

		return $sessionId;
	}

	/**
	 * @depends testClientLoginPassesAndTheUserSessionIsStoredInKask
	 */
	public function testALaterRequestIsStillAuthenticated( string $sessionId ): string {
		$answer = $this->api( [ 'action' => 'query', 'meta' => 'userinfo' ] );

		$this->assertSame( self::$env['KASK_E2E_USER'], $answer['query']['userinfo']['name'] );
		$this->assertGreaterThan( 0, $answer['query']['userinfo']['id'] );
		$this->assertArrayNotHasKey( 'anon', $answer['query']['userinfo'] );
		$this->assertSame( $sessionId, $this->sessionId() );

		return $sessionId;
	}

	/**
	 * @depends testALaterRequestIsStillAuthenticated
	 */
	public function testLogoutRemovesTheSessionFromKask( string $sessionId ) {
		$csrf = $this->api( [ 'action' => 'query', 'meta' => 'tokens', 'type' => 'csrf' ] );
		$this->api( [ 'action' => 'logout', 'token' => $csrf['query']['tokens']['csrftoken'] ], true );

		$this->assertSame( 404, $this->readFromKask( $sessionId )[0], 'the session is gone from kask-ts' );
		$answer = $this->api( [ 'action' => 'query', 'meta' => 'userinfo' ] );
		$this->assertTrue( $answer['query']['userinfo']['anon'] ?? false );
		$this->assertSame( 0, $answer['query']['userinfo']['id'] );
	}

	/**
	 * @depends testLogoutRemovesTheSessionFromKask
	 */
	public function testTheWikiLoggedNoStoreErrorAndNoSessionKey() {
		$sessionLog = $this->readLog( 'session.log' );
		$objectCacheLog = $this->readLog( 'objectcache.log' );

		$this->assertStringContainsString(
			'SessionManager using store ' . self::$env['KASK_E2E_CACHE_CLASS'] . "\n", $sessionLog
		);
		$this->assertDoesNotMatchRegularExpression(
			'/Kask(Ts)?BagOStuff: /', $objectCacheLog, 'no failed request, whichever the class'
		);
		$this->assertStringNotContainsString( ':MWSession:', $objectCacheLog );
	}

	/**
	 * @param string $name A log file written by the wiki ($wgDebugLogGroups)
	 * @return string
	 */
	private function readLog( string $name ): string {
		$path = self::$env['KASK_E2E_LOG_DIR'] . "/$name";
		return is_readable( $path ) ? (string)file_get_contents( $path ) : '';
	}
}
