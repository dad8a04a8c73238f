<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

/**
 * One client of a web server: it keeps the session cookie PHP sets, and sends requests one at a
 * time or all at once (curl_multi), each with that cookie.
 */
final class Browser {
	public ?string $sessionId = null;

	public function __construct( private string $url ) {
	}

	/**
	 * @param string $query
	 * @return array{status:int,body:string,setCookie:bool}
	 */
	public function get( string $query ): array {
		return $this->parallel( [ $query ] )[0];
	}

	/**
	 * Sends every request at once and waits for all of their answers (at most 60 s).
	 *
	 * @param string[] $queries
	 * @return array<int,array{status:int,body:string,setCookie:bool}> In the order of $queries
	 */
	public function parallel( array $queries ): array {
		$multi = curl_multi_init();
		$handles = [];
		$cookies = [];
		foreach ( $queries as $i => $query ) {
			$handle = curl_init( "$this->url?$query" );
			curl_setopt_array( $handle, [
				CURLOPT_RETURNTRANSFER => true,
				CURLOPT_TIMEOUT => 60,
				CURLOPT_COOKIE => $this->sessionId === null ? '' : "PHPSESSID=$this->sessionId",
				CURLOPT_HEADERFUNCTION => static function ( $handle, string $line ) use ( &$cookies, $i ): int {
					if ( preg_match( '/^Set-Cookie: PHPSESSID=([^;]*)/i', $line, $m ) ) {
						$cookies[$i] = $m[1];
					}
					return strlen( $line );
				},
			] );
			curl_multi_add_handle( $multi, $handle );
			$handles[$i] = $handle;
		}
		do {
			curl_multi_exec( $multi, $running );
			curl_multi_select( $multi, 0.05 );
		} while ( $running > 0 );
		$answers = [];
		foreach ( $handles as $i => $handle ) {
			$answers[$i] = [
				'status' => curl_getinfo( $handle, CURLINFO_RESPONSE_CODE ),
				'body' => (string)curl_multi_getcontent( $handle ),
				'setCookie' => isset( $cookies[$i] ),
			];
			curl_multi_remove_handle( $multi, $handle );
		}
		curl_multi_close( $multi );
		if ( $cookies ) {
			$this->sessionId = end( $cookies );
		}
		return $answers;
	}

	/** @return string[] The session's variables, as the application lists them */
	public function keys(): array {
		return json_decode( $this->get( 'keys' )['body'], true ) ?? [];
	}
}
