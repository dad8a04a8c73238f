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
 * One difference on read, for safety: an unsigned `PHP` payload (no HMAC key configured) is
 * data only. Whoever can write to the store chooses its bytes, and unserialize() of an object
 * runs that class's magic methods (PHP object injection), so such a payload is unserialized
 * only when it holds nothing but null, booleans, numbers, strings and arrays, and then with
 * `allowed_classes => false`; one holding an object or an enum case (which `allowed_classes`
 * does not stop: PHP autoloads the enum's class) reads as a miss, reported as
 * PROBLEM_UNSIGNED_OBJECTS. MediaWiki's sessions hold no objects. A signed payload is
 * unserialize()d as RESTBagOStuff does: only a holder of the key could have written it.
 *
 * Example: with HMAC key `12345`, the JSON envelope of the string "somedata" is
 * `JSON.Us1wli82zEJ6DNQnCG//w+MShOFrdx9wCdfTUhPPA2w=."somedata"`.
 */
class ValueEnvelope {
	/** Serialization type: json_encode() / json_decode( ..., true ) */
	public const TYPE_JSON = 'JSON';
	/** Serialization type: serialize() / unserialize() */
	public const TYPE_PHP = 'PHP';

	/** Why a body read as a miss: not an envelope of this serialization type */
	public const PROBLEM_MALFORMED = 'malformed';
	/** Why a body read as a miss: its HMAC does not match (another key, or tampered with) */
	public const PROBLEM_SIGNATURE = 'signature';
	/** Why a body read as a miss: an unsigned PHP payload holding an object or an enum case */
	public const PROBLEM_UNSIGNED_OBJECTS = 'unsigned-objects';

	/**
	 * One token of a payload that holds data only, as serialize() writes it: null, a boolean,
	 * an integer, a float, a reference (`R:`, `r:`), the start of a string up to its bytes, the
	 * start of an array or its end. Objects (`O:`, `C:`), enum cases (`E:`) and escaped strings
	 * (`S:`) do not match.
	 */
	private const DATA_TOKEN = '/\G(?:N;|b:[01];|i:-?\d+;' .
		'|d:(?:-?INF|NAN|-?\d+(?:\.\d+)?(?:E[+-]?\d+)?);' .
		'|[rR]:\d+;|s:(\d+):"|a:\d+:\{|\})/';

	/** The start of an object (`O:`, `C:`) or an enum case (`E:`) */
	private const OBJECT_TOKEN = '/\G[OCE]:\d+:"/';

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
		return $this->open( $body )[0];
	}

	/**
	 * Unwrap a stored body, saying why it reads as a miss.
	 *
	 * @param string $body The bytes read from the store
	 * @return array [ value or false, null or one of the PROBLEM_* constants ]
	 */
	public function open( string $body ): array {
		$pieces = explode( '.', $body, 3 );
		if ( count( $pieces ) !== 3 || $pieces[0] !== $this->serializationType ) {
			return [ false, self::PROBLEM_MALFORMED ];
		}
		[ , $hmac, $payload ] = $pieces;
		// NOTE: compared after base64_decode(), as RESTBagOStuff does, so that whatever
		// decoding leniency it has is kept.
		if (
			$this->hmacKey !== '' &&
			!hash_equals( $this->hmac( $payload ), base64_decode( $hmac ) )
		) {
			return [ false, self::PROBLEM_SIGNATURE ];
		}

		if ( $this->serializationType === self::TYPE_JSON ) {
			$value = json_decode( $payload, true );
			return json_last_error() === JSON_ERROR_NONE
				? [ $value, null ]
				: [ false, self::PROBLEM_MALFORMED ];
		}

		if ( $this->hmacKey !== '' ) {
			// Signed: as RESTBagOStuff. A corrupt payload is a miss, not a PHP notice.
			$value = AtEase::quietCall( 'unserialize', $payload );
		} else {
			// NOTE: checked before unserialize(), since `allowed_classes` does not keep an
			// enum case from autoloading its class
			$offset = self::firstNonDataToken( $payload );
			if ( $offset !== null ) {
				return [ false, preg_match( self::OBJECT_TOKEN, $payload, $match, 0, $offset )
					? self::PROBLEM_UNSIGNED_OBJECTS
					: self::PROBLEM_MALFORMED ];
			}
			$value = AtEase::quietCall( 'unserialize', $payload, [ 'allowed_classes' => false ] );
		}
		return [ $value, ( $value === false && $payload !== 'b:0;' ) ? self::PROBLEM_MALFORMED : null ];
	}

	/**
	 * Where the first token of a serialize()d payload that is not data is: an object, an enum
	 * case, an escaped string or anything unserialize() would not read. Linear in the payload's
	 * length; a string's bytes are skipped by its declared length, as unserialize() reads
	 * them, so they are never taken for tokens. Counts and nesting are left to unserialize(),
	 * which fails on a payload whose tokens are not where this found them.
	 *
	 * @param string $payload
	 * @return int|null Its offset; null when the payload holds data only
	 */
	private static function firstNonDataToken( string $payload ): ?int {
		$length = strlen( $payload );
		$offset = 0;
		while ( $offset < $length ) {
			if ( !preg_match( self::DATA_TOKEN, $payload, $match, 0, $offset ) ) {
				return $offset;
			}
			$end = $offset + strlen( $match[0] );
			if ( isset( $match[1] ) ) {
				// A string: its bytes, then `";`
				$bytes = (int)$match[1];
				if ( $bytes > $length - $end || substr( $payload, $end + $bytes, 2 ) !== '";' ) {
					return $offset;
				}
				$end += $bytes + 2;
			}
			$offset = $end;
		}
		return null;
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
