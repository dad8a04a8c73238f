<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unavailable;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\StoreCheck;
use MediaWiki\Extension\KaskStore\Tests\RecordingLogger;
use MediaWiki\Http\Telemetry;
use PHPUnit\Framework\TestCase;
use Psr\Log\LogLevel;

/**
 * Both classes against a real kask-ts whose storage is down (it answers every session request
 * 503 and logs it): what the wiki sees and logs, and the line the server logs, which names
 * MediaWiki's request id (1.43+) and never the key.
 *
 * bin/test.sh starts that server and sets KASK_UNAVAILABLE_BASE_URL (its session route) and
 * KASK_UNAVAILABLE_LOG (its log file); without them the tests fail.
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskTsBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\StoreCheck
 */
class UnavailableStorageTest extends TestCase {
	/** Longest wait for the server's log line, in seconds */
	private const LOG_WAIT = 5.0;

	/** @var string */
	private $baseUrl;

	/** @var string */
	private $serverLog;

	/** @var RecordingLogger */
	private $logger;

	protected function setUp(): void {
		parent::setUp();
		$this->baseUrl = (string)getenv( 'KASK_UNAVAILABLE_BASE_URL' );
		$this->serverLog = (string)getenv( 'KASK_UNAVAILABLE_LOG' );
		if ( $this->baseUrl === '' || !is_readable( $this->serverLog ) ) {
			$this->fail( 'KASK_UNAVAILABLE_BASE_URL and KASK_UNAVAILABLE_LOG are not set: run bin/test.sh' );
		}
		$this->logger = new RecordingLogger();
	}

	protected function tearDown(): void {
		if ( class_exists( Telemetry::class ) ) {
			Telemetry::getInstance()->regenerateRequestId();
		}
		parent::tearDown();
	}

	public static function provideClasses(): array {
		return [
			'KaskBagOStuff' => [ KaskBagOStuff::class ],
			'KaskTsBagOStuff' => [ KaskTsBagOStuff::class ],
		];
	}

	/**
	 * @param string $class
	 * @return KaskBagOStuff
	 */
	private function newBag( string $class ): KaskBagOStuff {
		return new $class( [ 'url' => $this->baseUrl, 'logger' => $this->logger ] );
	}

	/**
	 * @return string A key no other test uses, shaped like a MediaWiki session key
	 */
	private static function uniqueKey(): string {
		return 'kaskstore_test:MWSession:' . bin2hex( random_bytes( 12 ) );
	}

	/**
	 * @dataProvider provideClasses
	 */
	public function testEveryOperationFailsAsUnreachableAndIsLogged( string $class ) {
		$bag = $this->newBag( $class );
		$key = self::uniqueKey();

		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );
		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->set( $key, 'v' ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );
		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->delete( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );

		$errors = $this->logger->at( LogLevel::ERROR );
		$this->assertSame( [ 'get', 'set', 'delete' ], array_column( array_column( $errors, 'context' ), 'operation' ) );
		foreach ( $errors as $error ) {
			$this->assertSame( 503, $error['context']['code'] );
			$this->assertSame(
				'https://www.mediawiki.org/wiki/Kask/errors/service_unavailable',
				$error['context']['problem_type']
			);
			$this->assertSame( '/sessions/v1/[key]', $error['context']['problem_instance'] );
			$this->assertSame( '1', $error['context']['retry_after'] );
		}
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}

	/**
	 * An operator can find the wiki request behind a kask-ts log line: MediaWiki 1.43 gives every
	 * HTTP request its X-Request-Id, which kask-ts logs as the line's request_id. (1.39 sends none:
	 * bin/test.sh runs the group from 1.43 on.)
	 *
	 * @group mediawiki-1.43
	 * @dataProvider provideClasses
	 */
	public function testTheServerLogsMediaWikisRequestIdAndNotTheKey( string $class ) {
		$requestId = 'kaskstore-test-' . bin2hex( random_bytes( 8 ) );
		// As MediaWiki does for a job that carries the id of the request that queued it
		Telemetry::getInstance()->overrideRequestId( $requestId );
		$key = self::uniqueKey();

		$this->newBag( $class )->get( $key );

		$line = $this->serverLogLine( $requestId );
		$this->assertNotNull( $line, "a line with request_id $requestId in {$this->serverLog}" );
		$this->assertSame( 'storage unavailable', $line['msg'] );
		$this->assertSame( 'WARNING', $line['level'] );
		$this->assertStringNotContainsString( $key, json_encode( $line ) );
	}

	/**
	 * maintenance/checkStore.php reaches the server and says its storage is down.
	 *
	 * @dataProvider provideClasses
	 */
	public function testTheStoreCheckSaysTheStorageIsUnavailable( string $class ) {
		$check = new StoreCheck( [ 'class' => $class, 'url' => $this->baseUrl, 'hmac_key' => 'k' ], 86400 );

		$results = $check->run();

		$this->assertSame( [ StoreCheck::OK, 'configuration' ], array_slice( $results[0], 0, 2 ) );
		[ $status, $step, $message ] = $results[1];
		$this->assertSame( [ StoreCheck::FAIL, 'read' ], [ $status, $step ] );
		$this->assertStringContainsString( 'get failed: (503)', $message );
		$this->assertStringContainsString( '(type) https://www.mediawiki.org/wiki/Kask/errors/service_unavailable', $message );
		$this->assertCount( 2, $results );
	}

	/**
	 * Poll the server's log for the line of a request.
	 *
	 * @param string $requestId
	 * @return array|null The line, decoded; null if none came within LOG_WAIT
	 */
	private function serverLogLine( string $requestId ): ?array {
		$deadline = microtime( true ) + self::LOG_WAIT;
		do {
			foreach ( file( $this->serverLog, FILE_IGNORE_NEW_LINES ) ?: [] as $text ) {
				$line = json_decode( $text, true );
				if ( is_array( $line ) && ( $line['request_id'] ?? null ) === $requestId ) {
					return $line;
				}
			}
			usleep( 100000 );
		} while ( microtime( true ) < $deadline );
		return null;
	}
}
