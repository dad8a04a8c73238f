<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use MediaWiki\Extension\KaskStore\ProblemDetails;
use PHPUnit\Framework\TestCase;

/**
 * @covers \MediaWiki\Extension\KaskStore\ProblemDetails
 */
class ProblemDetailsTest extends TestCase {
	private const KEY = 'my_wiki:MWSession:e28ok0k1hqdkfgfj8cd81ejn3ga8imku';

	private const NOT_FOUND = '{"type":"https://www.mediawiki.org/wiki/Kask/errors/not_found",' .
		'"title":"Not found","detail":"The value you requested was not found",' .
		'"instance":"/sessions/v1/my_wiki:MWSession:e28ok0k1hqdkfgfj8cd81ejn3ga8imku"}';

	public static function provideJsonContentTypes(): array {
		return [
			'kask-ts' => [ [ 'content-type' => 'application/problem+json' ] ],
			'kask-ts with charset' => [ [ 'content-type' => 'application/problem+json; charset=utf-8' ] ],
			'Kask' => [ [ 'content-type' => 'application/json' ] ],
			'upper case' => [ [ 'content-type' => 'Application/Problem+JSON' ] ],
			'no content type' => [ [] ],
		];
	}

	/**
	 * @dataProvider provideJsonContentTypes
	 */
	public function testFromResponseReadsTheFourMembers( array $headers ) {
		$problem = ProblemDetails::fromResponse( $headers, self::NOT_FOUND );

		$this->assertNotNull( $problem );
		$this->assertSame( 'https://www.mediawiki.org/wiki/Kask/errors/not_found', $problem->get( 'type' ) );
		$this->assertSame( 'Not found', $problem->get( 'title' ) );
		$this->assertSame( 'The value you requested was not found', $problem->get( 'detail' ) );
		$this->assertSame( '/sessions/v1/' . self::KEY, $problem->get( 'instance' ) );
	}

	public static function provideBodiesThatAreNotProblems(): array {
		return [
			'html' => [ [ 'content-type' => 'text/html' ], '<html>{"type":"x"}</html>' ],
			'json but text/html' => [ [ 'content-type' => 'text/html' ], '{"type":"x"}' ],
			'invalid json' => [ [ 'content-type' => 'application/problem+json' ], '{"type":' ],
			'json string' => [ [ 'content-type' => 'application/json' ], '"type"' ],
			'no known member' => [ [ 'content-type' => 'application/json' ], '{"error":"x"}' ],
			'non-scalar members' => [ [ 'content-type' => 'application/json' ], '{"type":["x"],"title":{}}' ],
			'empty' => [ [ 'content-type' => 'application/problem+json' ], '' ],
		];
	}

	/**
	 * @dataProvider provideBodiesThatAreNotProblems
	 */
	public function testFromResponseReturnsNullWithoutAProblemBody( array $headers, string $body ) {
		$this->assertNull( ProblemDetails::fromResponse( $headers, $body ) );
	}

	public function testFromResponseReturnsNullForNonStringBody() {
		$this->assertNull( ProblemDetails::fromResponse( [], null ) );
	}

	public function testFromResponseKeepsOnlyTheMembersPresent() {
		$problem = ProblemDetails::fromResponse( [], '{"title":"Bad request","status":400}' );

		$this->assertSame( [ 'problem_title' => 'Bad request' ], $problem->toLogContext( self::KEY ) );
	}

	public function testToLogContextRedactsTheDecodedKey() {
		$context = ProblemDetails::fromResponse( [], self::NOT_FOUND )->toLogContext( self::KEY );

		$this->assertSame( [
			'problem_type' => 'https://www.mediawiki.org/wiki/Kask/errors/not_found',
			'problem_title' => 'Not found',
			'problem_detail' => 'The value you requested was not found',
			'problem_instance' => '/sessions/v1/[key]',
		], $context );
	}

	public function testToLogContextRedactsTheEncodedKey() {
		$body = json_encode( [
			'instance' => '/sessions/v1/' . rawurlencode( self::KEY ),
			'detail' => 'key ' . urlencode( 'a b:c' ) . ' refused',
		] );

		$this->assertSame(
			'/sessions/v1/[key]',
			ProblemDetails::fromResponse( [], $body )->toLogContext( self::KEY )['problem_instance']
		);
		$this->assertSame(
			'key [key] refused',
			ProblemDetails::fromResponse( [], $body )->toLogContext( 'a b:c' )['problem_detail']
		);
	}

	public function testToLogContextTruncatesLongMembers() {
		$body = json_encode( [ 'detail' => str_repeat( 'é', 2000 ) ] );

		$detail = ProblemDetails::fromResponse( [], $body )->toLogContext( self::KEY )['problem_detail'];

		$this->assertLessThanOrEqual( 503, strlen( $detail ) );
		$this->assertStringEndsWith( '...', $detail );
		$this->assertTrue( mb_check_encoding( $detail, 'UTF-8' ) );
	}
}
