<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;
use MediaWiki\Extension\KaskStore\Registration;
use PHPUnit\Framework\TestCase;

/**
 * @covers \MediaWiki\Extension\KaskStore\Registration
 */
class RegistrationTest extends TestCase {
	private const GLOBALS = [
		'wgObjectCaches', 'wgKaskStoreUrl', 'wgKaskStoreCacheName', 'wgKaskStoreSerializationType',
		'wgKaskStoreHmacKey', 'wgKaskStoreConnTimeout', 'wgKaskStoreReqTimeout', 'wgKaskStoreCaBundlePath',
		'wgKaskStoreExtendedApi', 'wgKaskStoreClientCert', 'wgKaskStoreClientKey',
	];

	/** @var array Saved globals */
	private $saved = [];

	protected function setUp(): void {
		parent::setUp();
		foreach ( self::GLOBALS as $name ) {
			if ( array_key_exists( $name, $GLOBALS ) ) {
				$this->saved[$name] = $GLOBALS[$name];
			}
			unset( $GLOBALS[$name] );
		}
	}

	protected function tearDown(): void {
		foreach ( self::GLOBALS as $name ) {
			unset( $GLOBALS[$name] );
		}
		foreach ( $this->saved as $name => $value ) {
			$GLOBALS[$name] = $value;
		}
		parent::tearDown();
	}

	/**
	 * @return array Map of (setting => default) from extension.json
	 */
	private static function manifestDefaults(): array {
		$manifest = json_decode( file_get_contents( __DIR__ . '/../../../extension.json' ), true );
		return array_map( static function ( $setting ) {
			return $setting['value'];
		}, $manifest['config'] );
	}

	public function testEverySettingIsPrefixedAndDescribed() {
		$manifest = json_decode( file_get_contents( __DIR__ . '/../../../extension.json' ), true );

		foreach ( $manifest['config'] as $name => $setting ) {
			$this->assertStringStartsWith( 'KaskStore', $name );
			$this->assertNotEmpty( $setting['description'] ?? '', "$name has a description" );
		}
		$this->assertSame( 2, $manifest['manifest_version'] );
		$this->assertSame( '>= 1.39.0', $manifest['requires']['MediaWiki'] );
	}

	public function testOnRegistrationAddsTheKaskObjectCacheFromTheSettings() {
		foreach ( self::manifestDefaults() as $name => $value ) {
			$GLOBALS["wg$name"] = $value;
		}
		$GLOBALS['wgKaskStoreUrl'] = 'http://127.0.0.1:8081/sessions/v1/';
		$GLOBALS['wgKaskStoreHmacKey'] = 'secret';
		$GLOBALS['wgObjectCaches'] = [ 'other' => [ 'class' => 'HashBagOStuff' ] ];

		Registration::onRegistration();

		$this->assertSame( [ 'class' => 'HashBagOStuff' ], $GLOBALS['wgObjectCaches']['other'] );
		$this->assertSame( [
			'class' => KaskBagOStuff::class,
			'url' => 'http://127.0.0.1:8081/sessions/v1/',
			'serialization_type' => 'PHP',
			'hmac_key' => 'secret',
			'connTimeout' => 1.2,
			'reqTimeout' => 3.0,
		], $GLOBALS['wgObjectCaches']['kask'] );
	}

	public function testTheTlsSettingsReachTheCacheParameters() {
		$params = Registration::cacheParams( [
			'wgKaskStoreUrl' => 'https://127.0.0.1:8081/sessions/v1/',
			'wgKaskStoreCaBundlePath' => '/etc/kask/ca.pem',
			'wgKaskStoreClientCert' => '/etc/mediawiki/kask-client.pem',
			'wgKaskStoreClientKey' => '/etc/mediawiki/kask-client.key',
		] );

		$this->assertSame( '/etc/kask/ca.pem', $params['caBundlePath'] );
		$this->assertSame( '/etc/mediawiki/kask-client.pem', $params['clientCert'] );
		$this->assertSame( '/etc/mediawiki/kask-client.key', $params['clientKey'] );
	}

	public function testTheExtendedApiSettingPicksKaskTsBagOStuff() {
		$GLOBALS['wgKaskStoreExtendedApi'] = true;

		Registration::onRegistration();

		$this->assertSame( KaskTsBagOStuff::class, $GLOBALS['wgObjectCaches']['kask']['class'] );
	}

	public static function provideEntriesOfVersion01(): array {
		$kask = [ 'class' => KaskBagOStuff::class, 'url' => 'http://x/' ];
		return [
			'extendedApi on' => [ $kask + [ 'extendedApi' => true ], KaskTsBagOStuff::class ],
			'extendedApi on, class with a leading backslash' => [
				[ 'class' => '\\' . KaskBagOStuff::class, 'extendedApi' => true ],
				KaskTsBagOStuff::class
			],
			'extendedApi off' => [ $kask + [ 'extendedApi' => false ], KaskBagOStuff::class ],
			'no extendedApi' => [ $kask, KaskBagOStuff::class ],
			'another class' => [
				[ 'class' => 'RESTBagOStuff', 'extendedApi' => true ], 'RESTBagOStuff'
			],
		];
	}

	/**
	 * LocalSettings.php lines written for version 0.1 keep their meaning.
	 *
	 * @dataProvider provideEntriesOfVersion01
	 */
	public function testAnEntryOfVersion01KeepsItsMeaning( array $entry, string $class ) {
		$GLOBALS['wgObjectCaches'] = [ 'sessions' => $entry ];

		Registration::onRegistration();

		$this->assertSame( $class, $GLOBALS['wgObjectCaches']['sessions']['class'] );
		$this->assertSame( $entry['url'] ?? null, $GLOBALS['wgObjectCaches']['sessions']['url'] ?? null );
	}

	public function testOnRegistrationUsesTheConfiguredCacheName() {
		$GLOBALS['wgKaskStoreCacheName'] = 'sessions';

		Registration::onRegistration();

		$this->assertSame( KaskBagOStuff::class, $GLOBALS['wgObjectCaches']['sessions']['class'] );
		$this->assertArrayNotHasKey( 'kask', $GLOBALS['wgObjectCaches'] );
	}

	public function testOnRegistrationKeepsAnEntryFromLocalSettings() {
		$GLOBALS['wgObjectCaches'] = [ 'kask' => [ 'class' => 'RESTBagOStuff', 'url' => 'http://x/' ] ];

		Registration::onRegistration();

		$this->assertSame( [ 'class' => 'RESTBagOStuff', 'url' => 'http://x/' ], $GLOBALS['wgObjectCaches']['kask'] );
	}

	public function testDefaultsInCodeMatchExtensionJson() {
		$defaults = self::manifestDefaults();
		$params = Registration::cacheParams( [] );

		$this->assertSame( $defaults['KaskStoreUrl'], $params['url'] );
		$this->assertSame( $defaults['KaskStoreSerializationType'], $params['serialization_type'] );
		$this->assertSame( $defaults['KaskStoreHmacKey'], $params['hmac_key'] );
		$this->assertEquals( $defaults['KaskStoreConnTimeout'], $params['connTimeout'] );
		$this->assertEquals( $defaults['KaskStoreReqTimeout'], $params['reqTimeout'] );
		$this->assertFalse( $defaults['KaskStoreExtendedApi'] );
		$this->assertSame(
			KaskBagOStuff::class, $params['class'], 'Kask\'s API by default: a plain Kask keeps working'
		);
		foreach ( [ 'CaBundlePath' => 'caBundlePath', 'ClientCert' => 'clientCert', 'ClientKey' => 'clientKey' ] as $setting => $param ) {
			$this->assertNull( $defaults["KaskStore$setting"] );
			$this->assertArrayNotHasKey( $param, $params );
		}
		$this->assertSame( 'kask', $defaults['KaskStoreCacheName'] );
	}

	public static function provideExtendedApi(): array {
		return [ 'off' => [ false, KaskBagOStuff::class ], 'on' => [ true, KaskTsBagOStuff::class ] ];
	}

	/**
	 * @dataProvider provideExtendedApi
	 */
	public function testCacheParamsBuildAWorkingCache( bool $extendedApi, string $class ) {
		$params = Registration::cacheParams( [
			'wgKaskStoreSerializationType' => 'JSON',
			'wgKaskStoreExtendedApi' => $extendedApi,
		] );

		$this->assertSame( $class, get_class( new $params['class']( $params ) ) );
	}
}
