<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

/**
 * Session store client for kask-ts: KaskBagOStuff, with the operations that Kask's API can only
 * emulate made atomic, and expiries honoured, by kask-ts's extensions to that API.
 *
 * ### Important caveats
 *
 * - **The server must be kask-ts.** Wikimedia's Kask answers 400 to PUT and PATCH and sends no
 *   ETag: `add()`, `lock()` and `changeTTL()` fail and are logged, and `merge()` and the
 *   increments fail with "the server sent no ETag". Use KaskBagOStuff against Kask.
 * - The server cannot keep a value's remaining TTL across a write: an increment gives the
 *   counter the `$exptime` of `incrWithInit()`, or the server's `default_ttl` for `incr()` and
 *   `decr()`, which take no expiry.
 * - An expiry of 0 (TTL_INDEFINITE) sends no `Cache-Control`: the value gets the server's
 *   `default_ttl`, as a Kask write does, rather than a made-up "forever".
 * - `merge()` gives up after its `$attempts` lost races, and the increments and
 *   `changeTTL( $key, 0 )` after CAS_ATTEMPTS, returning false.
 * - The caveats of KaskBagOStuff about keys, value sizes and logging apply.
 *
 * ### What differs from KaskBagOStuff
 *
 * - The expiry of `set()`, `setMulti()`, `add()`, `lock()`, `merge()` and `incrWithInit()` is
 *   sent as `Cache-Control: max-age=N` (relative seconds; absolute timestamps are converted; an
 *   expiry in the past becomes 1 s, the shortest the server accepts). The server clamps N to
 *   its `max_ttl`.
 * - `add()`, and so `lock()`, is one atomic `PUT` (201 created, 409 taken); `unlock()` one
 *   conditional `DELETE` (`If-Match: *`).
 * - `changeTTL()` is one `PATCH` (`changeTTLMulti()` one per key, concurrently); an expiry in
 *   the past deletes the value (PATCH, then DELETE), and 0 rewrites the value by
 *   compare-and-set.
 * - `merge()`, `incrWithInit()`, `incr()` and `decr()` read the value with its `ETag` and write
 *   with `If-Match`: atomic compare-and-set, again when another writer got there first (412).
 *
 * ### Backend requirements
 *
 * Those of KaskBagOStuff, and kask-ts's extensions (see its openapi/openapi.yaml):
 * - `GET` answers a strong `ETag`; `POST` and `DELETE` honour `If-Match` (412 when it no
 *   longer matches); `POST` honours `Cache-Control: max-age=N`;
 * - `PUT /sessions/v1/{key}`: create only, 201 or 409; honours `Cache-Control: max-age=N`;
 * - `PATCH /sessions/v1/{key}` with `Cache-Control: max-age=N` and no body: 204, or 404.
 *
 * ### Example configuration
 *
 * @code
 * wfLoadExtension( 'KaskStore' );
 * $wgKaskStoreUrl = 'http://127.0.0.1:8081/sessions/v1/';
 * $wgKaskStoreExtendedApi = true;
 * $wgSessionCacheType = 'kask';
 * @endcode
 *
 * or `'class' => \MediaWiki\Extension\KaskStore\KaskTsBagOStuff::class` in an
 * `$wgObjectCaches` entry, with the options of KaskBagOStuff.
 */
class KaskTsBagOStuff extends KaskBagOStuff {
	/**
	 * How many times incrWithInit(), incr(), decr() and changeTTL( $key, 0 ) try their
	 * compare-and-set before giving up (merge() takes its own $attempts, default 10)
	 */
	public const CAS_ATTEMPTS = 50;

	/**
	 * Seconds of remaining lock TTL below which unlock() leaves the lock to expire, as the base
	 * class (its maximum expected one-way delay of a request)
	 */
	private const LOCK_RELEASE_MARGIN = 0.050;

	/** Longest pause before another compare-and-set after a lost race, in microseconds */
	private const MAX_BACKOFF_US = 16000;

	/** Largest `max-age` the server parses (ten digits); it clamps to its `max_ttl` anyway */
	private const MAX_AGE_LIMIT = 9999999999;

	/**
	 * @inheritDoc
	 *
	 * The ETag, which doCas() sends back in If-Match.
	 */
	protected function casToken( string $stored, ?string $etag ): ?string {
		if ( $etag === null ) {
			// Recorded as an error, so that merge() fails now rather than retries
			$this->handleMissingEtag();
		}
		return $etag;
	}

	/**
	 * @inheritDoc
	 *
	 * One PUT; lock() takes its locks with add(), so this also makes lock() atomic.
	 */
	protected function doAdd( $key, $value, $exptime = 0, $flags = 0 ) {
		$body = $this->encode( $value );
		return $body !== null &&
			KaskTransport::succeeded( $this->put( self::METRIC_OP_ADD, $key, $body, $exptime ) );
	}

	/**
	 * @inheritDoc
	 *
	 * The lock is released with a conditional DELETE (`If-Match: *`). kask-ts on Cassandra
	 * takes locks with lightweight transactions, which a plain DELETE is not ordered with: a
	 * plain DELETE racing the next holder's PUT could make that holder's lock vanish.
	 */
	protected function doUnlock( $key ) {
		// As the base class: a lock about to expire may be someone else's by the time a DELETE lands
		$curTTL = $this->locks[$key][self::LOCK_EXPIRY] - $this->getCurrentTime();
		if ( $curTTL <= self::LOCK_RELEASE_MARGIN ) {
			$this->logger->warning(
				$this->className() . ': lock held too long ({curTTL} s left); not released',
				[ 'curTTL' => $curTTL ]
			);
			return false;
		}

		$lockKey = $this->makeLockKey( $key );
		$code = $this->transport->deleteIfMatch( $lockKey, '*' );
		$this->updateOpStats( self::METRIC_OP_DELETE, [ $lockKey ] );
		if ( $code === KaskTransport::STATUS_PRECONDITION_FAILED ) {
			$this->logger->warning( $this->className() . ': the lock had expired before unlock()' );
			return true;
		}
		return KaskTransport::succeeded( $code );
	}

	/**
	 * @inheritDoc
	 *
	 * $casToken is the ETag that doGet() read: one POST with If-Match.
	 */
	protected function doCas( $casToken, $key, $value, $exptime = 0, $flags = 0 ) {
		$body = $this->encode( $value );
		return $body !== null && KaskTransport::succeeded(
			$this->postIfMatch( self::METRIC_OP_CAS, $key, $body, (string)$casToken, $exptime )
		);
	}

	/** @inheritDoc */
	protected function doChangeTTL( $key, $exptime, $flags ) {
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
			$exptime == self::TTL_INDEFINITE ||
			$this->getExpirationAsTimestamp( $exptime ) < $this->getCurrentTime()
		) {
			// One doChangeTTL() per key
			return parent::doChangeTTLMulti( $keys, $exptime, $flags );
		}
		// One PATCH per key, concurrently
		return !in_array( false, $this->touch( $keys, $this->maxAge( $exptime ) ), true );
	}

	/** @inheritDoc */
	protected function doIncrWithInit( $key, $exptime, $step, $init, $flags ) {
		return $this->incrByCas( $key, (int)$step, $init, $exptime );
	}

	/**
	 * @inheritDoc
	 *
	 * Atomic, by compare-and-set.
	 */
	protected function incrExisting( string $key, int $step, int $flags ) {
		return $this->incrByCas( $key, $step, null, self::TTL_INDEFINITE );
	}

	/**
	 * @inheritDoc
	 *
	 * `Cache-Control: max-age`, except for TTL_INDEFINITE: the server's default_ttl then applies.
	 */
	protected function expiryHeaders( $exptime ): array {
		if ( $exptime == self::TTL_INDEFINITE ) {
			return [];
		}
		return [ 'cache-control' => 'max-age=' . $this->maxAge( $exptime ) ];
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
			$this->backOff( $attempt );
			$watchPoint = $this->watchErrors();
			[ $current, $stored, $etag ] = $this->fetch( [ $key ] )[$key];
			if ( $this->getLastError( $watchPoint ) ) {
				return false;
			}
			if ( $stored === null ) {
				if ( $init === null ) {
					return false;
				}
				$result = $init;
				$status = $this->put( $operation, $key, $this->encode( $result ), $exptime );
			} elseif ( $this->casToken( $stored, $etag ) === null || !$this->isInteger( $current ) ) {
				return false;
			} else {
				$result = max( (int)$current + $step, 0 );
				$status = $this->postIfMatch(
					$operation, $key, $this->encode( $result ), $etag, $exptime
				);
			}
			if ( KaskTransport::succeeded( $status ) ) {
				return $result;
			}
			if ( !in_array( $status, [
				KaskTransport::STATUS_CONFLICT, KaskTransport::STATUS_PRECONDITION_FAILED
			], true ) ) {
				return false;
			}
		}
		$this->logger->warning(
			$this->className() . ': {operation} gave up after {attempts} lost compare-and-set races',
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
			$this->backOff( $attempt );
			$watchPoint = $this->watchErrors();
			[ , $stored, $etag ] = $this->fetch( [ $key ] )[$key];
			if ( $stored === null || $this->getLastError( $watchPoint ) ) {
				return false;
			}
			if ( $this->casToken( $stored, $etag ) === null ) {
				return false;
			}
			$status = $this->postIfMatch(
				self::METRIC_OP_CHANGE_TTL, $key, $stored, $etag, self::TTL_INDEFINITE
			);
			if ( $status !== KaskTransport::STATUS_PRECONDITION_FAILED ) {
				return KaskTransport::succeeded( $status );
			}
		}
		return false;
	}

	/**
	 * Before compare-and-set attempt $attempt, after a lost race, pause for a random time that
	 * grows with each lost race. Without it a process can lose every race to faster ones: with
	 * 8 processes incrementing one counter on MediaWiki 1.43, one often gave up after
	 * CAS_ATTEMPTS.
	 *
	 * @param int $attempt From 1; the first attempt does not wait
	 */
	private function backOff( int $attempt ): void {
		if ( $attempt > 1 ) {
			usleep( mt_rand( 0, min( 1000 << $attempt, self::MAX_BACKOFF_US ) ) );
		}
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
	 * PUT an envelope: create the key if it has no value.
	 *
	 * @param string $operation A METRIC_OP_* name, for statistics and logs
	 * @param string $key
	 * @param string|null $body The envelope; null when it could not be made (nothing is sent)
	 * @param int|float $exptime
	 * @return int The status (409: the key is taken); 0 when nothing was sent or no response came
	 */
	private function put( string $operation, string $key, ?string $body, $exptime ): int {
		if ( $body === null ) {
			return 0;
		}
		$status = $this->transport->put( $operation, $key, $body, $this->expiryHeaders( $exptime ) );
		$this->updateOpStats( $operation, [ $key => [ strlen( $body ), 0 ] ] );
		return $status;
	}

	/**
	 * POST an envelope with If-Match: compare-and-set.
	 *
	 * @param string $operation A METRIC_OP_* name, for statistics and logs
	 * @param string $key
	 * @param string|null $body The envelope; null when it could not be made (nothing is sent)
	 * @param string $etag
	 * @param int|float $exptime
	 * @return int The status (412: the value changed); 0 when nothing was sent or no response came
	 */
	private function postIfMatch(
		string $operation, string $key, ?string $body, string $etag, $exptime
	): int {
		if ( $body === null ) {
			return 0;
		}
		$headers = [ 'if-match' => $etag ] + $this->expiryHeaders( $exptime );
		$status = $this->transport->post( $operation, [ $key => $body ], $headers )[$key];
		$this->updateOpStats( $operation, [ $key => [ strlen( $body ), 0 ] ] );
		return $status;
	}

	/**
	 * PATCH the TTL of the keys, concurrently when there are several.
	 *
	 * @param string[] $keys
	 * @param int $maxAge Seconds
	 * @return bool[] Map of (key => whether the key exists and now has that TTL)
	 */
	private function touch( array $keys, int $maxAge ): array {
		$codes = $this->transport->patch( self::METRIC_OP_CHANGE_TTL, $keys, $maxAge );
		$touched = array_map( [ KaskTransport::class, 'succeeded' ], $codes );
		$this->updateOpStats( self::METRIC_OP_CHANGE_TTL, array_keys( $touched ) );
		return $touched;
	}

	/**
	 * A GET answered a value without an ETag: no compare-and-set can succeed.
	 */
	private function handleMissingEtag(): void {
		$this->logger->error(
			$this->className() . ': the server sent no ETag; is it kask-ts, with its extensions?',
			[ 'operation' => 'get' ]
		);
		$this->setLastError( self::ERR_UNEXPECTED );
	}
}
