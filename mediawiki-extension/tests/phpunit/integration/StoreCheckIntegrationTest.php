<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Integration;

use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\StoreCheck;
use MediaWiki\Extension\KaskStore\Tests\KaskServerTestCase;

/**
 * The store check of maintenance/checkStore.php against a running server (KASK_BASE_URL): every
 * step passes with the right settings, and real failures (nothing listening; over https, a
 * certificate the client cannot verify, a client without a certificate, plain http) are reported
 * under their step, naming the setting to check. bin/test.sh runs the https cases last, against
 * a kask-ts that requires client certificates; before that they are skipped.
 *
 * @covers \MediaWiki\Extension\KaskStore\StoreCheck
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 */
class StoreCheckIntegrationTest extends KaskServerTestCase {
	/** The server's default_ttl, as bin/test.sh starts it: kask-ts's default */
	private const SERVER_TTL = 86400;

	/**
	 * @param array $params Options of the $wgObjectCaches entry
	 * @return array[] The results, as [ status, step, message ]
	 */
	private function check( array $params ): array {
		$params += self::tlsParams() + [
			'class' => KaskBagOStuff::class,
			'url' => $this->baseUrl,
			'hmac_key' => 'secret',
		];
		return ( new StoreCheck( $params, self::SERVER_TTL, 1 ) )->run();
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
	 * The tests of group tls need a kask-ts over https with tls.client_ca (bin/test.sh runs one last); against a
	 * plain-http server, run the suite with --exclude-group tls.
	 */
	private function requireHttps(): void {
		if ( strncmp( $this->baseUrl, 'https:', 6 ) !== 0 ) {
			$this->fail( 'needs a kask-ts over https with tls.client_ca: run with --exclude-group tls against ' . $this->baseUrl );
		}
	}

	public static function provideClasses(): array {
		return [
			'KaskBagOStuff' => [ KaskBagOStuff::class ],
			'KaskTsBagOStuff' => [ KaskTsBagOStuff::class ],
		];
	}

	/**
	 * @dataProvider provideClasses
	 */
	public function testEveryStepPasses( string $class ) {
		if ( $class === KaskTsBagOStuff::class ) {
			$this->skipUnlessKaskTs( 'KaskTsBagOStuff needs kask-ts' );
		}
		$kaskTs = getenv( 'KASKSTORE_EXTENDED_API' ) !== '0';
		$https = strncmp( $this->baseUrl, 'https:', 6 ) === 0;

		$results = $this->check( [ 'class' => $class ] );

		$expected = array_merge(
			[ 'ok configuration', 'ok reach' ],
			$https ? [ 'ok tls' ] : [],
			[ 'ok identity', 'ok write', 'ok read', $kaskTs ? 'ok expiry' : 'warning expiry' ],
			$class === KaskTsBagOStuff::class ? [ 'ok expiry' ] : [],
			[ 'ok delete' ]
		);
		$this->assertSame( $expected, self::summary( $results ), json_encode( $results ) );
		$expiry = array_values( array_filter( $results, static function ( array $result ): bool {
			return $result[1] === 'expiry';
		} ) );
		if ( $kaskTs ) {
			$this->assertStringContainsString( 'has ' . self::SERVER_TTL . ' s to live', $expiry[0][2] );
		}
		if ( $class === KaskTsBagOStuff::class ) {
			$this->assertStringContainsString( 'expire in 1 s was gone 2 s later', $expiry[1][2] );
		}
	}

	public function testNothingListeningFailsAtReach() {
		$results = $this->check( [ 'url' => self::unreachableBaseUrl() ] );

		$this->assertSame( [ 'ok configuration', 'FAIL reach' ], self::summary( $results ) );
		$this->assertStringStartsWith( 'KaskBagOStuff: get failed: (0) (curl error: 7)', $results[1][2] );
	}

	/**
	 * @group tls
	 */
	public function testAServerCertificateTheClientCannotVerifyFailsAtTlsNamingTheCaSetting() {
		$this->requireHttps();

		$results = $this->check( [ 'caBundlePath' => null, 'class' => KaskTsBagOStuff::class ] );

		$this->assertSame( [ 'ok configuration', 'FAIL tls' ], self::summary( $results ) );
		$this->assertStringStartsWith( 'KaskTsBagOStuff: get failed: (0) (curl error: 60)', $results[1][2] );
		$this->assertStringContainsString( 'check $wgKaskStoreCaBundlePath (caBundlePath)', $results[1][2] );
	}

	/**
	 * @group tls
	 */
	public function testAClientWithoutACertificateFailsAtIdentityNamingTheCertificateSettings() {
		$this->requireHttps();

		$results = $this->check( [ 'clientCert' => null, 'clientKey' => null ] );

		// kask-ts completes the handshake of a client without a certificate (a probe's) and answers 401
		$this->assertSame( [ 'ok configuration', 'FAIL identity' ], self::summary( $results ) );
		$this->assertStringContainsString(
			'requires a TLS client certificate ($wgKaskStoreClientCert and $wgKaskStoreClientKey', $results[1][2]
		);
	}

	/**
	 * @group tls
	 */
	public function testPlainHttpToTheTlsServerFailsAtTlsNamingTheScheme() {
		$this->requireHttps();

		$results = $this->check( [ 'url' => 'http:' . substr( $this->baseUrl, strlen( 'https:' ) ) ] );

		$this->assertSame( [ 'ok configuration', 'FAIL tls' ], self::summary( $results ) );
		$this->assertStringContainsString( 'must start with https://', $results[1][2] );
	}
}
