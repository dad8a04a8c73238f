<?php
/**
 * The package's classes without Composer: require this file (Composer users need not).
 *
 * @license Apache-2.0
 * @file
 */

spl_autoload_register( static function ( string $class ): void {
	$prefix = 'KaskTs\\PhpSession\\';
	if ( str_starts_with( $class, $prefix ) ) {
		$file = __DIR__ . '/src/' . str_replace( '\\', '/', substr( $class, strlen( $prefix ) ) ) . '.php';
		if ( is_file( $file ) ) {
			require $file;
		}
	}
} );
