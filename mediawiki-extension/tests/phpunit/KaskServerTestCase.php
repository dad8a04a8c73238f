<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use MediaWiki\Extension\KaskStore\ClientCertificateHttpClient;
use MediaWiki\Extension\KaskStore\KaskTransport;
use PHPUnit\Framework\TestCase;

/**
 * Base of the tests that talk to a running Kask-compatible server, whose session route is given
 * by the KASK_BASE_URL environment variable (e.g. http://127.0.0.1:8081/sessions/v1/).
 * Without it the tests fail: bin/test.sh starts a server and sets it. Every test uses keys of its own, so runs never collide.
 * For a server that requires a client certificate, KASK_CLIENT_CERT, KASK_CLIENT_KEY and KASK_CA_FILE
 * name the client's certificate, its key and the CA of the server's (see tlsParams()).
 */
abstract class KaskServerTestCase extends TestCase {
	/** Largest request body kask-ts accepts by default (max_value_bytes) */
	protected const MAX_VALUE_BYTES = 1048576;

	/** @var string */
	protected $baseUrl;

	/** @var RecordingLogger */
	protected $logger;

	protected function setUp(): void {
		parent::setUp();
		$url = getenv( 'KASK_BASE_URL' );
		if ( !$url ) {
			$this->fail( 'KASK_BASE_URL is not set: run bin/test.sh, which starts a kask-ts server' );
		}
		$this->baseUrl = rtrim( $url, '/' ) . '/';
		$this->logger = new RecordingLogger();
	}

	/**
	 * @param string $name Readable part of the key
	 * @return string A key no other test uses, shaped like a MediaWiki session key
	 */
	protected function uniqueKey( string $name = 'k' ): string {
		return 'kaskstore_test:MWSession:' . bin2hex( random_bytes( 12 ) ) . ":$name";
	}

	/**
	 * Skip the test unless the server is kask-ts: KASKSTORE_EXTENDED_API=0 says it is another
	 * one that follows Kask's API, such as Kask itself.
	 *
	 * @param string $why What the test needs of kask-ts
	 */
	protected function skipUnlessKaskTs( string $why ): void {
		if ( getenv( 'KASKSTORE_EXTENDED_API' ) === '0' ) {
			$this->markTestSkipped( "KASKSTORE_EXTENDED_API=0: $why" );
		}
	}

	/**
	 * Send one request straight to the server, bypassing every BagOStuff.
	 *
	 * @param string $method
	 * @param string $key Not yet encoded
	 * @param string|null $body
	 * @return array [ status, body, headers ]
	 */
	protected function rawRequest( string $method, string $key, ?string $body = null ): array {
		$request = [
			'method' => $method,
			'url' => $this->baseUrl . KaskTransport::pathSegment( $key ),
		];
		if ( $body !== null ) {
			$request['body'] = $body;
			$request['headers'] = [ 'content-type' => 'application/octet-stream' ];
		}
		$client = new ClientCertificateHttpClient( self::tlsParams() + [ 'connTimeout' => 2, 'reqTimeout' => 5 ] );
		$response = $client->run( $request );
		return [ $response['code'], $response['body'], $response['headers'] ];
	}

	/**
	 * @return string[] The HTTP client's TLS parameters from the environment (caBundlePath,
	 *  clientCert, clientKey): none for a server without TLS
	 */
	protected static function tlsParams(): array {
		$params = [
			'caBundlePath' => getenv( 'KASK_CA_FILE' ),
			'clientCert' => getenv( 'KASK_CLIENT_CERT' ),
			'clientKey' => getenv( 'KASK_CLIENT_KEY' ),
		];
		return array_filter( $params, static function ( $value ) {
			return is_string( $value ) && $value !== '';
		} );
	}

	/**
	 * @return string A base URL on a loopback port where nothing listens
	 */
	protected static function unreachableBaseUrl(): string {
		$socket = stream_socket_server( 'tcp://127.0.0.1:0' );
		$address = stream_socket_get_name( $socket, false );
		fclose( $socket );
		return "http://$address/sessions/v1/";
	}
}
