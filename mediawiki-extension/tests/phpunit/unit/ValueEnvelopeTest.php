<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use ArrayObject;
use InvalidArgumentException;
use MediaWiki\Extension\KaskStore\Tests\InjectionProbe;
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

	/** @var callable|null An autoloader that records the classes asked for */
	private $autoloadSpy;

	/** @var string[] Classes the autoloader was asked for during the test */
	private $autoloaded = [];

	protected function setUp(): void {
		parent::setUp();
		InjectionProbe::$calls = [];
		$this->autoloadSpy = function ( string $class ): void {
			$this->autoloaded[] = $class;
		};
		spl_autoload_register( $this->autoloadSpy );
	}

	protected function tearDown(): void {
		spl_autoload_unregister( $this->autoloadSpy );
		parent::tearDown();
	}

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

	public static function provideUnsignedPayloadsWithObjects(): array {
		$probe = InjectionProbe::serialized();
		return [
			'an object of a class of the wiki\'s' => [ $probe ],
			'an object inside an array' => [ 'a:2:{s:4:"data";a:1:{i:0;' . $probe . '}s:1:"x";i:1;}' ],
			'an object after a string holding a quote and a semicolon' =>
				[ 'a:2:{i:0;s:3:"a";";i:1;' . $probe . '}' ],
			'stdClass' => [ 'O:8:"stdClass":1:{s:1:"a";i:1;}' ],
			'a Serializable object (C:)' => [ 'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}' ],
			'an enum case, which allowed_classes does not stop' => [ 'E:30:"KaskStoreTestNoSuchEnum:Hearts";' ],
		];
	}

	/**
	 * Whoever can write to an unauthenticated store chooses the bytes the wiki reads: without an
	 * HMAC key, a PHP payload that holds an object reads as a miss, before any of its code runs
	 * (no magic method, no autoloading).
	 *
	 * @dataProvider provideUnsignedPayloadsWithObjects
	 */
	public function testAnUnsignedPhpObjectReadsAsAMissWithoutRunningAnyCode( string $payload ) {
		$envelope = new ValueEnvelope( 'PHP' );

		$value = $envelope->decode( "PHP..$payload" );
		gc_collect_cycles();

		$this->assertFalse( $value );
		$this->assertSame( [], InjectionProbe::$calls, 'no magic method ran' );
		$this->assertSame( [], $this->autoloaded, 'no class was autoloaded' );
		$this->assertSame(
			[ false, ValueEnvelope::PROBLEM_UNSIGNED_OBJECTS ], $envelope->open( "PHP..$payload" )
		);
	}

	public static function provideUnsignedData(): array {
		$shared = [ 'shared' => true ];
		return [
			'a string that looks like an object' => [ InjectionProbe::serialized() ],
			'a string with the bytes of an enum case and quotes' => [ '";E:3:"A:B";}' ],
			'keys that look like objects' => [ [ 'O:1:"a":0:{}' => 'C:1:"b":0:{}', 'E:' => 'R:1;' ] ],
			'floats' => [ [ 1.5, -0.0, 1.0E+25, 1.5E-7, -2.5, INF, -INF ] ],
			'integers' => [ [ 0, -1, PHP_INT_MAX, PHP_INT_MIN ] ],
			'references' => [ [ &$shared, &$shared ] ],
			'a session' => [ [
				'data' => [ 'wsUserID' => 1, 'wsUserName' => 'Admin', 'wsToken' => "\0\xff" ],
				'metadata' => [ 'userId' => 1, 'persisted' => true, 'providerMetadata' => null ],
			] ],
		];
	}

	/**
	 * What RESTBagOStuff writes unsigned, without objects, reads as it always did.
	 *
	 * @dataProvider provideUnsignedData
	 */
	public function testUnsignedPhpDataReadsAsRestBagOStuffWroteIt( $value ) {
		$stock = new RESTBagOStuff( [ 'url' => 'http://127.0.0.1:1/sessions/v1/' ] );
		$stockEncode = new ReflectionMethod( RESTBagOStuff::class, 'encodeBody' );
		$stockEncode->setAccessible( true );
		$envelope = new ValueEnvelope( 'PHP' );

		[ $read, $problem ] = $envelope->open( $stockEncode->invoke( $stock, $value ) );

		$this->assertNull( $problem );
		$this->assertSame( serialize( $value ), serialize( $read ) );
	}

	public function testUnsignedPhpNanReadsAsNan() {
		$envelope = new ValueEnvelope( 'PHP' );

		$this->assertNan( $envelope->decode( $envelope->encode( NAN ) ) );
	}

	/**
	 * With an HMAC key, only a holder of the key could have written a value: it is read as
	 * RESTBagOStuff reads it, objects included.
	 */
	public function testSignedPhpValuesMayHoldObjectsAsInRestBagOStuff() {
		$stock = new RESTBagOStuff( [ 'url' => 'http://127.0.0.1:1/sessions/v1/', 'hmac_key' => 'secret' ] );
		$stockEncode = new ReflectionMethod( RESTBagOStuff::class, 'encodeBody' );
		$stockEncode->setAccessible( true );
		$object = new stdClass();
		$object->list = new ArrayObject( [ 1, 2 ] );

		$read = ( new ValueEnvelope( 'PHP', 'secret' ) )->decode( $stockEncode->invoke( $stock, [ 'o' => $object ] ) );

		$this->assertEquals( [ 'o' => $object ], $read );
		$this->assertInstanceOf( ArrayObject::class, $read['o']->list );
	}

	public function testASignedObjectWithAWrongSignatureRunsNoCode() {
		$payload = InjectionProbe::serialized();
		$body = 'PHP.' . base64_encode( hash_hmac( 'sha256', $payload, 'another key', true ) ) . ".$payload";

		$this->assertSame(
			[ false, ValueEnvelope::PROBLEM_SIGNATURE ], ( new ValueEnvelope( 'PHP', 'secret' ) )->open( $body )
		);
		$this->assertSame( [], InjectionProbe::$calls );
	}

	public static function provideMisses(): array {
		return [
			'another type' => [ 'JSON', '', self::VECTORS['PHP'], ValueEnvelope::PROBLEM_MALFORMED ],
			'no envelope' => [ 'PHP', '', 'KASK:V:INTEGRATION_TEST_VALUE', ValueEnvelope::PROBLEM_MALFORMED ],
			'invalid JSON' => [ 'JSON', '', 'JSON..{"a":', ValueEnvelope::PROBLEM_MALFORMED ],
			'invalid PHP, signed' => [ 'PHP', 'k', 'PHP.' . base64_encode( hash_hmac( 'sha256', 's:9:"x";', 'k', true ) ) .
				'.s:9:"x";', ValueEnvelope::PROBLEM_MALFORMED ],
			'invalid PHP, unsigned' => [ 'PHP', '', 'PHP..s:99:"short";', ValueEnvelope::PROBLEM_MALFORMED ],
			'a string longer than any payload' =>
				[ 'PHP', '', 'PHP..s:99999999999999999999:"x";', ValueEnvelope::PROBLEM_MALFORMED ],
			'an escaped string (S:)' => [ 'PHP', '', 'PHP..S:1:"\\61";', ValueEnvelope::PROBLEM_MALFORMED ],
			'wrong HMAC' => [ 'JSON', 'another key', self::VECTORS['JSON'], ValueEnvelope::PROBLEM_SIGNATURE ],
			'unsigned, HMAC expected' => [ 'PHP', '12345', 'PHP..s:1:"x";', ValueEnvelope::PROBLEM_SIGNATURE ],
		];
	}

	/**
	 * @dataProvider provideMisses
	 */
	public function testOpenSaysWhyABodyReadsAsAMiss( string $type, string $hmacKey, string $body, string $problem ) {
		$this->assertSame( [ false, $problem ], ( new ValueEnvelope( $type, $hmacKey ) )->open( $body ) );
	}

	public function testOpenOfAValueHasNoProblem() {
		$envelope = new ValueEnvelope( 'PHP', '12345' );

		$this->assertSame( [ 'somedata', null ], $envelope->open( self::VECTORS['PHP'] ) );
		$this->assertSame( [ false, null ], $envelope->open( $envelope->encode( false ) ) );
	}
}
