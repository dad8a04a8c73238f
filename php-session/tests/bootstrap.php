<?php
/**
 * PHPUnit bootstrap: the package's classes and those of its tests, without Composer.
 *
 * @license Apache-2.0
 * @file
 */

require_once dirname( __DIR__ ) . '/autoload.php';

spl_autoload_register( static function ( string $class ): void {
	$prefix = 'KaskTs\\PhpSession\\Tests\\';
	if ( str_starts_with( $class, $prefix ) ) {
		require __DIR__ . '/' . str_replace( '\\', '/', substr( $class, strlen( $prefix ) ) ) . '.php';
	}
} );
