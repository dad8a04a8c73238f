<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use InvalidArgumentException;
use MediumSpecificBagOStuff;
use Psr\Log\LoggerInterface;

/**
 * Session store client for Wikimedia's Kask (and kask-ts): key-value storage behind HTTP, through
 * Kask's API alone. Against kask-ts, KaskTsBagOStuff uses its extensions instead.
 *
 * ### Important caveats
 *
 * - The expiry parameter is ignored, as in RESTBagOStuff: the server applies its own
 *   `default_ttl` to every write. Configure `$wgObjectCacheSessionExpiry` equal to it, and
 *   use this class only for keys that share that TTL (sessions), never as a general cache.
 * - Only get, set and delete (and their *Multi forms) are native. `add()`, `incr()`,
 *   `decr()`, `lock()`, `changeTTL()`, `merge()` and `cas()` are emulated with a read followed
 *   by a write, exactly as RESTBagOStuff does them, and are NOT atomic.
 * - Keys are sent as one `rawurlencode()`d path segment (`.` and `..` as `%2E` and
 *   `%2E%2E`, which URL normalisation would otherwise remove). A server that follows Kask's
 *   contract answers 404 for the empty key and any key containing `/`, and 400 for a key
 *   longer than its `max_key_bytes` (kask-ts: 1024 bytes); such keys cannot be stored.
 *   Against Kask itself, whose router (Go's ServeMux) redirects a decoded path with dot
 *   segments, the keys `.` and `..` cannot be stored either.
 * - The server limits values (kask-ts: 1 MiB of envelope, answered with 413). A write that
 *   is refused returns false and is logged; nothing is split or compressed.
 * - Keys and values are credentials. This class never logs them (see KaskTransport).
 *   MediumSpecificBagOStuff itself still names keys in some lock and CAS warnings.
 * - Without an `hmac_key`, anyone who can write to the store can forge any value (a session).
 *   Unsigned `PHP` values are read as data only: one holding an object or an enum case reads
 *   as a miss and is logged (see ValueEnvelope), where RESTBagOStuff would unserialize() it.
 *   Set an `hmac_key` (the same on every client of the store) whenever others can reach it.
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
 * - sends getMulti(), setMulti() and deleteMulti() concurrently, in windows of
 *   `maxConnsPerHost` requests;
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
	/** @var KaskTransport */
	protected $transport;

	/** @var ValueEnvelope */
	private $envelope;

	/** @var string The class's name without its namespace, which starts each log line */
	private $className;

	/**
	 * @param array $params Options of MediumSpecificBagOStuff, plus:
	 *   - url: Base URL of the session route, e.g. `http://127.0.0.1:8081/sessions/v1/` (required)
	 *   - serialization_type: `PHP` (default) or `JSON`, as RESTBagOStuff
	 *   - hmac_key: Key to sign values with HMAC-SHA256; '' (default) for unsigned values
	 *   - connTimeout: Connection timeout in seconds (default 1.2)
	 *   - reqTimeout: Request timeout in seconds (default 3.0)
	 *   - maxConnsPerHost: Most concurrent connections to the server (default 50). The *Multi()
	 *     methods send their requests in windows of this many, one after the other, so that
	 *     each request's timeout counts from when it is sent; this holds with `client` too.
	 *   - caBundlePath: CA bundle for an https URL
	 *   - clientCert, clientKey: PEM files of a TLS client certificate and its key, for a server
	 *     that requires one (kask-ts's tls.client_ca); needs PHP's curl extension
	 *   - proxy: HTTP proxy
	 *   - telemetry: Request telemetry whose headers (X-Request-Id) every request carries
	 *     (default on MediaWiki 1.43+: MediaWiki's)
	 *   - client: A MultiHttpClient to use instead of creating one (the options above that
	 *     configure the client, except maxConnsPerHost, are then ignored)
	 *   RESTBagOStuff's `httpParams` and `extendedErrorBodyFields` are accepted and ignored:
	 *   the write method, headers and logged error fields are fixed.
	 * @throws InvalidArgumentException Without a URL, for an unknown serialization type, or
	 *  for a maxConnsPerHost under 1
	 */
	public function __construct( array $params ) {
		$params['segmentationSize'] = $params['segmentationSize'] ?? INF;
		$params['maxConnsPerHost'] =
			$params['maxConnsPerHost'] ?? KaskTransport::DEFAULT_MAX_CONNS_PER_HOST;
		if ( empty( $params['url'] ) || !is_string( $params['url'] ) ) {
			throw new InvalidArgumentException( 'The url parameter is required' );
		}
		$this->className = substr( strrchr( '\\' . static::class, '\\' ), 1 );
		$this->transport = new KaskTransport(
			$params['url'],
			$params['client'] ?? KaskTransport::newClient( $params ),
			function ( int $error ): void {
				$this->setLastError( $error );
			},
			$params['maxConnsPerHost'],
			$this->className,
			KaskTransport::requestTimeout( $params )
		);
		// Calls setLogger(), which hands the logger to the transport too
		parent::__construct( $params );

		$this->envelope = new ValueEnvelope(
			$params['serialization_type'] ?? ValueEnvelope::TYPE_PHP,
			(string)( $params['hmac_key'] ?? '' )
		);
		$this->attrMap[self::ATTR_DURABILITY] = self::QOS_DURABILITY_DISK;
	}

	/** @inheritDoc */
	public function setLogger( LoggerInterface $logger ) {
		parent::setLogger( $logger );
		$this->transport->setLogger( $logger );
	}

	/** @inheritDoc */
	protected function doGet( $key, $flags = 0, &$casToken = null ) {
		$getToken = ( $casToken === self::PASS_BY_REF );
		$casToken = null;

		[ $value, $stored, $etag ] = $this->fetch( [ $key ] )[$key];
		if ( $getToken && $value !== false ) {
			$casToken = $this->casToken( $stored, $etag );
		}
		return $value;
	}

	/**
	 * The token doCas() gets back from a read of $stored.
	 *
	 * NOTE: as in RESTBagOStuff, the stored bytes, which the base class's doCas() compares with
	 * the current ones under lock().
	 *
	 * @param string $stored The stored bytes
	 * @param string|null $etag Their ETag, if the server sent one
	 * @return string|null Null when there is none (an error recorded)
	 */
	protected function casToken( string $stored, ?string $etag ): ?string {
		return $stored;
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
	 * NOTE: not atomic (a read, then a write), as in RESTBagOStuff; lock() takes its locks
	 * with add(), so neither is lock().
	 */
	protected function doAdd( $key, $value, $exptime = 0, $flags = 0 ) {
		if ( $this->get( $key ) === false ) {
			return $this->set( $key, $value, $exptime, $flags );
		}
		return false;
	}

	/**
	 * @inheritDoc
	 *
	 * NOTE: not atomic (a read, then a write), as in RESTBagOStuff
	 */
	protected function doIncrWithInit( $key, $exptime, $step, $init, $flags ) {
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
	 * Increase the value of an existing integer key. The value gets the server's default_ttl.
	 *
	 * MediaWiki 1.39 requires this method; 1.43 no longer has it.
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
	 * Decrease the value of an existing integer key, down to 0 at least. The value gets the
	 * server's default_ttl.
	 *
	 * MediaWiki 1.39 requires this method; 1.43 no longer has it.
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
	 * Add $step to an existing integer key; not atomic (a read, then a write).
	 *
	 * @param string $key
	 * @param int $step
	 * @param int $flags
	 * @return int|bool New value, or false when the key is absent or not an integer
	 */
	protected function incrExisting( string $key, int $step, int $flags ) {
		$current = $this->get( $key, self::READ_LATEST );
		if ( !$this->isInteger( $current ) ) {
			return false;
		}
		$sum = max( (int)$current + $step, 0 );
		return $this->set( $key, $sum, 0, $flags ) ? $sum : false;
	}

	/**
	 * @inheritDoc
	 *
	 * RESTBagOStuff's keys (BagOStuff's generic format), so either class finds what the other
	 * wrote. NOTE: written out, because MediaWiki 1.39 declares this method abstract and 1.43
	 * no longer has the generic helper that 1.39's RESTBagOStuff calls.
	 */
	public function makeKeyInternal( $keyspace, $components ) {
		$key = $keyspace;
		foreach ( $components as $component ) {
			$key .= ':' . strtr( (string)$component, [ '%' => '%25', ':' => '%3A' ] );
		}
		return $key;
	}

	/**
	 * The headers that give a write the expiry $exptime: none, since Kask applies its
	 * default_ttl to every write.
	 *
	 * @param int|float $exptime Relative seconds or a UNIX timestamp, as BagOStuff takes it
	 * @return string[]
	 */
	protected function expiryHeaders( $exptime ): array {
		return [];
	}

	/**
	 * The start of each log line: the class's name, without its namespace.
	 *
	 * @return string
	 */
	protected function className(): string {
		return $this->className;
	}

	/**
	 * GET the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @return array[] Map of (key => [ value or false, stored bytes or null, ETag or null ]),
	 *  in the order of $keys
	 */
	protected function fetch( array $keys ): array {
		$results = [];
		$stats = [];
		foreach ( $this->transport->get( $keys ) as $key => [ $stored, $etag ] ) {
			$value = $stored === null ? false : $this->decode( $stored );
			$results[$key] = [ $value, $stored, $etag ];
			$stats[$key] = [ 0, $stored === null ? false : strlen( $stored ) ];
		}
		$this->updateOpStats( self::METRIC_OP_GET, $stats );
		return $results;
	}

	/**
	 * @param string $stored The bytes read
	 * @return mixed The value; false for a miss (an unsigned value holding objects is logged)
	 */
	private function decode( string $stored ) {
		[ $value, $problem ] = $this->envelope->open( $stored );
		if ( $problem === ValueEnvelope::PROBLEM_UNSIGNED_OBJECTS ) {
			// Not an error of the store: anyone who can write to it can write this
			$this->logger->warning(
				$this->className . ': get read a miss: the value is unsigned PHP holding an ' .
				'object or an enum case, which only a signed value may hold (PHP object ' .
				'injection). If this wiki writes such values, set $wgKaskStoreHmacKey (hmac_key), ' .
				'the same on every client of the store',
				[ 'operation' => 'get' ]
			);
		}
		return $value;
	}

	/**
	 * @param mixed $value
	 * @return string|null The envelope; null (logged, recorded) when the value cannot be encoded
	 */
	protected function encode( $value ): ?string {
		try {
			return $this->envelope->encode( $value );
		} catch ( InvalidArgumentException $e ) {
			// RESTBagOStuff throws here; a cache write that cannot happen is a failed write.
			$this->logger->error(
				$this->className . ': set failed: the value cannot be serialized ({error})',
				[ 'operation' => 'set', 'error' => $e->getMessage() ]
			);
			$this->setLastError( self::ERR_UNEXPECTED );
			return null;
		}
	}

	/**
	 * POST the values, concurrently when there are several.
	 *
	 * @param array $valueByKey Map of (key => value)
	 * @param int|float $exptime Expiry, for expiryHeaders()
	 * @return bool Whether every value was stored
	 */
	private function store( array $valueByKey, $exptime ): bool {
		$ok = true;
		$bodies = [];
		foreach ( $valueByKey as $key => $value ) {
			$body = $this->encode( $value );
			if ( $body === null ) {
				$ok = false;
			} else {
				$bodies[$key] = $body;
			}
		}

		$stats = [];
		$codes = $this->transport->post( 'set', $bodies, $this->expiryHeaders( $exptime ) );
		foreach ( $codes as $key => $code ) {
			$ok = KaskTransport::succeeded( $code ) && $ok;
			$stats[$key] = [ strlen( $bodies[$key] ), 0 ];
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
		$deleted = $this->transport->delete( $keys );
		$this->updateOpStats( self::METRIC_OP_DELETE, array_keys( $deleted ) );
		return !in_array( false, $deleted, true );
	}
}
