<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Integration;

use KaskTs\PhpSession\Tests\Browser;
use KaskTs\PhpSession\Tests\WebServerTestCase;

/**
 * Smoke tests of the handler under Symfony HttpFoundation's session and Laravel's session store,
 * from Debian's packages (tests/www/symfony.php and laravel.php): 10 requests at once on one
 * session, with the lock, keep every variable, and the lock is released.
 *
 * @covers \KaskTs\PhpSession\KaskSessionHandler
 * @covers \KaskTs\PhpSession\SessionLock
 */
class FrameworkSessionTest extends WebServerTestCase {
	public static function provideFrameworks(): array {
		return [
			'Symfony' => [ 'symfony.php', '/usr/share/php/Symfony/Component/HttpFoundation/autoload.php' ],
			'Laravel' => [ 'laravel.php', '/usr/share/php/Illuminate/Session/autoload.php' ],
		];
	}

	/**
	 * @dataProvider provideFrameworks
	 */
	public function testConcurrentRequestsKeepEveryVariable( string $script, string $autoloader ): void {
		$this->assertFileExists( $autoloader, 'run: bash php-session/bin/install-deps.sh' );
		$browser = new Browser( $this->webServer( '', [], 10 )->scriptUrl( $script ) );
		$browser->get( 'add=first' );

		$queries = [];
		for ( $i = 1; $i <= 10; $i++ ) {
			$queries[] = "add=k$i&work_ms=20";
		}
		$answers = $browser->parallel( $queries );

		$this->assertSame( [ 200 ], array_unique( array_column( $answers, 'status' ) ) );
		$this->assertCount( 11, $browser->keys() );
		$this->assertSame( 404, self::store()->request( 'GET', "$browser->sessionId:lock" )->status );
	}
}
