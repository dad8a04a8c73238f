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
 * Against a plain Kask (the `extendedApi` option off, the default):
 * - The expiry parameter is ignored, as in RESTBagOStuff: the server applies its own
 *   `default_ttl` to every write. Configure `$wgObjectCacheSessionExpiry` equal to it, and
 *   use this class only for keys that share that TTL (sessions), never as a general cache.
 * - Only get, set and delete (and their *Multi forms) are native. `add()`, `incr()`,
 *   `decr()`, `lock()`, `changeTTL()`, `merge()` and `cas()` are emulated with a read followed
 *   by a write, exactly as RESTBagOStuff does them, and are NOT atomic.
 *
 * Against kask-ts with `extendedApi` on, they use the server's extensions instead:
 * - `add()` (and so `lock()`) is one atomic `PUT` (201 created, 409 taken), and `unlock()` one
 *   conditional `DELETE` (`If-Match: *`);
 * - the expiry of `set()`, `setMulti()`, `add()` and `lock()` is sent as
 *   `Cache-Control: max-age=N` (relative seconds; absolute timestamps are converted; an expiry
 *   in the past becomes 1 s, the shortest the server accepts). The server clamps N to its
 *   `max_ttl`. 0 (TTL_INDEFINITE) sends no header: the value gets the server's `default_ttl`;
 * - `changeTTL()` is one `PATCH` (`changeTTLMulti()` one batch of them); an expiry in the past
 *   deletes the value (PATCH, then DELETE), and 0 rewrites the value with `default_ttl` by
 *   compare-and-set;
 * - `merge()`, `incrWithInit()`, `incr()` and `decr()` read the value with its `ETag` and write
 *   with `If-Match`: atomic compare-and-set, retried when another writer got there first (412).
 *   The server cannot keep a value's remaining TTL across a write: an increment gives the
 *   counter the `$exptime` of `incrWithInit()`, or `default_ttl` for `incr()` and `decr()`.
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
 * With `extendedApi`, also kask-ts's extensions (see its openapi/openapi.yaml):
 * - `GET` answers a strong `ETag`; `POST` and `DELETE` honour `If-Match` (412 when it no
 *   longer matches); `POST` honours `Cache-Control: max-age=N`;
 * - `PUT /sessions/v1/{key}`: create only, 201 or 409; honours `Cache-Control: max-age=N`;
 * - `PATCH /sessions/v1/{key}` with `Cache-Control: max-age=N` and no body: 204, or 404.
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
 *
 * Against a kask-ts server, add `'extendedApi' => true` (or `$wgKaskStoreExtendedApi = true;`).
 */
class KaskBagOStuff extends MediumSpecificBagOStuff {
	/**
	 * Default connection timeout in seconds, as RESTBagOStuff's: the kernel retransmits
	 * a SYN after 1 second, so 1.2 seconds allows one retransmission.
	 */
	public const DEFAULT_CONN_TIMEOUT = 1.2;

	/** Default request timeout in seconds, as RESTBagOStuff's */
	public const DEFAULT_REQ_TIMEOUT = 3.0;

	/**
	 * How many times incrWithInit(), incr(), decr() and changeTTL( $key, 0 ) try their
	 * compare-and-set before giving up (merge() takes its own $attempts, default 10)
	 */
	public const CAS_ATTEMPTS = 50;

	/** Statuses that mean a write succeeded (as RESTBagOStuff) */
	private const WRITE_OK_STATUSES = [ 200, 201, 204 ];

	/** Statuses that mean the key no longer exists after a DELETE (as RESTBagOStuff) */
	private const DELETE_OK_STATUSES = [ 200, 204, 205, 404, 410 ];

	/** Statuses that mean the key is absent on GET */
	private const MISS_STATUSES = [ 404, 410 ];

	/** PUT: the key already has a value (a lost race of add(), a lock held by someone else) */
	private const STATUS_CONFLICT = 409;

	/** POST or DELETE with If-Match: the value changed (or went away) since it was read */
	private const STATUS_PRECONDITION_FAILED = 412;

	/**
	 * Seconds of remaining lock TTL below which unlock() leaves the lock to expire, as the base
	 * class (its maximum expected one-way delay of a request)
	 */
	private const LOCK_RELEASE_MARGIN = 0.050;

	/** PATCH: the key has no value */
	private const STATUS_NOT_FOUND = 404;

	/** Largest `max-age` the server parses (ten digits); it clamps to its `max_ttl` anyway */
	private const MAX_AGE_LIMIT = 9999999999;

	/** @var MultiHttpClient */
	private $client;

	/** @var string Base URL, ending with '/' */
	private $url;

	/** @var ValueEnvelope */
	private $envelope;

	/** @var bool Whether to use kask-ts's PUT, PATCH, Cache-Control and ETag/If-Match */
	private $extendedApi;

	/**
	 * @param array $params Options of MediumSpecificBagOStuff, plus:
	 *   - url: Base URL of the session route, e.g. `http://127.0.0.1:8081/sessions/v1/` (required)
	 *   - serialization_type: `PHP` (default) or `JSON`, as RESTBagOStuff
	 *   - hmac_key: Key to sign values with HMAC-SHA256; '' (default) for unsigned values
	 *   - extendedApi: true when the server is kask-ts: add(), lock(), changeTTL(), merge(),
	 *     incrWithInit(), incr() and decr() are then atomic and expiries are honoured, using
	 *     its extensions to Kask's API. false (default): only GET, POST and DELETE, as Kask.
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
		$this->extendedApi = (bool)( $params['extendedApi'] ?? false );
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

		[ $value, $body, $etag ] = $this->fetch( [ $key ] )[$key];
		if ( $getToken && $value !== false ) {
			if ( !$this->extendedApi ) {
				// NOTE: as in RESTBagOStuff, the stored bytes are the CAS token, compared under
				// lock() by the base class's doCas().
				$casToken = $body;
			} elseif ( $etag !== null ) {
				// doCas() sends it back in If-Match
				$casToken = $etag;
			} else {
				// Recorded as an error, so that merge() fails now rather than retries
				$this->handleMissingEtag();
			}
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
		return $this->store( [ $key => $value ], $exptime );
	}

	/** @inheritDoc */
	protected function doSetMulti( array $data, $exptime = 0, $flags = 0 ) {
		return $this->store( $data, $exptime );
	}

	/** @inheritDoc */
	protected function doDelete( $key, $flags = 0 ) {
		return $this->remove( [ $key ] );
	}

	/** @inheritDoc */
	protected function doDeleteMulti( array $keys, $flags = 0 ) {
		return $this->remove( $keys );
	}

	/**
	 * @inheritDoc
	 *
	 * lock() takes its locks with add(), so this also makes lock() one atomic PUT.
	 */
	protected function doAdd( $key, $value, $exptime = 0, $flags = 0 ) {
		if ( $this->extendedApi ) {
			$status = $this->writeValue(
				self::METRIC_OP_ADD, 'PUT', $key, $value, $this->expiryHeaders( $exptime ),
				[ self::STATUS_CONFLICT ]
			);
			return in_array( $status, self::WRITE_OK_STATUSES, true );
		}
		// NOTE: not atomic (a read, then a write), as in RESTBagOStuff
		if ( $this->get( $key ) === false ) {
			return $this->set( $key, $value, $exptime, $flags );
		}
		return false;
	}

	/**
	 * @inheritDoc
	 *
	 * With extendedApi, the lock is released with a conditional DELETE (`If-Match: *`). kask-ts
	 * on Cassandra takes locks with lightweight transactions, which a plain DELETE is not ordered
	 * with: a plain DELETE racing the next holder's PUT could make that holder's lock vanish.
	 */
	protected function doUnlock( $key ) {
		if ( !$this->extendedApi ) {
			return parent::doUnlock( $key );
		}
		// As the base class: a lock about to expire may be someone else's by the time a DELETE lands
		$curTTL = $this->locks[$key][self::LOCK_EXPIRY] - $this->getCurrentTime();
		if ( $curTTL <= self::LOCK_RELEASE_MARGIN ) {
			$this->logger->warning(
				'KaskBagOStuff: lock held too long ({curTTL} s left); not released',
				[ 'curTTL' => $curTTL ]
			);
			return false;
		}
		return $this->releaseLock( $this->makeLockKey( $key ) );
	}

	/**
	 * @inheritDoc
	 *
	 * With extendedApi, $casToken is the ETag that doGet() read: one POST with If-Match.
	 */
	protected function doCas( $casToken, $key, $value, $exptime = 0, $flags = 0 ) {
		if ( !$this->extendedApi ) {
			// Under lock(), comparing the stored bytes, as RESTBagOStuff
			return parent::doCas( $casToken, $key, $value, $exptime, $flags );
		}
		$status = $this->writeValue(
			self::METRIC_OP_CAS, 'POST', $key, $value,
			[ 'if-match' => (string)$casToken ] + $this->expiryHeaders( $exptime ),
			[ self::STATUS_PRECONDITION_FAILED ]
		);
		return in_array( $status, self::WRITE_OK_STATUSES, true );
	}

	/** @inheritDoc */
	protected function doChangeTTL( $key, $exptime, $flags ) {
		if ( !$this->extendedApi ) {
			// lock(), GET, POST (or DELETE), unlock(): not atomic against writers without lock()
			return parent::doChangeTTL( $key, $exptime, $flags );
		}
		if ( $exptime == self::TTL_INDEFINITE ) {
			return $this->rewriteWithDefaultTtl( $key );
		}
		if ( $this->getExpirationAsTimestamp( $exptime ) < $this->getCurrentTime() ) {
			// Expire now, as the base class does; the PATCH answers whether the key exists.
			return $this->touch( [ $key ], 1 )[$key] && $this->doDelete( $key, $flags );
		}
		return $this->touch( [ $key ], $this->maxAge( $exptime ) )[$key];
	}

	/** @inheritDoc */
	protected function doChangeTTLMulti( array $keys, $exptime, $flags = 0 ) {
		if (
			!$this->extendedApi ||
			$exptime == self::TTL_INDEFINITE ||
			$this->getExpirationAsTimestamp( $exptime ) < $this->getCurrentTime()
		) {
			return parent::doChangeTTLMulti( $keys, $exptime, $flags );
		}
		// One concurrent batch of PATCHes
		return !in_array( false, $this->touch( $keys, $this->maxAge( $exptime ) ), true );
	}

	/** @inheritDoc */
	protected function doIncrWithInit( $key, $exptime, $step, $init, $flags ) {
		if ( $this->extendedApi ) {
			return $this->incrByCas( $key, (int)$step, $init, $exptime );
		}
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
	 * Increase the value of an existing integer key. Not atomic unless extendedApi is on; the
	 * value gets the server's default_ttl either way.
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
	 * Decrease the value of an existing integer key, down to 0 at least. Not atomic unless
	 * extendedApi is on; the value gets the server's default_ttl either way.
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
		if ( $this->extendedApi ) {
			return $this->incrByCas( $key, $step, null, self::TTL_INDEFINITE );
		}
		$current = $this->get( $key, self::READ_LATEST );
		if ( !$this->isInteger( $current ) ) {
			return false;
		}
		$sum = max( (int)$current + $step, 0 );
		return $this->set( $key, $sum, 0, $flags ) ? $sum : false;
	}

	/**
	 * Add $step to an integer atomically: GET with its ETag, then POST with If-Match (or PUT
	 * $init when there is no value), again when another writer got there first.
	 *
	 * @param string $key
	 * @param int $step
	 * @param int|null $init Value to create the key with when absent; null: fail when absent
	 * @param int $exptime Expiry of the written value
	 * @return int|bool New value, or false
	 */
	private function incrByCas( string $key, int $step, ?int $init, $exptime ) {
		$operation = $step < 0 ? self::METRIC_OP_DECR : self::METRIC_OP_INCR;
		for ( $attempt = 1; $attempt <= self::CAS_ATTEMPTS; $attempt++ ) {
			$watchPoint = $this->watchErrors();
			[ $current, $stored, $etag ] = $this->fetch( [ $key ] )[$key];
			if ( $this->getLastError( $watchPoint ) ) {
				return false;
			}
			if ( $stored === null ) {
				if ( $init === null ) {
					return false;
				}
				$status = $this->writeValue(
					$operation, 'PUT', $key, $init, $this->expiryHeaders( $exptime ),
					[ self::STATUS_CONFLICT ]
				);
				$result = $init;
			} elseif ( $etag === null ) {
				$this->handleMissingEtag();
				return false;
			} elseif ( !$this->isInteger( $current ) ) {
				return false;
			} else {
				$result = max( (int)$current + $step, 0 );
				$status = $this->writeValue(
					$operation, 'POST', $key, $result,
					[ 'if-match' => $etag ] + $this->expiryHeaders( $exptime ),
					[ self::STATUS_PRECONDITION_FAILED ]
				);
			}
			if ( in_array( $status, self::WRITE_OK_STATUSES, true ) ) {
				return $result;
			}
			if ( !in_array(
				$status, [ self::STATUS_CONFLICT, self::STATUS_PRECONDITION_FAILED ], true
			) ) {
				return false;
			}
		}
		$this->logger->warning(
			'KaskBagOStuff: {operation} gave up after {attempts} lost compare-and-set races',
			[ 'operation' => $operation, 'attempts' => self::CAS_ATTEMPTS ]
		);
		return false;
	}

	/**
	 * changeTTL( $key, TTL_INDEFINITE ): write the current bytes back without Cache-Control,
	 * so that they get the server's default_ttl, by compare-and-set (a PATCH needs a number).
	 *
	 * @param string $key
	 * @return bool Whether the key exists and was rewritten
	 */
	private function rewriteWithDefaultTtl( string $key ): bool {
		for ( $attempt = 1; $attempt <= self::CAS_ATTEMPTS; $attempt++ ) {
			$watchPoint = $this->watchErrors();
			[ , $stored, $etag ] = $this->fetch( [ $key ] )[$key];
			if ( $stored === null || $this->getLastError( $watchPoint ) ) {
				return false;
			}
			if ( $etag === null ) {
				$this->handleMissingEtag();
				return false;
			}
			$status = $this->writeBytes(
				self::METRIC_OP_CHANGE_TTL, 'POST', $key, $stored, [ 'if-match' => $etag ],
				[ self::STATUS_PRECONDITION_FAILED ]
			);
			if ( $status !== self::STATUS_PRECONDITION_FAILED ) {
				return in_array( $status, self::WRITE_OK_STATUSES, true );
			}
		}
		return false;
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
	 * The headers that give a write the expiry $exptime: none without extendedApi (the
	 * server's default_ttl applies, as with Kask) or for TTL_INDEFINITE (likewise).
	 *
	 * @param int|float $exptime Relative seconds or a UNIX timestamp, as BagOStuff takes it
	 * @return string[]
	 */
	private function expiryHeaders( $exptime ): array {
		if ( !$this->extendedApi || $exptime == self::TTL_INDEFINITE ) {
			return [];
		}
		return [ 'cache-control' => 'max-age=' . $this->maxAge( $exptime ) ];
	}

	/**
	 * @param int|float $exptime Relative seconds or a UNIX timestamp; not TTL_INDEFINITE
	 * @return int Seconds from now, for `max-age`: at least 1 (an expiry in the past, too)
	 */
	private function maxAge( $exptime ): int {
		$seconds = (int)ceil( $this->getExpirationAsTTL( $exptime ) );
		return min( max( $seconds, 1 ), self::MAX_AGE_LIMIT );
	}

	/**
	 * GET the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @return array[] Map of (key => [ value or false, stored bytes or null, ETag or null ]),
	 *  in the order of $keys
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
			$etag = null;
			if ( $code === 200 && is_string( $body ) ) {
				$value = $this->envelope->decode( $body );
				$stored = $body;
				$etag = isset( $headers['etag'] ) ? (string)$headers['etag'] : null;
			} elseif (
				$code === 0 ||
				( $code >= 400 && !in_array( $code, self::MISS_STATUSES, true ) )
			) {
				$this->handleError( 'get', $key, $response );
			}
			$results[$key] = [ $value, $stored, $etag ];
			$stats[$key] = [ 0, $stored === null ? false : strlen( $stored ) ];
		}
		$this->updateOpStats( self::METRIC_OP_GET, $stats );

		return $results;
	}

	/**
	 * POST the values, concurrently when there are several.
	 *
	 * @param array $valueByKey Map of (key => value)
	 * @param int|float $exptime Expiry, sent only with extendedApi
	 * @return bool Whether every value was stored
	 */
	private function store( array $valueByKey, $exptime ): bool {
		$ok = true;
		$keys = [];
		$requests = [];
		$headers = $this->expiryHeaders( $exptime );
		foreach ( $valueByKey as $key => $value ) {
			$key = (string)$key;
			$body = $this->encode( $value );
			if ( $body === null ) {
				$ok = false;
				continue;
			}
			$keys[] = $key;
			$requests[] = $this->newRequest( 'POST', $key, $body, $headers );
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
	 * Encode and send one conditional write (PUT, or POST with If-Match).
	 *
	 * @param string $operation A METRIC_OP_* name, for statistics and logs
	 * @param string $method PUT or POST
	 * @param string $key
	 * @param mixed $value
	 * @param string[] $headers
	 * @param int[] $answers Statuses that answer the condition (409, 412) rather than fail
	 * @return int The status; 0 when nothing could be sent or no response came
	 */
	private function writeValue(
		string $operation, string $method, string $key, $value, array $headers, array $answers
	): int {
		$body = $this->encode( $value );
		if ( $body === null ) {
			return 0;
		}
		return $this->writeBytes( $operation, $method, $key, $body, $headers, $answers );
	}

	/**
	 * Send one conditional write of bytes that are already an envelope.
	 *
	 * @param string $operation A METRIC_OP_* name, for statistics and logs
	 * @param string $method PUT or POST
	 * @param string $key
	 * @param string $body
	 * @param string[] $headers
	 * @param int[] $answers Statuses that answer the condition (409, 412) rather than fail
	 * @return int The status; 0 when no response came
	 */
	private function writeBytes(
		string $operation, string $method, string $key, string $body, array $headers, array $answers
	): int {
		$response = $this->execute( [ $this->newRequest( $method, $key, $body, $headers ) ] )[0];
		$code = $this->unpack( $response )[0];
		if (
			!in_array( $code, self::WRITE_OK_STATUSES, true ) &&
			!in_array( $code, $answers, true )
		) {
			$this->handleError( $operation, $key, $response );
		}
		$this->updateOpStats( $operation, [ $key => [ strlen( $body ), 0 ] ] );
		return $code;
	}

	/**
	 * PATCH the TTL of the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @param int $maxAge Seconds
	 * @return bool[] Map of (key => whether the key exists and now has that TTL)
	 */
	private function touch( array $keys, int $maxAge ): array {
		$keys = array_values( array_unique( array_map( 'strval', $keys ) ) );
		$requests = [];
		foreach ( $keys as $key ) {
			$requests[] = $this->newRequest(
				'PATCH', $key, null, [ 'cache-control' => "max-age=$maxAge" ]
			);
		}

		$results = [];
		foreach ( $this->execute( $requests ) as $i => $response ) {
			$code = $this->unpack( $response )[0];
			$results[$keys[$i]] = in_array( $code, self::WRITE_OK_STATUSES, true );
			if ( !$results[$keys[$i]] && $code !== self::STATUS_NOT_FOUND ) {
				$this->handleError( self::METRIC_OP_CHANGE_TTL, $keys[$i], $response );
			}
		}
		$this->updateOpStats( self::METRIC_OP_CHANGE_TTL, $keys );

		return $results;
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
	 * DELETE a lock key with `If-Match: *`.
	 *
	 * @param string $lockKey
	 * @return bool Whether the lock is no longer held (412: it had expired already)
	 */
	private function releaseLock( string $lockKey ): bool {
		$response = $this->execute( [
			$this->newRequest( 'DELETE', $lockKey, null, [ 'if-match' => '*' ] )
		] )[0];
		$code = $this->unpack( $response )[0];
		$this->updateOpStats( self::METRIC_OP_DELETE, [ $lockKey ] );
		if ( $code === self::STATUS_PRECONDITION_FAILED ) {
			$this->logger->warning( 'KaskBagOStuff: the lock had expired before unlock()' );
			return true;
		}
		if ( !in_array( $code, self::WRITE_OK_STATUSES, true ) ) {
			$this->handleError( 'delete', $lockKey, $response );
			return false;
		}
		return true;
	}

	/**
	 * @param mixed $value
	 * @return string|null The envelope; null (logged, recorded) when the value cannot be encoded
	 */
	private function encode( $value ): ?string {
		try {
			return $this->envelope->encode( $value );
		} catch ( InvalidArgumentException $e ) {
			// RESTBagOStuff throws here; a cache write that cannot happen is a failed write.
			$this->logger->error(
				'KaskBagOStuff: set failed: the value cannot be serialized ({error})',
				[ 'operation' => 'set', 'error' => $e->getMessage() ]
			);
			$this->setLastError( self::ERR_UNEXPECTED );
			return null;
		}
	}

	/**
	 * @param string $method GET, POST, DELETE, or with extendedApi PUT or PATCH
	 * @param string $key
	 * @param string|null $body Request body, for POST and PUT
	 * @param string[] $headers Extra headers, lower-case names
	 * @return array A MultiHttpClient request
	 */
	private function newRequest(
		string $method, string $key, ?string $body = null, array $headers = []
	): array {
		$request = [
			'method' => $method,
			'url' => $this->url . rawurlencode( $key ),
			'headers' => $headers,
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
	 * A GET with extendedApi answered a value without an ETag: no compare-and-set can succeed.
	 */
	private function handleMissingEtag(): void {
		$this->logger->error(
			'KaskBagOStuff: the server sent no ETag; is extendedApi on for a server ' .
				'without kask-ts\'s extensions?',
			[ 'operation' => 'get' ]
		);
		$this->setLastError( self::ERR_UNEXPECTED );
	}

	/**
	 * Log a failed request and record the error; never logs the key or the value.
	 *
	 * @param string $operation get, set, delete, or a METRIC_OP_* name (add, cas, change_ttl,
	 *  incr, decr)
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
