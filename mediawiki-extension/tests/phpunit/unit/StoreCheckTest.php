<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\StoreCheck;
use MediaWiki\Extension\KaskStore\Tests\FakeHttpClient;
use PHPUnit\Framework\TestCase;
use RESTBagOStuff;

/**
 * The store check of maintenance/checkStore.php, on a fake server: what each step reports and
 * under which step a failure is reported. (Against real kask-ts servers, with TLS: the
 * integration tests.)
 *
 * @covers \MediaWiki\Extension\KaskStore\StoreCheck
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 */
class StoreCheckTest extends TestCase {
	private const URL = 'http://kask.test:8081/sessions/v1/';

	/**
	 * @param FakeHttpClient $client
	 * @param array $params
	 * @param int $sessionExpiry
	 * @return array[] The results, as [ status, step, message ]
	 */
	private static function check( FakeHttpClient $client, array $params = [], int $sessionExpiry = 86400 ): array {
		$params += [
			'class' => KaskBagOStuff::class,
			'url' => self::URL,
			'client' => $client,
			'hmac_key' => 'secret',
		];
		return ( new StoreCheck( $params, $sessionExpiry ) )->run();
	}

	/**
	 * @param array[] $results
	 * @return string[] Each result as "status step"
	 */
	private static function summary( array $results ): array {
		return array_map( static function ( array $result ): string {
			return "{$result[0]} {$result[1]}";
		}, $results );
	}

	/**
	 * @param array[] $results
	 * @param string $status
	 * @param string $step
	 * @return string The message of the first result with that status and step
	 */
	private function messageOf( array $results, string $status, string $step ): string {
		foreach ( $results as [ $resultStatus, $resultStep, $message ] ) {
			if ( $resultStatus === $status && $resultStep === $step ) {
				return $message;
			}
		}
		$this->fail( "no $status result at $step: " . json_encode( $results ) );
	}

	public function testAPlainKaskPassesAndCannotSayHowLongItKeepsValues() {
		$kask = new FakeHttpClient();
		$kask->extensions = false;

		$results = self::check( $kask );

		$this->assertSame( [
			'ok configuration', 'ok reach', 'ok identity', 'ok write', 'ok read', 'warning expiry',
			'ok delete',
		], self::summary( $results ) );
		$this->assertStringContainsString( 'Kask-TTL', $this->messageOf( $results, 'warning', 'expiry' ) );
		$this->assertSame( [], $kask->stored, 'the check deleted what it wrote' );
		$this->assertSame( [ 'GET', 'POST', 'GET', 'GET', 'DELETE', 'GET' ], $kask->methods() );
	}

	public function testTheServersTtlIsComparedWithTheSessionExpiry() {
		$kaskTs = new FakeHttpClient();
		$kaskTs->defaultTtl = 3600;

		$this->assertStringContainsString(
			'3600 s to live', $this->messageOf( self::check( $kaskTs, [], 3600 ), 'ok', 'expiry' )
		);
		$message = $this->messageOf( self::check( $kaskTs, [], 86400 ), 'warning', 'expiry' );
		$this->assertStringContainsString( 'only 3600 s to live: sessions end early', $message );
		$this->assertStringContainsString( 'default_ttl', $message );
		$this->assertStringContainsString( '$wgObjectCacheSessionExpiry', $message );
	}

	public function testUnsignedValuesAreAWarning() {
		$results = self::check( new FakeHttpClient(), [ 'hmac_key' => '' ] );

		$message = $this->messageOf( $results, 'warning', 'configuration' );
		$this->assertStringContainsString( '$wgKaskStoreHmacKey', $message );
		$this->assertStringContainsString( 'forge any session', $message );
		$this->assertNotContains( 'FAIL', array_column( $results, 0 ) );
	}

	public static function provideFailures(): array {
		$instance = '/sessions/v1/kaskstore-check';
		return [
			'connection refused' => [
				self::URL, FakeHttpClient::response( 0, '', [], '(curl error: 7) Couldn\'t connect to server' ),
				'reach', 'Couldn\'t connect',
			],
			'an untrusted server certificate' => [
				'https://kask.test/sessions/v1/',
				FakeHttpClient::response( 0, '', [], '(curl error: 60) SSL peer certificate or SSH remote key was not OK' ),
				'tls', '$wgKaskStoreCaBundlePath',
			],
			'a refused handshake' => [
				'https://kask.test/sessions/v1/',
				FakeHttpClient::response( 0, '', [], '(curl error: 56) Failure when receiving data from the peer' ),
				'tls', '$wgKaskStoreClientCert',
			],
			'no identity' => [
				self::URL, FakeHttpClient::problem( 401, 'not_authorized', 'Not authorized', 'Unable to authorize request', $instance ),
				'identity', '$wgKaskStoreClientCert',
			],
			'storage unavailable' => [
				self::URL, FakeHttpClient::problem( 503, 'service_unavailable', 'Service unavailable', 'Storage is unavailable', $instance ),
				'read', 'Storage is unavailable',
			],
		];
	}

	/**
	 * The first request fails: the check ends there, under the step the failure points at,
	 * with the line the class in use logged.
	 *
	 * @dataProvider provideFailures
	 */
	public function testAFailureEndsTheCheckUnderItsStep( string $url, array $response, string $step, string $says ) {
		$results = self::check(
			FakeHttpClient::answering( $response ), [ 'url' => $url, 'class' => KaskTsBagOStuff::class ]
		);

		$this->assertSame( [ 'ok configuration', "FAIL $step" ], self::summary( $results ) );
		$message = $results[1][2];
		$this->assertStringStartsWith( 'KaskTsBagOStuff: get failed', $message );
		$this->assertStringContainsString( $says, $message );
		$this->assertStringNotContainsString( 'kaskstore-check:', $message, 'no key' );
	}

	public function testAWriteWithoutPermissionIsAnIdentityFailure() {
		$client = FakeHttpClient::withHook( static function ( array $request ) {
			return $request['method'] === 'POST'
				? FakeHttpClient::problem( 403, 'forbidden', 'Forbidden', 'No permission', '/sessions/v1/k' )
				: null;
		} );

		$results = self::check( $client );

		$this->assertSame(
			[ 'ok configuration', 'ok reach', 'ok identity', 'FAIL identity' ], self::summary( $results )
		);
		$this->assertStringStartsWith( 'KaskBagOStuff: set failed: (403)', $results[3][2] );
		$this->assertStringContainsString( '`clients`', $results[3][2] );
	}

	public function testAValueTheServerDoesNotKeepIsAReadFailure() {
		$client = FakeHttpClient::withHook( static function ( array $request ) {
			return FakeHttpClient::response( $request['method'] === 'POST' ? 201 : 404 );
		} );

		$results = self::check( $client );

		$this->assertSame( 'FAIL read', self::summary( $results )[4] );
		$this->assertStringContainsString( 'read as a miss', $results[4][2] );
		$this->assertSame( 'DELETE', $client->methods()[3], 'what was written is deleted' );
	}

	public static function provideBadEntries(): array {
		return [
			'another class' => [ [ 'class' => RESTBagOStuff::class ], 'not MediaWiki\\Extension\\KaskStore\\KaskBagOStuff' ],
			'a CA bundle that is not there' => [
				[ 'client' => null, 'caBundlePath' => '/nonexistent/ca.pem' ], '/nonexistent/ca.pem',
			],
			'an unknown serialization type' => [ [ 'serialization_type' => 'XML' ], 'XML' ],
		];
	}

	/**
	 * @dataProvider provideBadEntries
	 */
	public function testAnEntryThatMakesNoKaskStoreCacheIsAConfigurationFailure( array $params, string $says ) {
		$results = self::check( new FakeHttpClient(), $params );

		$this->assertSame( [ 'FAIL configuration' ], self::summary( $results ) );
		$this->assertStringContainsString( $says, $results[0][2] );
	}
}
