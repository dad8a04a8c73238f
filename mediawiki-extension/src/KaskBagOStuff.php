<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use InvalidArgumentException;
use MediumSpecificBagOStuff;
use MultiHttpClient;

/**
 * Session store client for kask-ts and Wikimedia's Kask: key-value storage behind HTTP.
 *
 * ### Important caveats
 *
 * - The expiry parameter is ignored, as in RESTBagOStuff: the server applies its own
 *   `default_ttl` to every write. Configure `$wgObjectCacheSessionExpiry` equal to it, and
 *   use this class only for keys that share that TTL (sessions), never as a general cache.
 * - Only get, set and delete (and their *Multi forms) are native. `add()`, `incr()`,
 *   `decr()`, `lock()`, `changeTTL()`, `merge()` and `cas()` are emulated with a read followed
 *   by a write, exactly as RESTBagOStuff does them, and are NOT atomic.
 * - Keys are sent as one `rawurlencode()`d path segment. A server that follows Kask's
 *   contract answers 404 for a key containing `/` and 400 for a key longer than its
 *   `max_key_bytes` (kask-ts: 1024 bytes); such keys cannot be stored.
 * - The server limits values (kask-ts: 1 MiB of envelope, answered with 413). A write that
 *   is refused returns false and is logged; nothing is split or compressed.
 * - Keys and values are credentials. This class never logs them, and does not give its logger
 *   to the HTTP client it creates (MultiHttpClient logs request URLs, which contain keys).
 *   MediumSpecificBagOStuff itself still names keys in some lock and CAS warnings.
 *
 * ### Compatibility with RESTBagOStuff
 *
 * Values are stored in RESTBagOStuff's envelope (see ValueEnvelope) with the same
 * `serialization_type` and `hmac_key` options and the same key format, so a wiki configured
 * like Wikimedia's (`writeMethod` POST, `content-type: application/octet-stream`) can replace
 * RESTBagOStuff with this class, or go back, without logging anyone out. Beyond it, this class:
 * - always writes with POST and `Content-Type: application/octet-stream`;
 * - parses RFC 7807 error bodies and logs their `type`, `title`, `detail` and `instance`
 *   (with the key redacted), which RESTBagOStuff never manages;
 * - sends getMulti(), setMulti() and deleteMulti() as one concurrent batch of requests;
 * - counts a 410 on read as a miss and a 503 (storage unavailable) as ERR_UNREACHABLE.
 *
 * ### Backend requirements
 *
 * For a base URL `http://host:8081/sessions/v1/`:
 * - `GET /sessions/v1/{key}`: 200 with the stored bytes; 404 when absent.
 * - `POST /sessions/v1/{key}` with the bytes: 200, 201 or 204.
 * - `DELETE /sessions/v1/{key}`: 200, 204, 205, 404 or 410.
 *
 * ### Example configuration
 *
 * With the extension (see README.md):
 * @code
 * wfLoadExtension( 'KaskStore' );
 * $wgKaskStoreUrl = 'http://127.0.0.1:8081/sessions/v1/';
 * $wgSessionCacheType = 'kask';
 * @endcode
 *
 * Or directly, like Wikimedia's production sessions:
 * @code
 * $wgObjectCaches['kask'] = [
 *	'class' => \MediaWiki\Extension\KaskStore\KaskBagOStuff::class,
 *	'url' => 'https://sessionstore.example:8081/sessions/v1/',
 *	'serialization_type' => 'PHP',
 *	'hmac_key' => 'a long random secret',
 * ];
 * $wgSessionCacheType = 'kask';
 * @endcode
 */
class KaskBagOStuff extends MediumSpecificBagOStuff {
	/**
	 * Default connection timeout in seconds, as RESTBagOStuff's: the kernel retransmits
	 * a SYN after 1 second, so 1.2 seconds allows one retransmission.
	 */
	public const DEFAULT_CONN_TIMEOUT = 1.2;

	/** Default request timeout in seconds, as RESTBagOStuff's */
	public const DEFAULT_REQ_TIMEOUT = 3.0;

	/** Statuses that mean a write succeeded (as RESTBagOStuff) */
	private const WRITE_OK_STATUSES = [ 200, 201, 204 ];

	/** Statuses that mean the key no longer exists after a DELETE (as RESTBagOStuff) */
	private const DELETE_OK_STATUSES = [ 200, 204, 205, 404, 410 ];

	/** Statuses that mean the key is absent on GET */
	private const MISS_STATUSES = [ 404, 410 ];

	/** @var MultiHttpClient */
	private $client;

	/** @var string Base URL, ending with '/' */
	private $url;

	/** @var ValueEnvelope */
	private $envelope;

	/**
	 * @param array $params Options of MediumSpecificBagOStuff, plus:
	 *   - url: Base URL of the session route, e.g. `http://127.0.0.1:8081/sessions/v1/` (required)
	 *   - serialization_type: `PHP` (default) or `JSON`, as RESTBagOStuff
	 *   - hmac_key: Key to sign values with HMAC-SHA256; '' (default) for unsigned values
	 *   - connTimeout: Connection timeout in seconds (default 1.2)
	 *   - reqTimeout: Request timeout in seconds (default 3.0)
	 *   - caBundlePath: CA bundle for an https URL
	 *   - proxy: HTTP proxy
	 *   - client: A MultiHttpClient to use instead of creating one (the options above that
	 *     configure the client are then ignored)
	 *   RESTBagOStuff's `httpParams` and `extendedErrorBodyFields` are accepted and ignored:
	 *   the write method, headers and logged error fields are fixed.
	 * @throws InvalidArgumentException Without a URL, or for an unknown serialization type
	 */
	public function __construct( array $params ) {
		$params['segmentationSize'] = $params['segmentationSize'] ?? INF;
		if ( empty( $params['url'] ) || !is_string( $params['url'] ) ) {
			throw new InvalidArgumentException( 'The url parameter is required' );
		}
		parent::__construct( $params );

		$this->url = rtrim( $params['url'], '/' ) . '/';
		$this->envelope = new ValueEnvelope(
			$params['serialization_type'] ?? ValueEnvelope::TYPE_PHP,
			(string)( $params['hmac_key'] ?? '' )
		);
		$this->client = $params['client'] ?? $this->newClient( $params );
		$this->attrMap[self::ATTR_DURABILITY] = self::QOS_DURABILITY_DISK;
	}

	/**
	 * @param array $params Constructor parameters
	 * @return MultiHttpClient
	 */
	private function newClient( array $params ): MultiHttpClient {
		$clientParams = [
			'connTimeout' => $params['connTimeout'] ?? self::DEFAULT_CONN_TIMEOUT,
			'reqTimeout' => $params['reqTimeout'] ?? self::DEFAULT_REQ_TIMEOUT,
		];
		foreach ( [ 'caBundlePath', 'proxy' ] as $option ) {
			if ( isset( $params[$option] ) ) {
				$clientParams[$option] = $params[$option];
			}
		}
		return new MultiHttpClient( $clientParams );
	}

	/** @inheritDoc */
	protected function doGet( $key, $flags = 0, &$casToken = null ) {
		$getToken = ( $casToken === self::PASS_BY_REF );
		$casToken = null;

		[ $value, $body ] = $this->fetch( [ $key ] )[$key];
		// NOTE: as in RESTBagOStuff, the stored bytes are the CAS token (compared under lock()).
		if ( $getToken && $value !== false ) {
			$casToken = $body;
		}
		return $value;
	}

	/** @inheritDoc */
	protected function doGetMulti( array $keys, $flags = 0 ) {
		$values = [];
		foreach ( $this->fetch( $keys ) as $key => [ $value ] ) {
			if ( $value !== false ) {
				$values[$key] = $value;
			}
		}
		return $values;
	}

	/** @inheritDoc */
	protected function doSet( $key, $value, $exptime = 0, $flags = 0 ) {
		return $this->store( [ $key => $value ] );
	}

	/** @inheritDoc */
	protected function doSetMulti( array $data, $exptime = 0, $flags = 0 ) {
		return $this->store( $data );
	}

	/** @inheritDoc */
	protected function doDelete( $key, $flags = 0 ) {
		return $this->remove( [ $key ] );
	}

	/** @inheritDoc */
	protected function doDeleteMulti( array $keys, $flags = 0 ) {
		return $this->remove( $keys );
	}

	/** @inheritDoc */
	protected function doAdd( $key, $value, $exptime = 0, $flags = 0 ) {
		// NOTE: not atomic (a read, then a write), as in RESTBagOStuff
		if ( $this->get( $key ) === false ) {
			return $this->set( $key, $value, $exptime, $flags );
		}
		return false;
	}

	/** @inheritDoc */
	protected function doIncrWithInit( $key, $exptime, $step, $init, $flags ) {
		// NOTE: not atomic (a read, then a write), as in RESTBagOStuff
		$current = $this->doGet( $key, self::READ_LATEST );
		if ( $current === false ) {
			return $this->doSet( $key, $init, $exptime, $flags ) ? $init : false;
		}
		if ( !$this->isInteger( $current ) ) {
			return false;
		}
		$sum = max( (int)$current + $step, 0 );
		return $this->doSet( $key, $sum, $exptime, $flags ) ? $sum : false;
	}

	/**
	 * Increase the value of an existing integer key; not atomic.
	 *
	 * @param string $key
	 * @param int $value Amount to add
	 * @param int $flags Bitfield of BagOStuff::WRITE_* constants
	 * @return int|bool New value, or false when the key is absent or not an integer
	 */
	public function incr( $key, $value = 1, $flags = 0 ) {
		return $this->incrExisting( $key, (int)$value, $flags );
	}

	/**
	 * Decrease the value of an existing integer key, down to 0 at least; not atomic.
	 *
	 * @param string $key
	 * @param int $value Amount to subtract
	 * @param int $flags Bitfield of BagOStuff::WRITE_* constants
	 * @return int|bool New value, or false when the key is absent or not an integer
	 */
	public function decr( $key, $value = 1, $flags = 0 ) {
		return $this->incrExisting( $key, -(int)$value, $flags );
	}

	/**
	 * @param string $key
	 * @param int $step
	 * @param int $flags
	 * @return int|bool
	 */
	private function incrExisting( string $key, int $step, int $flags ) {
		$current = $this->get( $key, self::READ_LATEST );
		if ( !$this->isInteger( $current ) ) {
			return false;
		}
		$sum = max( (int)$current + $step, 0 );
		return $this->set( $key, $sum, 0, $flags ) ? $sum : false;
	}

	/** @inheritDoc */
	public function makeKeyInternal( $keyspace, $components ) {
		// The same keys as RESTBagOStuff, so either class finds what the other wrote
		return $this->genericKeyFromComponents( $keyspace, ...$components );
	}

	/** @inheritDoc */
	protected function convertGenericKey( $key ) {
		return $key;
	}

	/**
	 * GET the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @return array[] Map of (key => [ value or false, stored bytes or null ]), in the order
	 *  of $keys
	 */
	private function fetch( array $keys ): array {
		$keys = array_values( array_unique( array_map( 'strval', $keys ) ) );
		$requests = [];
		foreach ( $keys as $key ) {
			$requests[] = $this->newRequest( 'GET', $key );
		}

		$results = [];
		$stats = [];
		foreach ( $this->execute( $requests ) as $i => $response ) {
			$key = $keys[$i];
			[ $code, , $headers, $body ] = $this->unpack( $response );
			$value = false;
			$stored = null;
			if ( $code === 200 && is_string( $body ) ) {
				$value = $this->envelope->decode( $body );
				$stored = $body;
			} elseif (
				$code === 0 ||
				( $code >= 400 && !in_array( $code, self::MISS_STATUSES, true ) )
			) {
				$this->handleError( 'get', $key, $response );
			}
			$results[$key] = [ $value, $stored ];
			$stats[$key] = [ 0, $stored === null ? false : strlen( $stored ) ];
		}
		$this->updateOpStats( self::METRIC_OP_GET, $stats );

		return $results;
	}

	/**
	 * POST the values, concurrently when there are several.
	 *
	 * @param array $valueByKey Map of (key => value)
	 * @return bool Whether every value was stored
	 */
	private function store( array $valueByKey ): bool {
		$ok = true;
		$keys = [];
		$requests = [];
		foreach ( $valueByKey as $key => $value ) {
			$key = (string)$key;
			try {
				$body = $this->envelope->encode( $value );
			} catch ( InvalidArgumentException $e ) {
				// RESTBagOStuff throws here; a cache write that cannot happen is a failed write.
				$this->logger->error(
					'KaskBagOStuff: set failed: the value cannot be serialized ({error})',
					[ 'operation' => 'set', 'error' => $e->getMessage() ]
				);
				$this->setLastError( self::ERR_UNEXPECTED );
				$ok = false;
				continue;
			}
			$keys[] = $key;
			$requests[] = $this->newRequest( 'POST', $key, $body );
		}

		$stats = [];
		foreach ( $this->execute( $requests ) as $i => $response ) {
			$key = $keys[$i];
			if ( !in_array( $this->unpack( $response )[0], self::WRITE_OK_STATUSES, true ) ) {
				$this->handleError( 'set', $key, $response );
				$ok = false;
			}
			$stats[$key] = [ strlen( $requests[$i]['body'] ), 0 ];
		}
		$this->updateOpStats( self::METRIC_OP_SET, $stats );

		return $ok;
	}

	/**
	 * DELETE the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @return bool Whether every key is now absent
	 */
	private function remove( array $keys ): bool {
		$keys = array_values( array_unique( array_map( 'strval', $keys ) ) );
		$requests = [];
		foreach ( $keys as $key ) {
			$requests[] = $this->newRequest( 'DELETE', $key );
		}

		$ok = true;
		foreach ( $this->execute( $requests ) as $i => $response ) {
			if ( !in_array( $this->unpack( $response )[0], self::DELETE_OK_STATUSES, true ) ) {
				$this->handleError( 'delete', $keys[$i], $response );
				$ok = false;
			}
		}
		$this->updateOpStats( self::METRIC_OP_DELETE, $keys );

		return $ok;
	}

	/**
	 * @param string $method GET, POST or DELETE
	 * @param string $key
	 * @param string|null $body Request body, for POST
	 * @return array A MultiHttpClient request
	 */
	private function newRequest( string $method, string $key, ?string $body = null ): array {
		$request = [
			'method' => $method,
			'url' => $this->url . rawurlencode( $key ),
			'headers' => [],
		];
		if ( $body !== null ) {
			$request['body'] = $body;
			$request['headers']['content-type'] = 'application/octet-stream';
		}
		return $request;
	}

	/**
	 * Send the requests as one concurrent batch.
	 *
	 * @param array[] $requests List of MultiHttpClient requests
	 * @return array[] List of MultiHttpClient responses, in the order of $requests
	 */
	private function execute( array $requests ): array {
		if ( !$requests ) {
			return [];
		}
		$responses = [];
		foreach ( $this->client->runMulti( $requests ) as $i => $request ) {
			$responses[$i] = $request['response'];
		}
		ksort( $responses );
		return $responses;
	}

	/**
	 * @param array $response A MultiHttpClient response
	 * @return array [ int code, string reason, array headers, mixed body, string error ]
	 */
	private function unpack( array $response ): array {
		return [
			(int)( $response['code'] ?? 0 ),
			(string)( $response['reason'] ?? '' ),
			(array)( $response['headers'] ?? [] ),
			$response['body'] ?? '',
			(string)( $response['error'] ?? '' ),
		];
	}

	/**
	 * Log a failed request and record the error; never logs the key or the value.
	 *
	 * @param string $operation get, set or delete
	 * @param string $key The request's key, only to redact it from the server's problem body
	 * @param array $response A MultiHttpClient response
	 */
	private function handleError( string $operation, string $key, array $response ): void {
		[ $code, $reason, $headers, $body, $error ] = $this->unpack( $response );
		if ( $error === '' ) {
			$error = $code === 0 ? 'no response' : $reason;
		}
		if ( $error === '' ) {
			$error = 'unexpected status';
		}
		$message = 'KaskBagOStuff: {operation} failed: ({code}) {error}';
		$context = [ 'operation' => $operation, 'code' => $code, 'error' => $error ];

		$problem = ProblemDetails::fromResponse( $headers, $body );
		if ( $problem ) {
			$context += $problem->toLogContext( $key );
			foreach ( ProblemDetails::FIELDS as $field ) {
				if ( isset( $context["problem_$field"] ) ) {
					$message .= " : ($field) {problem_$field}";
				}
			}
		}
		if ( isset( $headers['retry-after'] ) ) {
			$context['retry_after'] = $headers['retry-after'];
		}

		$this->logger->error( $message, $context );
		// 503 is kask-ts's "storage unavailable": as unreachable as a refused connection
		$this->setLastError(
			( $code === 0 || $code === 503 ) ? self::ERR_UNREACHABLE : self::ERR_UNEXPECTED
		);
	}
}
