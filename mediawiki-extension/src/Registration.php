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
 * sessions in kask-ts with `$wgSessionCacheType = 'kask';`.
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
	}

	/**
	 * The `$wgObjectCaches` entry that the settings describe.
	 *
	 * @param array $settings Globals holding the wgKaskStore* settings (missing ones take defaults)
	 * @return array Parameters for ObjectCache::newFromParams()
	 */
	public static function cacheParams( array $settings ): array {
		$params = [
			'class' => KaskBagOStuff::class,
			'url' => $settings['wgKaskStoreUrl'] ?? self::DEFAULT_URL,
			'serialization_type' =>
				$settings['wgKaskStoreSerializationType'] ?? ValueEnvelope::TYPE_PHP,
			'hmac_key' => $settings['wgKaskStoreHmacKey'] ?? '',
			'connTimeout' =>
				$settings['wgKaskStoreConnTimeout'] ?? KaskBagOStuff::DEFAULT_CONN_TIMEOUT,
			'reqTimeout' =>
				$settings['wgKaskStoreReqTimeout'] ?? KaskBagOStuff::DEFAULT_REQ_TIMEOUT,
			'extendedApi' => (bool)( $settings['wgKaskStoreExtendedApi'] ?? false ),
		];
		if ( ( $settings['wgKaskStoreCaBundlePath'] ?? null ) !== null ) {
			$params['caBundlePath'] = $settings['wgKaskStoreCaBundlePath'];
		}
		return $params;
	}
}
