<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Integration;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\KaskServerTestCase;
use MediaWiki\Extension\KaskStore\ValueEnvelope;
use Psr\Log\LogLevel;

/**
 * KaskBagOStuff against a running server (KASK_BASE_URL).
 *
 * @covers \MediaWiki\Extension\KaskStore\KaskBagOStuff
 * @covers \MediaWiki\Extension\KaskStore\ValueEnvelope
 * @covers \MediaWiki\Extension\KaskStore\ProblemDetails
 */
class KaskBagOStuffIntegrationTest extends KaskServerTestCase {
	private function newBag( array $params = [] ): KaskBagOStuff {
		return new KaskBagOStuff( $params + [ 'url' => $this->baseUrl, 'logger' => $this->logger ] );
	}

	public static function provideSerializations(): array {
		return [
			'PHP' => [ 'PHP', '' ],
			'PHP with HMAC' => [ 'PHP', 'an hmac key' ],
			'JSON' => [ 'JSON', '' ],
			'JSON with HMAC' => [ 'JSON', 'an hmac key' ],
		];
	}

	/**
	 * @dataProvider provideSerializations
	 */
	public function testSetThenGetReturnsTheValue( string $type, string $hmacKey ) {
		$bag = $this->newBag( [ 'serialization_type' => $type, 'hmac_key' => $hmacKey ] );
		$key = $this->uniqueKey();
		$value = [
			'data' => [ 'wsUserID' => 1, 'wsUserName' => 'Admin' ],
			'metadata' => [ 'expires' => 1700000000 ],
		];

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testTheServerStoresTheEnvelopeVerbatim() {
		$bag = $this->newBag( [ 'serialization_type' => 'JSON', 'hmac_key' => '12345' ] );
		$key = $this->uniqueKey();

		$bag->set( $key, 'somedata' );

		[ $status, $body ] = $this->rawRequest( 'GET', $key );
		$this->assertSame( 200, $status );
		$this->assertSame( 'JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"', $body );
	}

	public function testGetReturnsFalseOnMiss() {
		$bag = $this->newBag();

		$this->assertFalse( $bag->get( $this->uniqueKey() ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
		$this->assertSame( [], $this->logger->records );
	}

	public function testSetOverwritesTheValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$bag->set( $key, 'first' );
		$bag->set( $key, 'second' );

		$this->assertSame( 'second', $bag->get( $key ) );
	}

	public function testDeleteRemovesTheValue() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();
		$bag->set( $key, 'value' );

		$this->assertTrue( $bag->delete( $key ) );
		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testDeleteOfAnAbsentKeySucceeds() {
		$this->assertTrue( $this->newBag()->delete( $this->uniqueKey() ) );
	}

	public function testPhpStringsAreBinarySafe() {
		$bag = $this->newBag( [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ] );
		$key = $this->uniqueKey();
		$bytes = '';
		for ( $i = 0; $i < 256; $i++ ) {
			$bytes .= chr( $i );
		}
		$value = [
			'all bytes' => $bytes,
			'invalid UTF-8' => "\xff\xfe\xc3",
			'dots' => "\0...\0",
			'crlf' => "\r\n\r\n",
		];

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
	}

	public static function provideAwkwardKeys(): array {
		return [
			'colons and percent' => [ 'my_wiki:MWSession:a%3Ab%25' ],
			'space, plus, query and fragment characters' => [ 'a b+c?d=e&f#g' ],
			'non-ASCII' => [ 'wiki:Ünïcødé:日本語:😀' ],
			'dots' => [ '..' ],
		];
	}

	/**
	 * @dataProvider provideAwkwardKeys
	 */
	public function testKeysAreOnePathSegmentWhateverTheyHold( string $suffix ) {
		$bag = $this->newBag();
		$key = $this->uniqueKey() . $suffix;

		$this->assertTrue( $bag->set( $key, 'v' ) );
		$this->assertSame( 'v', $bag->get( $key ) );
		$this->assertSame( 200, $this->rawRequest( 'GET', $key )[0] );
		$this->assertTrue( $bag->delete( $key ) );
		$this->assertFalse( $bag->get( $key ) );
	}

	public function testAKeyWithASlashCannotBeStored() {
		// A documented caveat, as with Kask and RESTBagOStuff: an encoded "/" is answered 404
		$bag = $this->newBag();
		$key = $this->uniqueKey( 'a/b' );

		$this->assertFalse( $bag->set( $key, 'v' ) );
		$this->assertFalse( $bag->get( $key ) );
	}

	/**
	 * @param ValueEnvelope $envelope
	 * @param int $bodyBytes
	 * @return string A string whose envelope is exactly $bodyBytes long
	 */
	private static function stringWithEnvelopeSize( ValueEnvelope $envelope, int $bodyBytes ): string {
		$length = $bodyBytes;
		// The length of the digits in serialize()'s "s:N:" shifts the total; two rounds settle it
		for ( $round = 0; $round < 3; $round++ ) {
			$length += $bodyBytes - strlen( $envelope->encode( str_repeat( 'x', $length ) ) );
		}
		return str_repeat( 'x', $length );
	}

	public function testAValueAtTheSizeLimitIsStored() {
		$params = [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ];
		$bag = $this->newBag( $params );
		$value = self::stringWithEnvelopeSize( new ValueEnvelope( 'PHP', 'k' ), self::MAX_VALUE_BYTES );
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->set( $key, $value ) );
		$this->assertSame( $value, $bag->get( $key ) );
		$this->assertSame( self::MAX_VALUE_BYTES, strlen( $this->rawRequest( 'GET', $key )[1] ) );
	}

	public function testAValueOneByteOverTheSizeLimitIsRefusedAndLogged() {
		$bag = $this->newBag( [ 'serialization_type' => 'PHP', 'hmac_key' => 'k' ] );
		$value = self::stringWithEnvelopeSize( new ValueEnvelope( 'PHP', 'k' ), self::MAX_VALUE_BYTES + 1 );
		$key = $this->uniqueKey();

		$this->assertFalse( $bag->set( $key, $value ) );
		$this->assertSame( BagOStuff::ERR_UNEXPECTED, $bag->getLastError() );
		$this->assertFalse( $bag->get( $key ) );

		$errors = $this->logger->at( LogLevel::ERROR );
		$this->assertCount( 1, $errors );
		$this->assertSame( 413, $errors[0]['context']['code'] );
		$this->assertSame(
			'https://www.mediawiki.org/wiki/Kask/errors/payload_too_large',
			$errors[0]['context']['problem_type']
		);
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}

	public function testServerProblemsAreLoggedWithTheKeyRedacted() {
		// kask-ts refuses keys over max_key_bytes (1024 by default) with a problem body
		$bag = $this->newBag();
		$key = $this->uniqueKey( str_repeat( 'k', 1100 ) );

		$this->assertFalse( $bag->set( $key, 'v' ) );

		$context = $this->logger->at( LogLevel::ERROR )[0]['context'];
		$this->assertSame( 400, $context['code'] );
		$this->assertStringStartsWith( 'https://www.mediawiki.org/wiki/Kask/errors/', $context['problem_type'] );
		$this->assertNotEmpty( $context['problem_title'] );
		$this->assertNotEmpty( $context['problem_detail'] );
		$this->assertStringEndsWith( '[key]', $context['problem_instance'] );
		$this->assertStringNotContainsString( $key, $this->logger->text() );
		$this->assertStringNotContainsString( str_repeat( 'k', 100 ), $this->logger->text() );
	}

	public function testAValueSignedWithAnotherHmacKeyReadsAsMiss() {
		$key = $this->uniqueKey();
		$this->newBag( [ 'hmac_key' => 'old secret' ] )->set( $key, 'value' );
		$bag = $this->newBag( [ 'hmac_key' => 'new secret' ] );

		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_NONE, $bag->getLastError() );
	}

	public function testAValueOfTheOtherSerializationTypeReadsAsMiss() {
		$key = $this->uniqueKey();
		$this->newBag( [ 'serialization_type' => 'JSON' ] )->set( $key, 'value' );

		$this->assertFalse( $this->newBag( [ 'serialization_type' => 'PHP' ] )->get( $key ) );
	}

	public function testMultiOperationsRoundTrip() {
		$bag = $this->newBag( [ 'serialization_type' => 'JSON' ] );
		$values = [];
		for ( $i = 0; $i < 20; $i++ ) {
			$values[$this->uniqueKey( "multi$i" )] = [ 'i' => $i ];
		}
		$absent = $this->uniqueKey( 'absent' );

		$this->assertTrue( $bag->setMulti( $values ) );
		$this->assertSame( $values, $bag->getMulti( array_merge( array_keys( $values ), [ $absent ] ) ) );
		$this->assertTrue( $bag->deleteMulti( array_keys( $values ) ) );
		$this->assertSame( [], $bag->getMulti( array_keys( $values ) ) );
		$this->assertSame( [], $this->logger->records );
	}

	public function testAddAndMergeWork() {
		$bag = $this->newBag();
		$key = $this->uniqueKey();

		$this->assertTrue( $bag->add( $key, [ 'n' => 1 ] ) );
		$this->assertFalse( $bag->add( $key, [ 'n' => 9 ] ) );
		$this->assertTrue( $bag->merge( $key, static function ( $bag, $key, $current ) {
			return [ 'n' => $current['n'] + 1 ];
		} ) );
		$this->assertSame( [ 'n' => 2 ], $bag->get( $key ) );
	}

	public function testAServerThatIsDownReadsAsUnreachable() {
		$bag = $this->newBag( [ 'url' => self::unreachableBaseUrl() ] );
		$key = $this->uniqueKey();

		$this->assertFalse( $bag->get( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
		$bag->clearLastError();
		$this->assertFalse( $bag->set( $key, 'v' ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );
		$bag->clearLastError();
		$this->assertFalse( $bag->delete( $key ) );
		$this->assertSame( BagOStuff::ERR_UNREACHABLE, $bag->getLastError() );

		$this->assertCount( 3, $this->logger->at( LogLevel::ERROR ) );
		$this->assertSame( 0, $this->logger->at( LogLevel::ERROR )[0]['context']['code'] );
		$this->assertStringNotContainsString( rawurlencode( $key ), $this->logger->text() );
	}
}
