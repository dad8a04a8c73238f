<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

/**
 * Registration callback: turns the extension's settings into an `$wgObjectCaches` entry.
 *
 * extension.json has no attribute for object caches, so this adds
 * `$wgObjectCaches[$wgKaskStoreCacheName]` (default `kask`) from the KaskStore* settings,
 * unless LocalSettings.php already defined that entry itself. A wiki then stores its
 * sessions in kask-ts with `$wgSessionCacheType = 'kask';`. `$wgKaskStoreExtendedApi` picks
 * the class: KaskBagOStuff (Kask's API) or KaskTsBagOStuff (kask-ts's extensions).
 */
class Registration {
	/** Where kask-ts listens when started without a configuration file */
	private const DEFAULT_URL = 'http://localhost:8081/sessions/v1/';

	/**
	 * Called by ExtensionRegistry once LocalSettings.php has run (see extension.json).
	 *
	 * @param array $credits The extension's credits (unused)
	 */
	public static function onRegistration( array $credits = [] ): void {
		$name = $GLOBALS['wgKaskStoreCacheName'] ?? 'kask';
		$GLOBALS['wgObjectCaches'][$name] ??= self::cacheParams( $GLOBALS );
		foreach ( $GLOBALS['wgObjectCaches'] as $cacheName => $params ) {
			$GLOBALS['wgObjectCaches'][$cacheName] = self::upgradeParams( $params );
		}
	}

	/**
	 * The `$wgObjectCaches` entry that the settings describe.
	 *
	 * @param array $settings Globals holding the wgKaskStore* settings (missing ones take defaults)
	 * @return array Parameters for ObjectCache::newFromParams()
	 */
	public static function cacheParams( array $settings ): array {
		$extendedApi = (bool)( $settings['wgKaskStoreExtendedApi'] ?? false );
		$params = [
			'class' => $extendedApi ? KaskTsBagOStuff::class : KaskBagOStuff::class,
			'url' => $settings['wgKaskStoreUrl'] ?? self::DEFAULT_URL,
			'serialization_type' =>
				$settings['wgKaskStoreSerializationType'] ?? ValueEnvelope::TYPE_PHP,
			'hmac_key' => $settings['wgKaskStoreHmacKey'] ?? '',
			'connTimeout' =>
				$settings['wgKaskStoreConnTimeout'] ?? KaskTransport::DEFAULT_CONN_TIMEOUT,
			'reqTimeout' =>
				$settings['wgKaskStoreReqTimeout'] ?? KaskTransport::DEFAULT_REQ_TIMEOUT,
		];
		$optional = [
			'wgKaskStoreCaBundlePath' => 'caBundlePath',
			'wgKaskStoreClientCert' => 'clientCert',
			'wgKaskStoreClientKey' => 'clientKey',
		];
		foreach ( $optional as $setting => $param ) {
			if ( ( $settings[$setting] ?? null ) !== null ) {
				$params[$param] = $settings[$setting];
			}
		}
		return $params;
	}

	/**
	 * An `$wgObjectCaches` entry written for version 0.1, where `'extendedApi' => true` on
	 * KaskBagOStuff chose kask-ts's extensions: the same entry with KaskTsBagOStuff, which is
	 * how they are chosen now. Any other entry as it is.
	 *
	 * @param mixed $params An `$wgObjectCaches` entry
	 * @return mixed
	 */
	public static function upgradeParams( $params ) {
		if (
			is_array( $params ) &&
			( $params['extendedApi'] ?? false ) &&
			ltrim( (string)( $params['class'] ?? '' ), '\\' ) === KaskBagOStuff::class
		) {
			$params['class'] = KaskTsBagOStuff::class;
		}
		return $params;
	}
}
