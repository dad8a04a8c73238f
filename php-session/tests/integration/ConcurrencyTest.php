<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Integration;

use KaskTs\PhpSession\Tests\ConcurrentAdds;
use KaskTs\PhpSession\Tests\KaskServer;
use PHPUnit\Framework\TestCase;

/**
 * 20 requests at once on one session, each adding a variable, through 20 PHP workers
 * (bin/concurrency.php prints the same figures for every mode, `none` included).
 *
 * @covers \KaskTs\PhpSession\KaskSessionHandler
 * @covers \KaskTs\PhpSession\SessionLock
 * @covers \KaskTs\PhpSession\SessionData
 */
class ConcurrencyTest extends TestCase {
	public static function provideMergingModes(): array {
		return [ 'lock' => [ 'lock' ], 'optimistic' => [ 'optimistic' ] ];
	}

	/**
	 * @dataProvider provideMergingModes
	 */
	public function testConcurrentRequestsKeepEveryKey( string $locking ): void {
		$kask = new KaskServer();
		try {
			$result = ConcurrentAdds::run( $kask, $locking );
		} finally {
			$kask->remove();
		}
		$this->assertSame( [ 200 => 20 ], $result['statuses'], 'every request answered 200' );
		$this->assertSame( 21, $result['kept'], 'keys kept of 21' );
	}
}
