<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

/**
 * Session data as PHP's session module encodes it (`session.serialize_handler` `php`, the default,
 * or `php_serialize`), taken apart into its top-level variables to merge two requests' changes.
 */
final class SessionData {
	/**
	 * Applies to $theirs (the data in the store now) the top-level variables this request set,
	 * changed or removed since it read $base.
	 *
	 * @param string $base The data this request read ('' for none)
	 * @param string $mine The data this request writes
	 * @param string $theirs The data another request wrote since
	 * @param string $handler `session.serialize_handler`
	 * @return string|null The merged data, or null when any of the three cannot be taken apart
	 *   exactly (another serialize_handler, or a value that does not encode back to its bytes)
	 */
	public static function merge( string $base, string $mine, string $theirs, string $handler ): ?string {
		$base = self::decode( $base, $handler );
		$mine = self::decode( $mine, $handler );
		$merged = self::decode( $theirs, $handler );
		if ( $base === null || $mine === null || $merged === null ) {
			return null;
		}
		foreach ( $mine as $name => $value ) {
			if ( !array_key_exists( $name, $base ) || serialize( $base[$name] ) !== serialize( $value ) ) {
				$merged[$name] = $value;
			}
		}
		foreach ( array_diff_key( $base, $mine ) as $name => $value ) {
			unset( $merged[$name] );
		}
		return self::encode( $merged, $handler );
	}

	/**
	 * @param string $data
	 * @param string $handler
	 * @return array<string,mixed>|null Null unless the data encodes back to exactly its bytes
	 */
	public static function decode( string $data, string $handler ): ?array {
		if ( $data === '' ) {
			return [];
		}
		if ( $handler === 'php_serialize' ) {
			$vars = @unserialize( $data );
		} elseif ( $handler === 'php' ) {
			$vars = self::decodePhp( $data );
		} else {
			return null;
		}
		return is_array( $vars ) && self::encode( $vars, $handler ) === $data ? $vars : null;
	}

	/**
	 * @param array<string,mixed> $vars
	 * @param string $handler `php` or `php_serialize`
	 * @return string
	 */
	public static function encode( array $vars, string $handler ): string {
		if ( $handler === 'php_serialize' ) {
			// NOTE: `a:0:{}` for none, as PHP's session_encode()
			return serialize( $vars );
		}
		$data = '';
		foreach ( $vars as $name => $value ) {
			$data .= $name . '|' . serialize( $value );
		}
		return $data;
	}

	/**
	 * The `php` format: `name|serialized value`, one after the other. Each value's length is that
	 * of its encoding again: decode() checks the whole.
	 *
	 * @param string $data
	 * @return array<string,mixed>|null
	 */
	private static function decodePhp( string $data ): ?array {
		$vars = [];
		for ( $at = 0; $at < strlen( $data ); $at += strlen( serialize( $value ) ) ) {
			$bar = strpos( $data, '|', $at );
			if ( $bar === false ) {
				return null;
			}
			$name = substr( $data, $at, $bar - $at );
			$at = $bar + 1;
			// NOTE: PHP 8.3 warns of the bytes after the value (the next variables); they are expected.
			$value = @unserialize( substr( $data, $at ) );
			if ( $value === false && substr_compare( $data, 'b:0;', $at, 4 ) !== 0 ) {
				return null;
			}
			$vars[$name] = $value;
		}
		return $vars;
	}
}
