<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

/**
 * The members of an RFC 7807 problem body (`application/problem+json`) that are safe to log.
 *
 * kask-ts answers errors with `application/problem+json`; Kask itself sends the same body
 * as `application/json`. Both are accepted, as is a JSON body without a Content-Type.
 * Only the string members `type`, `title`, `detail` and `instance` are kept, each cut to
 * a bounded length. `instance` is the request path, which holds the cache key: the key is
 * replaced by `[key]` before anything is logged, because session keys are credentials.
 */
class ProblemDetails {
	/** The members that are read, in the order Kask writes them */
	public const FIELDS = [ 'type', 'title', 'detail', 'instance' ];

	/** Longest member value kept, in bytes, so a misbehaving server cannot flood the logs */
	private const MAX_FIELD_BYTES = 500;

	/** Placeholder written instead of the key */
	private const KEY_PLACEHOLDER = '[key]';

	/** @var array<string,string> Map of (member => value) for the members present */
	private $fields;

	/**
	 * @param array<string,string> $fields Map of (member => value)
	 */
	private function __construct( array $fields ) {
		$this->fields = $fields;
	}

	/**
	 * Parse an error response body.
	 *
	 * @param array $headers Response headers with lower-case names, as MultiHttpClient gives them
	 * @param mixed $body Response body
	 * @return ProblemDetails|null Null when the body is not a JSON object with any of the members
	 */
	public static function fromResponse( array $headers, $body ): ?ProblemDetails {
		if ( !is_string( $body ) || $body === '' ) {
			return null;
		}
		$contentType = strtolower( trim( explode( ';', $headers['content-type'] ?? '' )[0] ) );
		$isJson = preg_match( '!^application/([a-z0-9.+-]*\+)?json$!', $contentType );
		if ( $contentType !== '' && !$isJson ) {
			return null;
		}
		$decoded = json_decode( $body, true );
		if ( !is_array( $decoded ) ) {
			return null;
		}

		$fields = [];
		foreach ( self::FIELDS as $field ) {
			if ( isset( $decoded[$field] ) && is_scalar( $decoded[$field] ) ) {
				$fields[$field] = (string)$decoded[$field];
			}
		}
		return $fields ? new self( $fields ) : null;
	}

	/**
	 * @param string $field One of ProblemDetails::FIELDS
	 * @return string|null The member's value as received, or null when absent
	 */
	public function get( string $field ): ?string {
		return $this->fields[$field] ?? null;
	}

	/**
	 * Members to add to a PSR-3 log context, as `problem_type`, `problem_title`, ...
	 *
	 * @param string $key The cache key of the request; every occurrence of it (as it is,
	 *  rawurlencode()d or urlencode()d) is replaced by `[key]`
	 * @return array<string,string>
	 */
	public function toLogContext( string $key ): array {
		$secrets = array_filter( array_unique( [
			$key, rawurlencode( $key ), urlencode( $key )
		] ) );
		// Longest first, so that an encoded form is never left half-replaced
		usort( $secrets, static function ( $a, $b ) {
			return strlen( $b ) <=> strlen( $a );
		} );

		$context = [];
		foreach ( $this->fields as $field => $value ) {
			$value = str_replace( $secrets, self::KEY_PLACEHOLDER, $value );
			if ( strlen( $value ) > self::MAX_FIELD_BYTES ) {
				$value = mb_strcut( $value, 0, self::MAX_FIELD_BYTES ) . '...';
			}
			$context["problem_$field"] = $value;
		}
		return $context;
	}
}
