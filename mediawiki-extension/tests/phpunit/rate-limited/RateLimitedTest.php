<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\RateLimited;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\RecordingLogger;
use PHPUnit\Framework\TestCase;
use Psr\Log\LogLevel;

/**
 * Both classes against a real kask-ts that caps the writes of each key at one a second
 * (`limits.key_writes_per_second: 1`): a second write within the second answers 429 with
 * `Retry-After: 1`, which the client waits for when its request timeout leaves room, and fails
 * otherwise; either way it logs the request once, never with the key.
 *
 * bin/test.sh starts that server and sets KASK_RATE_LIMITED_BASE_URL (its session route);
 * without it the tests fail.
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\KaskTsBagOStuff
 */
class RateLimitedTest extends TestCase {
	/** @var string */
	private $baseUrl;

	/** @var RecordingLogger */
	private $logger;

	protected function setUp(): void {
		parent::setUp();
		$this->baseUrl = (string)getenv( 'KASK_RATE_LIMITED_BASE_URL' );
		if ( $this->baseUrl === '' ) {
			$this->fail( 'KASK_RATE_LIMITED_BASE_URL is not set: run bin/test.sh' );
		}
		$this->logger = new RecordingLogger();
	}

	public static function provideClasses(): array {
		return [
			'KaskBagOStuff' => [ KaskBagOStuff::class ],
			'KaskTsBagOStuff' => [ KaskTsBagOStuff::class ],
		];
	}

	/**
	 * @param string $class
	 * @param array $params
	 * @return KaskBagOStuff
	 */
	private function newBag( string $class, array $params = [] ): KaskBagOStuff {
		return new $class( $params + [ 'url' => $this->baseUrl, 'logger' => $this->logger ] );
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
	public function testASecondWriteWithinTheSecondWaitsForRetryAfterAndIsStored( string $class ) {
		$bag = $this->newBag( $class );
		$key = self::uniqueKey();

		$this->assertTrue( $bag->set( $key, 'first' ) );
		$started = hrtime( true );
		$this->assertTrue( $bag->set( $key, 'second' ) );

		$this->assertGreaterThanOrEqual( 1.0, ( hrtime( true ) - $started ) / 1e9 );
		$this->assertSame( 'second', $bag->get( $key ) );
		$this->assertCount( 1, $this->logger->records );
		$this->assertSame( LogLevel::WARNING, $this->logger->records[0]['level'] );
		$this->assertStringNotContainsString( $key, $this->logger->text() );
	}

	/**
	 * @dataProvider provideClasses
	 */
	public function testASecondWriteFailsWhenRetryAfterLeavesNoTimeWithinTheTimeout( string $class ) {
		$bag = $this->newBag( $class, [ 'reqTimeout' => 0.8 ] );
		$key = self::uniqueKey();

		$this->assertTrue( $bag->set( $key, 'first' ) );
		$watchPoint = $bag->watchErrors();
		$this->assertFalse( $bag->set( $key, 'second' ) );

		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError( $watchPoint ) );
		$this->assertSame( 'first', $bag->get( $key ) );
		$this->assertCount( 1, $this->logger->records );
		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 429, $context['code'] );
		$this->assertSame(
			'https://www.mediawiki.org/wiki/Kask/errors/too_many_requests', $context['problem_type']
		);
		$this->assertSame( '1', $context['retry_after'] );
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}
}
