<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Unit;

use InvalidArgumentException;
use KaskTs\PhpSession\Options;
use PHPUnit\Framework\TestCase;

/**
 * @covers \KaskTs\PhpSession\Options
 */
class OptionsTest extends TestCase {
	public function testDefaultsComeFromPhpSettings(): void {
		// phpunit.xml sets session.gc_maxlifetime = 1234
		ini_set( 'max_execution_time', '45' );
		$options = Options::fromArray( [ 'base_url' => 'http://127.0.0.1:8081/sessions/v1' ] );

		$this->assertSame( 'http://127.0.0.1:8081/sessions/v1/', $options->baseUrl );
		$this->assertSame( 1234, $options->ttl );
		$this->assertSame( 45, $options->lockTtl );
		$this->assertSame( 'lock', $options->locking );
		$this->assertTrue( $options->persistent );
		$this->assertSame( ini_get( 'session.serialize_handler' ), $options->serializeHandler );
	}

	public function testWithoutMaxExecutionTimeTheLockLives30Seconds(): void {
		ini_set( 'max_execution_time', '0' );
		$this->assertSame( 30, Options::fromArray( [ 'base_url' => 'http://h/' ] )->lockTtl );
	}

	public function testSavePathCarriesOptionsInItsQueryString(): void {
		$options = Options::fromSavePath( 'https://store.svc:8443/s/v1/?locking=optimistic&timeout=2.5&ttl=60&persistent=0' );

		$this->assertSame( 'https://store.svc:8443/s/v1/', $options->baseUrl );
		$this->assertSame( 'optimistic', $options->locking );
		$this->assertSame( 2.5, $options->timeout );
		$this->assertSame( 60, $options->ttl );
		$this->assertFalse( $options->persistent );
	}

	public static function provideRefusedOptions(): array {
		return [
			'unknown option' => [ [ 'base_url' => 'http://h/', 'lockwait' => 1 ], 'Unknown option: lockwait' ],
			'no base URL' => [ [], 'base_url' ],
			'another scheme' => [ [ 'base_url' => 'ftp://h/' ], 'base_url' ],
			'unknown locking mode' => [ [ 'base_url' => 'http://h/', 'locking' => 'redis' ], 'locking' ],
			'zero timeout' => [ [ 'base_url' => 'http://h/', 'timeout' => 0 ], 'timeout' ],
			'missing CA file' => [ [ 'base_url' => 'https://h/', 'ca_file' => '/nonexistent' ], 'ca_file' ],
			'certificate without key' => [ [ 'base_url' => 'https://h/', 'client_cert' => __FILE__ ], 'client_key' ],
			// NOTE: each was cast to 0: a ValueError per lock wait, a max-age=0 lock or session
			'fractional max_waiters' => [ [ 'base_url' => 'http://h/', 'max_waiters' => 0.5 ], 'max_waiters' ],
			'fractional lock_ttl' => [ [ 'base_url' => 'http://h/', 'lock_ttl' => '0.5' ], 'lock_ttl' ],
			'fractional ttl' => [ [ 'base_url' => 'http://h/', 'ttl' => 0.2 ], 'ttl' ],
			'persistent neither true nor false' => [ [ 'base_url' => 'http://h/', 'persistent' => 'maybe' ],
				'persistent' ],
			'prefix not a string' => [ [ 'base_url' => 'http://h/', 'prefix' => [ 'x' ] ], 'prefix' ],
			// NOTE: the server decodes %2F before routing: every key 404, every session empty
			'prefix with a slash' => [ [ 'base_url' => 'http://h/', 'prefix' => 'wiki/' ], 'prefix' ],
			'optimistic merges with a format they cannot read' => [ [ 'base_url' => 'http://h/',
				'locking' => 'optimistic', 'serialize_handler' => 'php_binary' ], 'serialize_handler' ],
		];
	}

	/**
	 * @dataProvider provideRefusedOptions
	 */
	public function testUnusableOptionsAreRefused( array $options, string $named ): void {
		$this->expectException( InvalidArgumentException::class );
		$this->expectExceptionMessage( $named );
		Options::fromArray( $options );
	}
}
