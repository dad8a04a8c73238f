<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Unit;

use KaskTs\PhpSession\SessionData;
use PHPUnit\Framework\TestCase;

/**
 * @covers \KaskTs\PhpSession\SessionData
 */
class SessionDataTest extends TestCase {
	public static function provideHandlers(): array {
		return [ 'php' => [ 'php' ], 'php_serialize' => [ 'php_serialize' ] ];
	}

	/**
	 * @dataProvider provideHandlers
	 */
	public function testMergeAppliesMyChangesToTheirs( string $handler ): void {
		$base = [ 'user' => 'ann', 'cart' => [ 1 ], 'gone' => true, 'flag' => false ];
		$mine = [ 'user' => 'ann', 'cart' => [ 1, 2 ], 'flag' => false, 'mine' => 'm' ];
		$theirs = [ 'user' => 'bob', 'cart' => [ 1 ], 'gone' => true, 'flag' => false, 'theirs' => 't' ];

		$merged = SessionData::merge( SessionData::encode( $base, $handler ), SessionData::encode( $mine, $handler ),
			SessionData::encode( $theirs, $handler ), $handler );

		$this->assertSame(
			[ 'user' => 'bob', 'cart' => [ 1, 2 ], 'flag' => false, 'theirs' => 't', 'mine' => 'm' ],
			SessionData::decode( (string)$merged, $handler )
		);
	}

	public function testMergeTakesPhpSerializesEmptySessionForEmpty(): void {
		// NOTE: what session_encode() gives for an empty $_SESSION with php_serialize
		$this->assertSame( serialize( [ 'theirs' => 2, 'mine' => 1 ] ),
			SessionData::merge( 'a:0:{}', serialize( [ 'mine' => 1 ] ), serialize( [ 'theirs' => 2 ] ), 'php_serialize' ) );
		$this->assertSame( [], SessionData::decode( 'a:0:{}', 'php_serialize' ) );
	}

	public function testDecodeReadsPhpsFormat(): void {
		// PHP's own encoding, in a process of its own: PHPUnit has sent output (headers) already
		$encoded = shell_exec( escapeshellarg( PHP_BINARY ) . ' -d session.save_path=' . escapeshellarg( sys_get_temp_dir() )
			. ' -r ' . escapeshellarg( 'session_start( [ "use_cookies" => 0 ] ); $_SESSION = [ "a" => "x|y", '
				. '"b" => [ "c" => 1.5 ], "d" => false, "e" => null ]; echo session_encode(); session_abort();' ) );

		$this->assertSame( [ 'a' => 'x|y', 'b' => [ 'c' => 1.5 ], 'd' => false, 'e' => null ],
			SessionData::decode( $encoded, 'php' ) );
	}

	public static function provideUnmergeableData(): array {
		return [
			'another handler' => [ 'a|b:1;', 'php_binary' ],
			'not the php format' => [ 'garbage', 'php' ],
			'a value that does not encode back' => [ 'a|i:01;', 'php' ],
			'php_serialize of a scalar' => [ 'i:1;', 'php_serialize' ],
		];
	}

	/**
	 * @dataProvider provideUnmergeableData
	 */
	public function testMergeRefusesDataItCannotTakeApart( string $data, string $handler ): void {
		$this->assertNull( SessionData::merge( '', 'a|b:1;', $data, $handler ) );
	}
}
