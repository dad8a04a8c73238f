<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use InvalidArgumentException;
use MediaWiki\Extension\KaskStore\ValueEnvelope;
use PHPUnit\Framework\TestCase;
use ReflectionMethod;
use RESTBagOStuff;
use stdClass;

/**
 * @covers \MediaWiki\Extension\KaskStore\ValueEnvelope
 */
class ValueEnvelopeTest extends TestCase {
	/** Test vectors from the reference: hmac key 12345, value "somedata" */
	private const VECTORS = [
		'JSON' => 'JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"',
		'PHP' => 'PHP.t2EKhUF4l65kZqWhoAnKW8ZPzekDYfrDxTkQcVmGsuM=.s:8:"somedata";',
	];

	public static function provideSerializationTypes(): array {
		return [ 'JSON' => [ 'JSON' ], 'PHP' => [ 'PHP' ] ];
	}

	/**
	 * @dataProvider provideSerializationTypes
	 */
	public function testEncodeMatchesTheHmacTestVector( string $type ) {
		$envelope = new ValueEnvelope( $type, '12345' );

		$this->assertSame( self::VECTORS[$type], $envelope->encode( 'somedata' ) );
	}

	/**
	 * @dataProvider provideSerializationTypes
	 */
	public function testDecodeReadsTheHmacTestVector( string $type ) {
		$envelope = new ValueEnvelope( $type, '12345' );

		$this->assertSame( 'somedata', $envelope->decode( self::VECTORS[$type] ) );
	}

	public function testEncodeWithoutHmacKeyLeavesTheSignatureEmpty() {
		$envelope = new ValueEnvelope( 'JSON' );

		$this->assertSame( 'JSON..{"a":1}', $envelope->encode( [ 'a' => 1 ] ) );
	}

	public function testDefaultSerializationIsPhpAsInRestBagOStuff() {
		$this->assertSame( 'PHP..i:42;', ( new ValueEnvelope() )->encode( 42 ) );
	}

	/**
	 * @dataProvider provideSerializationTypes
	 */
	public function testDecodeReturnsFalseForWrongHmacKey( string $type ) {
		$envelope = new ValueEnvelope( $type, 'another key' );

		$this->assertFalse( $envelope->decode( self::VECTORS[$type] ) );
	}

	public function testDecodeReturnsFalseForUnsignedValueWhenAKeyIsConfigured() {
		$envelope = new ValueEnvelope( 'JSON', '12345' );

		$this->assertFalse( $envelope->decode( 'JSON.."somedata"' ) );
	}

	public function testDecodeWithoutHmacKeyAcceptsSignedValues() {
		// As RESTBagOStuff: without a key the signature is not checked
		$envelope = new ValueEnvelope( 'JSON' );

		$this->assertSame( 'somedata', $envelope->decode( self::VECTORS['JSON'] ) );
	}

	public function testDecodeReturnsFalseForTamperedPayload() {
		$envelope = new ValueEnvelope( 'JSON', '12345' );
		$tampered = str_replace( 'somedata', 'somedatb', self::VECTORS['JSON'] );

		$this->assertFalse( $envelope->decode( $tampered ) );
	}

	public function testDecodeReturnsFalseForOtherSerializationType() {
		$this->assertFalse( ( new ValueEnvelope( 'PHP', '12345' ) )->decode( self::VECTORS['JSON'] ) );
		$this->assertFalse( ( new ValueEnvelope( 'JSON', '12345' ) )->decode( self::VECTORS['PHP'] ) );
	}

	public static function provideMalformedBodies(): array {
		return [
			'empty' => [ 'JSON', '' ],
			'no dots' => [ 'JSON', '"somedata"' ],
			'one dot' => [ 'JSON', 'JSON."somedata"' ],
			'lower-case type' => [ 'JSON', 'json.."somedata"' ],
			'invalid JSON' => [ 'JSON', 'JSON..{"a":' ],
			'invalid PHP' => [ 'PHP', 'PHP..s:99:"short";' ],
			'raw value' => [ 'PHP', 'KASK:V:INTEGRATION_TEST_VALUE' ],
		];
	}

	/**
	 * @dataProvider provideMalformedBodies
	 */
	public function testDecodeReturnsFalseForMalformedBody( string $type, string $body ) {
		$this->assertFalse( ( new ValueEnvelope( $type ) )->decode( $body ) );
	}

	public function testPayloadMayContainDots() {
		$envelope = new ValueEnvelope( 'PHP', 'k' );

		$this->assertSame( 'a.b.c..d', $envelope->decode( $envelope->encode( 'a.b.c..d' ) ) );
	}

	public function testJsonTurnsObjectsIntoArrays() {
		$envelope = new ValueEnvelope( 'JSON' );
		$object = new stdClass();
		$object->a = [ 'b' => true ];

		$this->assertSame( [ 'a' => [ 'b' => true ] ], $envelope->decode( $envelope->encode( $object ) ) );
	}

	public function testPhpRoundTripIsBinarySafe() {
		$envelope = new ValueEnvelope( 'PHP', 'secret' );
		$bytes = '';
		for ( $i = 0; $i < 256; $i++ ) {
			$bytes .= chr( $i );
		}
		$value = [ 'bytes' => $bytes . $bytes, 'nul' => "\0.\0" ];

		$this->assertSame( $value, $envelope->decode( $envelope->encode( $value ) ) );
	}

	public function testEncodeThrowsForNonUtf8JsonString() {
		$this->expectException( InvalidArgumentException::class );

		( new ValueEnvelope( 'JSON' ) )->encode( "\xff\xfe" );
	}

	public function testConstructorRejectsUnknownSerializationType() {
		$this->expectException( InvalidArgumentException::class );

		new ValueEnvelope( 'XML' );
	}

	public static function provideRestBagOStuffCases(): array {
		$values = [
			'string' => 'somedata',
			'integer' => 7,
			'float' => 1.5,
			'null' => null,
			'true' => true,
			'nested array' => [
				'data' => [ 'wsUserID' => 1, 'wsUserName' => 'Admin' ],
				'metadata' => [ 'expires' => 1 ],
			],
			'unicode' => "Ünïcødé \u{1F600}",
		];
		$cases = [];
		foreach ( [ 'JSON', 'PHP' ] as $type ) {
			foreach ( [ '', '12345', 'a much longer key with spaces' ] as $hmacKey ) {
				foreach ( $values as $name => $value ) {
					$cases["$type, key '$hmacKey', $name"] = [ $type, $hmacKey, $value ];
				}
			}
		}
		return $cases;
	}

	/**
	 * The stock class's private encoder and decoder, called through reflection, agree with ours
	 * byte for byte in both directions.
	 *
	 * @dataProvider provideRestBagOStuffCases
	 */
	public function testEnvelopeIsIdenticalToRestBagOStuffs( string $type, string $hmacKey, $value ) {
		$stock = new RESTBagOStuff( [
			'url' => 'http://127.0.0.1:1/sessions/v1/',
			'serialization_type' => $type,
			'hmac_key' => $hmacKey,
		] );
		$stockEncode = new ReflectionMethod( RESTBagOStuff::class, 'encodeBody' );
		$stockEncode->setAccessible( true );
		$stockDecode = new ReflectionMethod( RESTBagOStuff::class, 'decodeBody' );
		$stockDecode->setAccessible( true );
		$envelope = new ValueEnvelope( $type, $hmacKey );

		$ours = $envelope->encode( $value );
		$this->assertSame( $stockEncode->invoke( $stock, $value ), $ours );
		$this->assertSame( $value, $stockDecode->invoke( $stock, $ours ) );
		$this->assertSame( $value, $envelope->decode( $stockEncode->invoke( $stock, $value ) ) );
	}
}
