<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use InvalidArgumentException;
use Wikimedia\AtEase\AtEase;

/**
 * RESTBagOStuff's value envelope: `<TYPE>.<base64 HMAC-SHA256 of payload, or empty>.<payload>`.
 *
 * This is byte for byte the format written and read by MediaWiki's stock RESTBagOStuff
 * (1.35 to 1.39 at least), so a wiki can switch between that class and KaskBagOStuff
 * without losing the values already stored:
 *
 * - TYPE is `JSON` (payload from json_encode() with default flags, read back with
 *   json_decode( ..., true ), so objects come back as arrays) or `PHP` (serialize()).
 * - The HMAC is computed over the payload only, with the configured key; an empty key
 *   means the middle field is empty and is not checked on read.
 * - On read, a body that does not split into three fields, carries another TYPE, fails the
 *   HMAC check or does not decode reads as a miss (false), never as an error.
 *
 * Example: with HMAC key `12345`, the JSON envelope of the string "somedata" is
 * `JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"`.
 */
class ValueEnvelope {
	/** Serialization type: json_encode() / json_decode( ..., true ) */
	public const TYPE_JSON = 'JSON';
	/** Serialization type: serialize() / unserialize() */
	public const TYPE_PHP = 'PHP';

	/** @var string One of the TYPE_* constants */
	private $serializationType;
	/** @var string HMAC-SHA256 key; '' disables signing and checking */
	private $hmacKey;

	/**
	 * @param string $serializationType ValueEnvelope::TYPE_PHP or ValueEnvelope::TYPE_JSON
	 * @param string $hmacKey Key for the HMAC-SHA256 signature; '' for unsigned values
	 * @throws InvalidArgumentException For an unknown serialization type
	 */
	public function __construct(
		string $serializationType = self::TYPE_PHP,
		string $hmacKey = ''
	) {
		if ( $serializationType !== self::TYPE_JSON && $serializationType !== self::TYPE_PHP ) {
			throw new InvalidArgumentException(
				"Unknown serialization type '$serializationType' (expected JSON or PHP)"
			);
		}
		$this->serializationType = $serializationType;
		$this->hmacKey = $hmacKey;
	}

	/**
	 * Wrap a PHP value in the envelope.
	 *
	 * @param mixed $value Any value serialize() accepts; for JSON, any value json_encode() accepts
	 * @return string The bytes to store
	 * @throws InvalidArgumentException When JSON serialization fails (e.g. a non-UTF-8 string)
	 */
	public function encode( $value ): string {
		if ( $this->serializationType === self::TYPE_JSON ) {
			$payload = json_encode( $value );
			if ( $payload === false ) {
				throw new InvalidArgumentException(
					'Value cannot be serialized as JSON: ' . json_last_error_msg()
				);
			}
		} else {
			$payload = serialize( $value );
		}

		return $this->serializationType . '.' . $this->sign( $payload ) . '.' . $payload;
	}

	/**
	 * Unwrap a stored body.
	 *
	 * @param string $body The bytes read from the store
	 * @return mixed The value, or false when the body is not a valid envelope for this
	 *  serialization type and key (like RESTBagOStuff, a stored `false` also reads as false)
	 */
	public function decode( string $body ) {
		$pieces = explode( '.', $body, 3 );
		if ( count( $pieces ) !== 3 || $pieces[0] !== $this->serializationType ) {
			return false;
		}
		[ , $hmac, $payload ] = $pieces;
		// NOTE: compared after base64_decode(), as RESTBagOStuff does, so that whatever
		// decoding leniency it has is kept.
		if (
			$this->hmacKey !== '' &&
			!hash_equals( $this->hmac( $payload ), base64_decode( $hmac ) )
		) {
			return false;
		}

		if ( $this->serializationType === self::TYPE_JSON ) {
			$value = json_decode( $payload, true );
			return json_last_error() === JSON_ERROR_NONE ? $value : false;
		}

		// A corrupt payload is a miss, not a PHP notice.
		return AtEase::quietCall( 'unserialize', $payload );
	}

	/**
	 * @param string $payload
	 * @return string base64 of the HMAC-SHA256 of $payload, or '' without a key
	 */
	private function sign( string $payload ): string {
		return $this->hmacKey === '' ? '' : base64_encode( $this->hmac( $payload ) );
	}

	/**
	 * @param string $payload
	 * @return string The raw (binary) HMAC-SHA256 of $payload
	 */
	private function hmac( string $payload ): string {
		return hash_hmac( 'sha256', $payload, $this->hmacKey, true );
	}
}
