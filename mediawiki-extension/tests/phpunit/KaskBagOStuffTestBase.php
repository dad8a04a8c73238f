<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use BagOStuff;
use InvalidArgumentException;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MultiHttpClient;
use PHPUnit\Framework\TestCase;
use Psr\Log\LogLevel;
use ReflectionClass;
use ReflectionProperty;
use RESTBagOStuff;

/**
 * What KaskBagOStuff and KaskTsBagOStuff both do, on the wire (a fake server with the API the
 * class needs), as MediaWiki's BagOStuffTestBase: each class's test case extends this one with
 * its factory, and adds what only that class does.
 */
abstract class KaskBagOStuffTestBase extends TestCase {
	protected const BASE_URL = 'http://kask.test:8081/sessions/v1/';
	protected const KEY = 'my_wiki:MWSession:e28ok0k1hqdkfgfj8cd81ejn3ga8imku';
	private const ENCODED_KEY = 'my_wiki%3AMWSession%3Ae28ok0k1hqdkfgfj8cd81ejn3ga8imku';
	protected const SECRET_VALUE = 'wsToken=0123456789abcdef';

	/** @var RecordingLogger */
	protected $logger;

	protected function setUp(): void {
		parent::setUp();
		$this->logger = new RecordingLogger();
	}

	/**
	 * @param array $params
	 * @return KaskBagOStuff An instance of the class under test
	 */
	abstract protected function newCache( array $params ): KaskBagOStuff;

	/**
	 * @return FakeHttpClient An in-memory server with the API the class needs: Kask's, or kask-ts's
	 */
	abstract protected function newServer(): FakeHttpClient;

	/**
	 * @return array[] Cases of testRequestsPerOperation(): name => [ name, methods ]
	 */
	abstract public static function provideWireScenarios(): array;

	/**
	 * @return array[] Cases of testSetSendsTheExpiryAsTheClassDoes(): name => [ exptime,
	 *  Cache-Control header or null ]
	 */
	abstract public static function provideExpiries(): array;

	protected function newBag( MultiHttpClient $client, array $params = [] ): KaskBagOStuff {
		return $this->newCache( $params + [
			'url' => self::BASE_URL,
			'client' => $client,
			'logger' => $this->logger,
		] );
	}

	/**
	 * @param KaskBagOStuff $bag
	 * @return MultiHttpClient The HTTP client the bag created
	 */
	private static function clientOf( KaskBagOStuff $bag ): MultiHttpClient {
		return self::property( self::property( $bag, 'transport' ), 'client' );
	}

	/**
	 * @param object $object
	 * @param string $name
	 * @return mixed The value of a private or protected property
	 */
	private static function property( $object, string $name ) {
		$property = new ReflectionProperty( $object, $name );
		$property->setAccessible( true );
		return $property->getValue( $object );
	}

	/**
	 * Nothing logged names the key or the value, in any encoding.
	 *
	 * @param string ...$secrets
	 */
	private function assertLogsHoldNo( string ...$secrets ): void {
		$text = $this->logger->text();
		foreach ( $secrets as $secret ) {
			$forms = [ $secret, rawurlencode( $secret ), trim( json_encode( $secret ), '"' ) ];
			foreach ( $forms as $form ) {
				$this->assertStringNotContainsString( $form, $text );
			}
		}
	}

	public function testGetSendsGetToTheRawUrlEncodedKey() {
		$client = $this->newServer();
		$this->newBag( $client )->get( self::KEY );

		$this->assertCount( 1, $client->requests() );
		$request = $client->requests()[0];
		$this->assertSame( 'GET', $request['method'] );
		$this->assertSame( self::BASE_URL . self::ENCODED_KEY, $request['url'] );
		$this->assertArrayNotHasKey( 'body', $request );
	}

	public function testKeysWithReservedCharactersStayOnePathSegment() {
		$client = $this->newServer();
		$this->newBag( $client )->get( 'a/b c?d#e%f+g' );

		$this->assertSame( self::BASE_URL . 'a%2Fb%20c%3Fd%23e%25f%2Bg', $client->requests()[0]['url'] );
	}

	public static function provideKeysWithDots(): array {
		return [
			'.' => [ '.', '%2E' ],
			'..' => [ '..', '%2E%2E' ],
			'three dots: not a dot segment' => [ '...', '...' ],
			'a dot segment after a slash' => [ 'a/..', 'a%2F..' ],
			'a dot segment before a slash' => [ '../a', '..%2Fa' ],
			'dots within a key' => [ '.a.', '.a.' ],
		];
	}

	/**
	 * @dataProvider provideKeysWithDots
	 */
	public function testOnlyTheKeysDotAndDotDotHaveTheirDotsEncoded( string $key, string $segment ) {
		$client = $this->newServer();
		$this->newBag( $client )->get( $key );

		$this->assertSame( self::BASE_URL . $segment, $client->requests()[0]['url'] );
	}

	public static function provideDotSegmentKeys(): array {
		return [ '.' => [ '.' ], '..' => [ '..' ] ];
	}

	/**
	 * The fake client removes dot segments from a URL, as libcurl does: unencoded, these keys
	 * would reach the route's base or its parent.
	 *
	 * @dataProvider provideDotSegmentKeys
	 */
	public function testDotSegmentKeysRoundTrip( string $key ) {
		$client = $this->newServer();
		$bag = $this->newBag( $client );

		$this->assertTrue( $bag->set( $key, 'v' ) );
		$this->assertSame( [ $key ], array_keys( $client->stored ) );
		$this->assertSame( 'v', $bag->get( $key ) );
		$this->assertSame( [ $key => 'v' ], $bag->getMulti( [ $key ] ) );
		$this->assertTrue( $bag->delete( $key ) );
		$this->assertSame( [], $client->stored );
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public function testUrlWithoutTrailingSlashGetsOne() {
		$client = $this->newServer();
		$this->newBag( $client, [ 'url' => 'http://kask.test:8081/sessions/v1' ] )->delete( 'k' );

		$this->assertSame( 'http://kask.test:8081/sessions/v1/k', $client->requests()[0]['url'] );
	}

	public function testSetPostsTheEnvelopeAsOctetStream() {
		$client = $this->newServer();
		$bag = $this->newBag( $client, [ 'serialization_type' => 'JSON', 'hmac_key' => '12345' ] );

		$this->assertTrue( $bag->set( self::KEY, 'somedata' ) );

		$request = $client->requests()[0];
		$this->assertSame( 'POST', $request['method'] );
		$this->assertSame( self::BASE_URL . self::ENCODED_KEY, $request['url'] );
		$this->assertSame( [ 'content-type' => 'application/octet-stream' ], $request['headers'] );
		$this->assertSame( 'JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"', $request['body'] );
	}

	/**
	 * @dataProvider provideExpiries
	 * @param int|float $exptime
	 * @param string|null $cacheControl
	 */
	public function testSetSendsTheExpiryAsTheClassDoes( $exptime, ?string $cacheControl ) {
		$client = $this->newServer();

		$this->assertTrue( $this->newBag( $client )->set( self::KEY, 'v', $exptime ) );

		$this->assertSame( [ 'POST' ], $client->methods() );
		$this->assertSame( self::BASE_URL . self::ENCODED_KEY, $client->requests()[0]['url'] );
		$this->assertSame(
			array_filter( [ 'cache-control' => $cacheControl ] ) +
				[ 'content-type' => 'application/octet-stream' ],
			$client->requests()[0]['headers']
		);
	}

	/**
	 * The request-count table of the README: with KaskBagOStuff, only Kask's methods (its fake
	 * server is a plain Kask).
	 *
	 * @dataProvider provideWireScenarios
	 * @param string $name
	 * @param string[] $methods
	 */
	public function testRequestsPerOperation( string $name, array $methods ) {
		$client = $this->newServer();

		$this->assertSame(
			$methods, WireScenarios::methodsOf( $name, $this->newBag( $client ), $client, self::KEY )
		);
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public function testDeleteSendsDeleteWithoutBody() {
		$client = $this->newServer();
		$this->newBag( $client )->delete( self::KEY );

		$request = $client->requests()[0];
		$this->assertSame( 'DELETE', $request['method'] );
		$this->assertSame( self::BASE_URL . self::ENCODED_KEY, $request['url'] );
		$this->assertArrayNotHasKey( 'body', $request );
	}

	public function testGetReturnsTheValueOnHit() {
		$client = FakeHttpClient::answering( FakeHttpClient::response(
			200, 'PHP.t2EKhUF4l65kZqWhoAnKW8ZPzekDYfrDxTkQcVmGsuM=.s:8:"somedata";',
			[ 'content-type' => 'application/octet-stream' ]
		) );

		$this->assertSame( 'somedata', $this->newBag( $client, [ 'hmac_key' => '12345' ] )->get( self::KEY ) );
	}

	public function testGetReturnsWhatSetStored() {
		$bag = $this->newBag( $this->newServer() );
		$value = [ 'data' => [ 'wsUserID' => 1 ], 'bytes' => "\0\xff." ];

		$bag->set( self::KEY, $value );

		$this->assertSame( $value, $bag->get( self::KEY ) );
	}

	public function testGetReturnsFalseOnMiss() {
		$bag = $this->newBag( $this->newServer() );

		$this->assertFalse( $bag->get( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testGetTreats410AsMiss() {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( 410 ) ) );

		$this->assertFalse( $bag->get( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testGetReturnsFalseWithoutErrorForValueSignedWithAnotherKey() {
		$client = $this->newServer();
		$this->newBag( $client, [ 'hmac_key' => 'old key' ] )->set( self::KEY, 'v' );
		$bag = $this->newBag( $client, [ 'hmac_key' => 'new key' ] );

		$this->assertFalse( $bag->get( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public static function provideGetErrors(): array {
		$instance = '/sessions/v1/' . self::KEY;
		return [
			'400' => [
				FakeHttpClient::problem( 400, 'bad_request', 'Bad request', 'Malformed', $instance ),
				BagOStuff::ERR_UNEXPECTED,
			],
			'500' => [
				FakeHttpClient::problem( 500, 'server_error', 'Internal server error', 'Error', $instance ),
				BagOStuff::ERR_UNEXPECTED,
			],
			'503' => [
				FakeHttpClient::problem( 503, 'service_unavailable', 'Service unavailable',
					'Storage is unavailable', $instance, [ 'retry-after' => '1' ] ),
				BagOStuff::ERR_UNREACHABLE,
			],
			'no response' => [
				FakeHttpClient::response( 0, '', [], '(curl error: 7) Couldn\'t connect to server' ),
				BagOStuff::ERR_UNREACHABLE,
			],
			'timeout' => [
				FakeHttpClient::response( 0, '', [], '(curl error: 28) Timeout was reached' ),
				BagOStuff::ERR_UNREACHABLE,
			],
		];
	}

	/**
	 * @dataProvider provideGetErrors
	 */
	public function testGetReturnsFalseAndRecordsTheErrorOnFailure(
		array $response, int $expectedError
	) {
		$bag = $this->newBag( FakeHttpClient::answering( $response ) );

		$this->assertFalse( $bag->get( self::KEY ) );
		$this->assertSame( $expectedError, $bag->getLastError() );
		$this->assertCount( 1, $this->logger->at( LogLevel::ERROR ) );
		$this->assertSame( $response['code'], $this->logger->at( LogLevel::ERROR )[0]['context']['code'] );
		$this->assertLogsHoldNo( self::KEY );
	}

	public function testUnreachableErrorLogsTheTransportError() {
		$bag = $this->newBag( FakeHttpClient::answering(
			FakeHttpClient::response( 0, '', [], '(curl error: 7) Couldn\'t connect to server' )
		) );

		$bag->get( self::KEY );

		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 'get', $context['operation'] );
		$this->assertSame( '(curl error: 7) Couldn\'t connect to server', $context['error'] );
	}

	public function testErrorLogHasTheProblemMembersWithTheKeyRedacted() {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::problem(
			503, 'service_unavailable', 'Service unavailable', 'Storage is unavailable',
			'/sessions/v1/' . self::KEY, [ 'retry-after' => '2' ]
		) ) );

		$bag->get( self::KEY );

		$record = $this->logger->at( LogLevel::ERROR )[0];
		$this->assertSame( [
			'operation' => 'get',
			'code' => 503,
			'error' => 'unexpected status',
			'problem_type' => 'https://www.mediawiki.org/wiki/Kask/errors/service_unavailable',
			'problem_title' => 'Service unavailable',
			'problem_detail' => 'Storage is unavailable',
			'problem_instance' => '/sessions/v1/[key]',
			'retry_after' => '2',
		], $record['context'] );
		foreach ( [ 'type', 'title', 'detail', 'instance' ] as $field ) {
			$this->assertStringContainsString( "({$field}) {problem_{$field}}", $record['message'] );
		}
	}

	public function testErrorLogReadsKaskApplicationJsonBodies() {
		$response = FakeHttpClient::problem( 500, 'server_error', 'Internal server error',
			'The server encountered an error with your request', '/sessions/v1/' . self::KEY );
		$response['headers'] = $response[2] = [ 'content-type' => 'application/json' ];
		$this->newBag( FakeHttpClient::answering( $response ) )->set( self::KEY, 'v' );

		$this->assertSame(
			'Internal server error',
			$this->logger->at( LogLevel::ERROR )[0]['context']['problem_title']
		);
	}

	public function testErrorLogNeverHoldsANonProblemBody() {
		$this->newBag( FakeHttpClient::answering( FakeHttpClient::response(
			502, '<html>proxy error for ' . self::KEY . '</html>', [ 'content-type' => 'text/html' ]
		) ) )->get( self::KEY );

		$this->assertCount( 1, $this->logger->records );
		$this->assertStringNotContainsString( 'proxy error', $this->logger->text() );
		$this->assertLogsHoldNo( self::KEY );
	}

	public function testFailedSetLogsNeitherKeyNorValue() {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::problem(
			413, 'payload_too_large', 'Payload too large', 'The request body is larger than the limit',
			'/sessions/v1/' . self::KEY
		) ) );

		$this->assertFalse( $bag->set( self::KEY, self::SECRET_VALUE ) );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertSame( 'set', $this->logger->at( LogLevel::ERROR )[0]['context']['operation'] );
		$this->assertLogsHoldNo( self::KEY, self::SECRET_VALUE );
	}

	/**
	 * Without an HMAC key, a value holding an object, which anyone who can write to the store
	 * can put there, reads as a miss (not an error) and is logged as a warning that names the
	 * setting to check.
	 */
	public function testAnUnsignedValueHoldingAnObjectReadsAsAMissAndIsLogged() {
		InjectionProbe::$calls = [];
		$client = $this->newServer();
		$client->stored[self::KEY] = 'PHP..' . InjectionProbe::serialized();
		$bag = $this->newBag( $client );

		$value = $bag->get( self::KEY );
		gc_collect_cycles();

		$this->assertFalse( $value );
		$this->assertSame( [], InjectionProbe::$calls );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$warnings = $this->logger->at( LogLevel::WARNING );
		$this->assertCount( 1, $warnings );
		$this->assertStringStartsWith(
			( new ReflectionClass( $bag ) )->getShortName() . ': get read a miss', $warnings[0]['message']
		);
		$this->assertStringContainsString( '$wgKaskStoreHmacKey', $warnings[0]['message'] );
		$this->assertLogsHoldNo( self::KEY );
	}

	public function testWithAnHmacKeySignedObjectsAreRead() {
		$client = $this->newServer();
		$bag = $this->newBag( $client, [ 'hmac_key' => 'secret' ] );
		$object = (object)[ 'a' => 1 ];

		$bag->set( self::KEY, $object );

		$this->assertEquals( $object, $bag->get( self::KEY ) );
		$this->assertSame( [], $this->logger->records );
	}

	/**
	 * Every log line starts with the name of the class the wiki uses.
	 */
	public function testLogLinesNameTheClassInUse() {
		$bag = $this->newBag(
			FakeHttpClient::answering( FakeHttpClient::response( 500 ) ), [ 'serialization_type' => 'JSON' ]
		);

		$bag->get( self::KEY );
		$bag->set( self::KEY, "\xff" );

		$this->assertCount( 2, $this->logger->records, 'a failed request; a value JSON cannot encode' );
		foreach ( $this->logger->records as $record ) {
			$this->assertStringStartsWith(
				( new ReflectionClass( $bag ) )->getShortName() . ': ', $record['message']
			);
		}
	}

	public static function provideFailuresThatPointAtASetting(): array {
		$https = 'https://kask.test:8081/sessions/v1/';
		$curl = static function ( string $error ): array {
			return FakeHttpClient::response( 0, '', [], $error );
		};
		$clientCertificate = [ '$wgKaskStoreClientCert', '$wgKaskStoreClientKey', 'clientCert' ];
		return [
			'the server\'s certificate is not trusted' => [
				$https, $curl( '(curl error: 60) SSL peer certificate or SSH remote key was not OK' ),
				[ '$wgKaskStoreCaBundlePath', 'caBundlePath', '$wgKaskStoreUrl' ],
			],
			'the CA bundle cannot be read' => [
				$https, $curl( '(curl error: 77) Problem with the SSL CA cert (path? access rights?)' ),
				[ '$wgKaskStoreCaBundlePath', 'caBundlePath' ],
			],
			'the client certificate cannot be loaded' => [
				$https, $curl( '(curl error: 58) Problem with the local SSL certificate' ), $clientCertificate,
			],
			'a server that requires a client certificate got none (TLS 1.3)' => [
				$https, $curl( '(curl error: 56) Failure when receiving data from the peer' ), $clientCertificate,
			],
			'a server that requires a client certificate got another CA\'s' => [
				$https, $curl( '(curl error: 52) Server returned nothing (no headers, no data)' ), $clientCertificate,
			],
			'the handshake failed' => [
				$https, $curl( '(curl error: 35) SSL connect error' ), array_merge( $clientCertificate, [ 'https' ] ),
			],
			'http to a server that speaks TLS' => [
				self::BASE_URL, $curl( '(curl error: 52) Server returned nothing (no headers, no data)' ),
				[ '$wgKaskStoreUrl', 'https://' ],
			],
			'no identity (401)' => [
				self::BASE_URL, FakeHttpClient::problem( 401, 'not_authorized', 'Not authorized',
					'Unable to authorize request', '/sessions/v1/' . self::KEY ),
				$clientCertificate,
			],
			'no permission (403)' => [
				self::BASE_URL, FakeHttpClient::problem( 403, 'forbidden', 'Forbidden',
					'The client does not have the permission this request needs', '/sessions/v1/' . self::KEY ),
				[ '`clients`', 'read for GET' ],
			],
		];
	}

	/**
	 * A refused TLS handshake, or a server that does not know or trust this client, is logged
	 * with the setting to check.
	 *
	 * @dataProvider provideFailuresThatPointAtASetting
	 */
	public function testAFailureThatPointsAtASettingNamesIt( string $url, array $response, array $names ) {
		$this->newBag( FakeHttpClient::answering( $response ), [ 'url' => $url ] )->get( self::KEY );

		$error = $this->logger->at( LogLevel::ERROR )[0];
		$this->assertStringEndsWith( ' : {hint}', $error['message'] );
		foreach ( $names as $name ) {
			$this->assertStringContainsString( $name, $error['context']['hint'] ?? '' );
		}
		$this->assertLogsHoldNo( self::KEY );
	}

	public static function provideFailuresThatPointAtNoSetting(): array {
		return [
			'connection refused' => [ 'https://kask.test/', '(curl error: 7) Couldn\'t connect to server' ],
			'timeout' => [ 'https://kask.test/', '(curl error: 28) Timeout was reached' ],
			'nothing back, over http' => [ 'http://kask.test/', '(curl error: 56) Failure when receiving data from the peer' ],
		];
	}

	/**
	 * @dataProvider provideFailuresThatPointAtNoSetting
	 */
	public function testOtherFailuresHaveNoHint( string $url, string $error ) {
		$this->newBag(
			FakeHttpClient::answering( FakeHttpClient::response( 0, '', [], $error ) ), [ 'url' => $url ]
		)->get( self::KEY );

		$this->assertArrayNotHasKey( 'hint', $this->logger->at( LogLevel::ERROR )[0]['context'] );
	}

	public static function provideWriteSuccessStatuses(): array {
		return [ '200' => [ 200 ], '201' => [ 201 ], '204' => [ 204 ] ];
	}

	/**
	 * @dataProvider provideWriteSuccessStatuses
	 */
	public function testSetSucceedsOnStatus( int $status ) {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( $status ) ) );

		$this->assertTrue( $bag->set( self::KEY, 'v' ) );
		$this->assertSame( [], $this->logger->records );
	}

	/**
	 * A server that refuses the first request to each key with 429 and `Retry-After: $seconds`
	 * (or every request, with $always), and otherwise is the in-memory one.
	 *
	 * @param int $seconds
	 * @param bool $always
	 * @return FakeHttpClient
	 */
	private static function rateLimiting( int $seconds, bool $always = false ): FakeHttpClient {
		$refused = [];
		$refuse = static function ( array $request ) use ( &$refused, $seconds, $always ) {
			if ( !$always && isset( $refused[$request['url']] ) ) {
				return null;
			}
			$refused[$request['url']] = true;
			return FakeHttpClient::problem(
				429, 'too_many_requests', 'Too many requests',
				'The namespace admits no more writes for now',
				rawurldecode( (string)parse_url( $request['url'], PHP_URL_PATH ) ),
				[ 'retry-after' => (string)$seconds ]
			);
		};
		return FakeHttpClient::withHook( $refuse );
	}

	public function testAWriteRefusedWith429IsSentAgainAfterRetryAfterAndLoggedOnceWithoutTheKey() {
		$client = self::rateLimiting( 1 );
		$bag = $this->newBag( $client );

		$started = hrtime( true );
		$this->assertTrue( $bag->set( self::KEY, self::SECRET_VALUE ) );

		$this->assertGreaterThanOrEqual( 1.0, ( hrtime( true ) - $started ) / 1e9 );
		$this->assertSame( [ 'POST', 'POST' ], $client->methods() );
		// The retry has what is left of the 3 s: under 2 s
		$this->assertLessThanOrEqual( 2.0, $client->batchOptions[1]['reqTimeout'] );
		$this->assertGreaterThan( 1.5, $client->batchOptions[1]['reqTimeout'] );
		$this->assertCount( 1, $this->logger->records );
		$this->assertSame( LogLevel::WARNING, $this->logger->records[0]['level'] );
		$this->assertSame( 1, $this->logger->records[0]['context']['retried_after'] );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertLogsHoldNo( self::KEY, self::SECRET_VALUE );
	}

	public function testOnlyTheReadsRefusedWith429AreSentAgain() {
		$refusedKey = self::KEY . ':refused';
		$refusals = 0;
		$refuseOnce = static function ( array $request ) use ( $refusedKey, &$refusals ) {
			$refused = $request['method'] === 'GET' &&
				strpos( $request['url'], rawurlencode( $refusedKey ) ) !== false;
			if ( $refused && $refusals++ === 0 ) {
				return FakeHttpClient::problem(
					429, 'too_many_requests', 'Too many requests',
					'The namespace admits no more reads for now',
					'/sessions/v1/' . $refusedKey, [ 'retry-after' => '1' ]
				);
			}
			return null;
		};
		$client = FakeHttpClient::withHook( $refuseOnce );
		$bag = $this->newBag( $client );
		$bag->setMulti( [ self::KEY => 'a', $refusedKey => 'b' ] );
		$client->clear();

		$this->assertSame(
			[ self::KEY => 'a', $refusedKey => 'b' ], $bag->getMulti( [ self::KEY, $refusedKey ] )
		);
		$this->assertSame( [ 2, 1 ], array_map( 'count', $client->batches ) );
		$this->assertStringContainsString(
			rawurlencode( $refusedKey ), current( $client->batches[1] )['url']
		);
		$this->assertCount( 1, $this->logger->at( LogLevel::WARNING ) );
	}

	public function testA429WhoseRetryAfterLeavesNoTimeWithinTheTimeoutIsNotSentAgain() {
		$client = self::rateLimiting( 3 );
		$bag = $this->newBag( $client, [ 'reqTimeout' => 3.0 ] );

		$started = hrtime( true );
		$this->assertFalse( $bag->set( self::KEY, self::SECRET_VALUE ) );

		$this->assertLessThan( 1.0, ( hrtime( true ) - $started ) / 1e9 );
		$this->assertSame( [ 'POST' ], $client->methods() );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
		$this->assertCount( 1, $this->logger->records );
		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( [ 429, '3' ], [ $context['code'], $context['retry_after'] ] );
		$this->assertStringContainsString( 'rate limits', $context['hint'] );
		$this->assertLogsHoldNo( self::KEY, self::SECRET_VALUE );
	}

	public function testAWriteIsNeverSentAgainBeyondItsTimeout() {
		$client = self::rateLimiting( 1, true );
		$bag = $this->newBag( $client, [ 'reqTimeout' => 1.5 ] );

		$started = hrtime( true );
		$this->assertFalse( $bag->set( self::KEY, self::SECRET_VALUE ) );

		$this->assertLessThan( 1.5, ( hrtime( true ) - $started ) / 1e9 );
		// Sent at once, then after 1 s with what was left of the 1.5 s; a third would end after it
		$this->assertSame( [ 'POST', 'POST' ], $client->methods() );
		$this->assertLessThanOrEqual( 0.5, $client->batchOptions[1]['reqTimeout'] );
		$this->assertCount( 1, $this->logger->records );
		$this->assertSame( 1, $this->logger->at( LogLevel::ERROR )[0]['context']['retried_after'] );
	}

	public static function provideWriteFailureStatuses(): array {
		return [
			'no response' => [ 0 ], '202' => [ 202 ], '301' => [ 301 ], '400' => [ 400 ], '404' => [ 404 ],
			'405' => [ 405 ], '413' => [ 413 ], '429' => [ 429 ], '500' => [ 500 ], '503' => [ 503 ],
		];
	}

	/**
	 * @dataProvider provideWriteFailureStatuses
	 */
	public function testSetFailsOnStatus( int $status ) {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( $status ) ) );

		$this->assertFalse( $bag->set( self::KEY, 'v' ) );
		$this->assertNotSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertCount( 1, $this->logger->at( LogLevel::ERROR ) );
	}

	public static function provideDeleteSuccessStatuses(): array {
		return [ '200' => [ 200 ], '204' => [ 204 ], '205' => [ 205 ], '404' => [ 404 ], '410' => [ 410 ] ];
	}

	/**
	 * @dataProvider provideDeleteSuccessStatuses
	 */
	public function testDeleteSucceedsOnStatus( int $status ) {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( $status ) ) );

		$this->assertTrue( $bag->delete( self::KEY ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public static function provideDeleteFailureStatuses(): array {
		return [ 'no response' => [ 0 ], '400' => [ 400 ], '500' => [ 500 ], '503' => [ 503 ] ];
	}

	/**
	 * @dataProvider provideDeleteFailureStatuses
	 */
	public function testDeleteFailsOnStatus( int $status ) {
		$bag = $this->newBag( FakeHttpClient::answering( FakeHttpClient::response( $status ) ) );

		$this->assertFalse( $bag->delete( self::KEY ) );
		$this->assertSame( 'delete', $this->logger->at( LogLevel::ERROR )[0]['context']['operation'] );
	}

	public function testSetReturnsFalseForAValueJsonCannotEncode() {
		$client = $this->newServer();
		$bag = $this->newBag( $client, [ 'serialization_type' => 'JSON' ] );

		$this->assertFalse( $bag->set( self::KEY, "\xff\xfe not UTF-8" ) );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertSame( [], $client->requests() );
		$this->assertLogsHoldNo( self::KEY );
	}

	public function testGetMultiSendsOneConcurrentBatch() {
		$client = $this->newServer();
		$client->stored = [ 'k1' => 'PHP..i:1;', 'k3' => 'PHP..s:5:"three";' ];
		$bag = $this->newBag( $client );

		$values = $bag->getMulti( [ 'k1', 'k2', 'k3' ] );

		$this->assertSame( [ 'k1' => 1, 'k3' => 'three' ], $values );
		$this->assertCount( 1, $client->batches );
		$this->assertSame(
			[ self::BASE_URL . 'k1', self::BASE_URL . 'k2', self::BASE_URL . 'k3' ],
			array_column( $client->batches[0], 'url' )
		);
		$this->assertSame( [ 'GET', 'GET', 'GET' ], array_column( $client->batches[0], 'method' ) );
	}

	public function testGetMultiAsksForARepeatedKeyOnce() {
		$client = $this->newServer();
		$this->newBag( $client )->getMulti( [ 'a', 'b', 'a' ] );

		$this->assertCount( 2, $client->batches[0] );
	}

	public function testGetMultiWithoutKeysSendsNothing() {
		$client = $this->newServer();

		$this->assertSame( [], $this->newBag( $client )->getMulti( [] ) );
		$this->assertSame( [], $client->batches );
	}

	public function testSetMultiSendsOneConcurrentBatch() {
		$client = $this->newServer();
		$bag = $this->newBag( $client, [ 'serialization_type' => 'JSON' ] );

		$this->assertTrue( $bag->setMulti( [ 'k1' => 1, 'k2' => [ 'x' => 'y' ], 'k3' => 'three' ] ) );

		$this->assertCount( 1, $client->batches );
		$this->assertSame( [ 'POST', 'POST', 'POST' ], array_column( $client->batches[0], 'method' ) );
		$bodies = [ 'k1' => 'JSON..1', 'k2' => 'JSON..{"x":"y"}', 'k3' => 'JSON.."three"' ];
		$this->assertSame( array_values( $bodies ), array_column( $client->batches[0], 'body' ) );
		$this->assertSame( $bodies, $client->stored );
	}

	public function testSetMultiFailsWhenAnyWriteFails() {
		$client = new FakeHttpClient( static function ( array $request ) {
			return FakeHttpClient::response( substr( $request['url'], -2 ) === 'k2' ? 500 : 201 );
		} );
		$bag = $this->newBag( $client );

		$this->assertFalse( $bag->setMulti( [ 'k1' => 1, 'k2' => 2, 'k3' => 3 ] ) );
		$this->assertCount( 3, $client->batches[0] );
		$this->assertCount( 1, $this->logger->at( LogLevel::ERROR ) );
	}

	public function testDeleteMultiSendsOneConcurrentBatch() {
		$client = $this->newServer();
		$client->stored = [ 'k1' => 'PHP..i:1;', 'k2' => 'PHP..i:2;', 'k3' => 'PHP..i:3;' ];
		$bag = $this->newBag( $client );

		$this->assertTrue( $bag->deleteMulti( [ 'k1', 'k2' ] ) );

		$this->assertCount( 1, $client->batches );
		$this->assertSame( [ 'DELETE', 'DELETE' ], array_column( $client->batches[0], 'method' ) );
		$this->assertSame( [ 'k3' => 'PHP..i:3;' ], $client->stored );
	}

	public function testDeleteMultiFailsWhenAnyDeleteFails() {
		$client = new FakeHttpClient( static function ( array $request ) {
			return FakeHttpClient::response( substr( $request['url'], -2 ) === 'k1' ? 0 : 204 );
		} );
		$bag = $this->newBag( $client );

		$this->assertFalse( $bag->deleteMulti( [ 'k1', 'k2' ] ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
	}

	/**
	 * @return callable[][] Cases of testMultiOperationsSendWindowsOfMaxConnsPerHostRequests():
	 *  name => [ function ( BagOStuff $bag, array $values ): bool, whether the operation
	 *  succeeded for every key of $values, which the server holds ]
	 */
	public static function provideMultiOperations(): array {
		return [
			'getMulti' => [ static function ( BagOStuff $bag, array $values ): bool {
				return $bag->getMulti( array_keys( $values ) ) === $values;
			} ],
			'setMulti' => [ static function ( BagOStuff $bag, array $values ): bool {
				return $bag->setMulti( $values );
			} ],
			'deleteMulti' => [ static function ( BagOStuff $bag, array $values ): bool {
				return $bag->deleteMulti( array_keys( $values ) );
			} ],
		];
	}

	/**
	 * Each window's requests all go out at once, so their timeouts count from then.
	 *
	 * @dataProvider provideMultiOperations
	 */
	public function testMultiOperationsSendWindowsOfMaxConnsPerHostRequests( callable $operation ) {
		$client = $this->newServer();
		$bag = $this->newBag( $client, [ 'maxConnsPerHost' => 3 ] );
		$values = [];
		for ( $i = 1; $i <= 7; $i++ ) {
			$values["k$i"] = $i;
			$client->stored["k$i"] = "PHP..i:$i;";
		}

		$this->assertTrue( $operation( $bag, $values ) );

		$this->assertSame( [ 3, 3, 1 ], array_map( 'count', $client->batches ) );
		$this->assertSame(
			array_fill( 0, 3, [ 'maxConnsPerHost' => 3 ] ), $client->batchOptions,
			'a client that allows fewer connections opens as many as the window has requests'
		);
		$urls = array_map( static function ( string $key ): string {
			return self::BASE_URL . $key;
		}, array_keys( $values ) );
		$this->assertSame( $urls, array_column( $client->requests(), 'url' ) );
		$this->assertSame( [], $this->logger->records, $this->logger->text() );
	}

	public function testMultiOperationsReportFailuresInAnyWindow() {
		$client = new FakeHttpClient( static function ( array $request ) {
			return FakeHttpClient::response( substr( $request['url'], -2 ) === 'k5' ? 500 : 201 );
		} );
		$bag = $this->newBag( $client, [ 'maxConnsPerHost' => 2 ] );

		$this->assertFalse(
			$bag->setMulti( [ 'k1' => 1, 'k2' => 2, 'k3' => 3, 'k4' => 4, 'k5' => 5 ] )
		);
		$this->assertCount( 3, $client->batches );
		$this->assertCount( 1, $this->logger->at( LogLevel::ERROR ) );
	}

	public function testAddDoesNotOverwriteAnExistingValue() {
		$bag = $this->newBag( $this->newServer() );

		$this->assertTrue( $bag->add( 'k', 'first' ) );
		$this->assertFalse( $bag->add( 'k', 'second' ) );
		$this->assertSame( 'first', $bag->get( 'k' ) );
	}

	public function testIncrAndDecrChangeAnExistingInteger() {
		$bag = $this->newBag( $this->newServer() );

		$this->assertFalse( $bag->incr( 'n' ) );
		$bag->set( 'n', 5 );
		$this->assertSame( 8, $bag->incr( 'n', 3 ) );
		$this->assertSame( 0, $bag->decr( 'n', 10 ) );
		$this->assertSame( 0, $bag->get( 'n' ) );
	}

	public function testIncrWithInitStartsAtInit() {
		$bag = $this->newBag( $this->newServer() );

		$this->assertSame( 10, $bag->incrWithInit( 'n', 0, 1, 10 ) );
		$this->assertSame( 11, $bag->incrWithInit( 'n', 0, 1, 10 ) );
	}

	public function testMergeUpdatesTheValue() {
		$bag = $this->newBag( $this->newServer() );
		$bag->set( 'k', [ 'count' => 1 ] );

		$merged = $bag->merge( 'k', static function ( $bag, $key, $current ) {
			return [ 'count' => $current['count'] + 1 ];
		} );

		$this->assertTrue( $merged );
		$this->assertSame( [ 'count' => 2 ], $bag->get( 'k' ) );
		$this->assertFalse( $bag->get( 'k:lock' ) );
	}

	public function testMakeKeyIsTheSameAsRestBagOStuffs() {
		$stock = new RESTBagOStuff( [ 'url' => self::BASE_URL, 'keyspace' => 'my_wiki' ] );
		$bag = $this->newBag( $this->newServer(), [ 'keyspace' => 'my_wiki' ] );

		$this->assertSame( 'my_wiki:MWSession:abc', $bag->makeKey( 'MWSession', 'abc' ) );
		$this->assertSame( $stock->makeKey( 'a:b', 'c%d', 1 ), $bag->makeKey( 'a:b', 'c%d', 1 ) );
		$this->assertSame( $stock->makeGlobalKey( 'x', 'y' ), $bag->makeGlobalKey( 'x', 'y' ) );
	}

	/**
	 * The stock class, configured like Wikimedia's, and this one share a store through the fake
	 * server: each reads what the other wrote.
	 */
	public function testValuesWrittenByRestBagOStuffAreReadAndViceVersa() {
		$client = $this->newServer();
		$options = [
			'url' => self::BASE_URL,
			'client' => $client,
			'serialization_type' => 'PHP',
			'hmac_key' => 's3cret',
		];
		$stock = new RESTBagOStuff( $options + [ 'httpParams' => [
			'writeMethod' => 'POST',
			'writeHeaders' => [ 'content-type' => 'application/octet-stream' ],
		] ] );
		$bag = $this->newCache( $options );

		$stock->set( 'from-stock', [ 'a' => 1 ] );
		$bag->set( 'from-kask', [ 'b' => 2 ] );

		$this->assertSame( [ 'a' => 1 ], $bag->get( 'from-stock' ) );
		$this->assertSame( [ 'b' => 2 ], $stock->get( 'from-kask' ) );
		$this->assertSame( $client->stored['from-stock'], $client->requests()[0]['body'] );
		$this->assertSame( $client->requests()[1]['method'], $client->requests()[0]['method'] );
	}

	public function testTimeoutsDefaultToRestBagOStuffs() {
		$client = self::clientOf( $this->newCache( [ 'url' => self::BASE_URL ] ) );

		$this->assertSame( 1.2, self::property( $client, 'connTimeout' ) );
		$this->assertSame( 3.0, self::property( $client, 'reqTimeout' ) );
	}

	public function testTheClientItCreatesOpensAsManyConnectionsAsMultiHttpClientByDefault() {
		$client = self::clientOf( $this->newCache( [ 'url' => self::BASE_URL ] ) );

		$this->assertSame(
			self::property( new MultiHttpClient( [] ), 'maxConnsPerHost' ),
			self::property( $client, 'maxConnsPerHost' )
		);
	}

	public function testMaxConnsPerHostConfiguresTheClientItCreates() {
		$client = self::clientOf(
			$this->newCache( [ 'url' => self::BASE_URL, 'maxConnsPerHost' => 8 ] )
		);

		$this->assertSame( 8, self::property( $client, 'maxConnsPerHost' ) );
	}

	public function testConstructorRejectsMaxConnsPerHostBelowOne() {
		$this->expectException( InvalidArgumentException::class );

		$this->newCache( [ 'url' => self::BASE_URL, 'maxConnsPerHost' => 0 ] );
	}

	public function testTimeoutsCanBeConfigured() {
		$client = self::clientOf(
			$this->newCache( [ 'url' => self::BASE_URL, 'connTimeout' => 0.5, 'reqTimeout' => 1 ] )
		);

		$this->assertSame( 0.5, self::property( $client, 'connTimeout' ) );
		$this->assertSame( 1, self::property( $client, 'reqTimeout' ) );
	}

	public function testTheLoggerIsNotGivenToTheHttpClient() {
		$bag = $this->newCache( [ 'url' => self::BASE_URL, 'logger' => $this->logger ] );

		$this->assertNotSame( $this->logger, self::property( self::clientOf( $bag ), 'logger' ) );
	}

	public function testALoggerSetAfterConstructionGetsTheFailures() {
		$bag = $this->newCache( [
			'url' => self::BASE_URL,
			'client' => FakeHttpClient::answering( FakeHttpClient::response( 500 ) ),
		] );
		$bag->setLogger( $this->logger );

		$bag->get( self::KEY );

		$this->assertCount( 1, $this->logger->at( LogLevel::ERROR ) );
	}

	public function testConstructorRequiresAUrl() {
		$this->expectException( InvalidArgumentException::class );

		$this->newCache( [] );
	}

	public function testConstructorRejectsAnUnknownSerializationType() {
		$this->expectException( InvalidArgumentException::class );

		$this->newCache( [ 'url' => self::BASE_URL, 'serialization_type' => 'XML' ] );
	}

	public function testDurabilityIsDisk() {
		$bag = $this->newBag( $this->newServer() );

		$this->assertSame( BagOStuff::QOS_DURABILITY_DISK, $bag->getQoS( BagOStuff::ATTR_DURABILITY ) );
	}
}
