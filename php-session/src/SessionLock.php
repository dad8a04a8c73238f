<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

/**
 * The lock of one session at a time, held in the store itself: the key `{session key}:lock`,
 * created with PUT (create-only: 201 for one request, 409 for the others) holding a random token,
 * with a TTL of `lock_ttl` so that a process that dies holding it blocks the session no longer,
 * and released by a DELETE with If-Match naming that value (the ETag of the PUT's answer, or of a
 * GET from a server that gives none there), so that a request whose lock expired never deletes the
 * lock another request took since.
 *
 * A request that finds the lock taken waits for it, polling with a growing delay (2 ms to 50 ms),
 * for at most `lock_wait` seconds. At most `max_waiters` requests wait at once for one session: a
 * waiter first takes one of that many slots, `{session key}:wait:{n}`, each created with PUT too
 * (as Cm_RedisSession's `max_concurrency` counts them), and a request that finds every slot taken
 * fails at once rather than pile up behind the others.
 */
final class SessionLock {
	private const FIRST_DELAY_US = 2000;

	private const LONGEST_DELAY_US = 50000;

	private HttpClient $http;

	private Options $options;

	/** The key of the lock held, or null */
	private ?string $key = null;

	/** The value of the lock held */
	private string $token = '';

	/** Its ETag, when the server gave it */
	private ?string $etag = null;

	/**
	 * @param HttpClient $http
	 * @param Options $options
	 */
	public function __construct( HttpClient $http, Options $options ) {
		$this->http = $http;
		$this->options = $options;
	}

	/** Whether a lock is held */
	public function held(): bool {
		return $this->key !== null;
	}

	/** Whether the lock held is that of the session at $sessionKey */
	public function holds( string $sessionKey ): bool {
		return $this->key === self::lockKey( $sessionKey );
	}

	/**
	 * Takes the lock of the session at $sessionKey, waiting for it (releases any other lock held).
	 *
	 * @param string $sessionKey
	 * @throws LockUnavailable
	 * @throws StoreUnavailable
	 */
	public function acquire( string $sessionKey ): void {
		$this->release();
		$key = self::lockKey( $sessionKey );
		$token = bin2hex( random_bytes( 16 ) );
		if ( $this->tryLock( $key, $token ) ) {
			return;
		}
		$deadline = microtime( true ) + $this->options->lockWait;
		$slot = $this->takeWaiterSlot( $sessionKey );
		try {
			for ( $delay = self::FIRST_DELAY_US; microtime( true ) < $deadline; ) {
				usleep( (int)min( $delay, max( 0, $deadline - microtime( true ) ) * 1e6 ) );
				if ( $this->tryLock( $key, $token ) ) {
					return;
				}
				$delay = min( $delay * 2, self::LONGEST_DELAY_US );
			}
		} finally {
			// NOTE: unconditional: the slot lives lock_wait + timeout + 1 s, longer than this wait.
			$this->http->request( 'DELETE', $slot );
		}
		throw new LockUnavailable( "still held by another request after {$this->options->lockWait} s" );
	}

	/**
	 * Releases the lock held, if any. A lock that expired meanwhile (another request may hold it
	 * now) is left alone, and reported.
	 *
	 * @throws LockUnavailable When the lock had expired before it was released
	 * @throws StoreUnavailable
	 */
	public function release(): void {
		if ( $this->key === null ) {
			return;
		}
		$key = $this->key;
		$this->key = null;
		$etag = $this->etag;
		if ( $etag === null ) {
			$current = $this->http->request( 'GET', $key );
			$etag = $current->status === 200 && $current->body === $this->token ? $current->etag() : null;
		}
		if ( $etag === null
			|| $this->http->request( 'DELETE', $key, [ 'If-Match' => $etag ] )->status === 412
		) {
			throw new LockUnavailable( 'the lock expired before it was released: raise lock_ttl' );
		}
	}

	/**
	 * @param string $key
	 * @param string $token
	 * @return bool Whether the lock is now held
	 * @throws StoreUnavailable
	 */
	private function tryLock( string $key, string $token ): bool {
		try {
			$response = $this->create( $key, $token, $this->options->lockTtl );
		} catch ( StoreUnavailable $e ) {
			// The PUT may have been stored before its answer was lost (a timeout, a 503): the lock is
			// then ours, and release() finds it by its token and removes it, instead of leaving it
			// to expire while every request of the session waits lock_wait for it and fails.
			$this->key = $key;
			$this->token = $token;
			$this->etag = null;
			throw $e;
		}
		if ( $response === null ) {
			return false;
		}
		$this->key = $key;
		$this->token = $token;
		$this->etag = $response->etag();
		return true;
	}

	/**
	 * @param string $sessionKey
	 * @return string The key of the slot taken
	 * @throws LockUnavailable When every slot is taken
	 * @throws StoreUnavailable
	 */
	private function takeWaiterSlot( string $sessionKey ): string {
		$o = $this->options;
		$ttl = (int)ceil( $o->lockWait + $o->timeout ) + 1;
		$first = random_int( 0, $o->maxWaiters - 1 );
		for ( $i = 0; $i < $o->maxWaiters; $i++ ) {
			$slot = $sessionKey . ':wait:' . ( ( $first + $i ) % $o->maxWaiters );
			if ( $this->create( $slot, '1', $ttl ) !== null ) {
				return $slot;
			}
		}
		throw new LockUnavailable( "{$o->maxWaiters} requests already wait for the lock (max_waiters)" );
	}

	/**
	 * PUT: creates $key unless it has a value.
	 *
	 * @param string $key
	 * @param string $value
	 * @param int $ttl
	 * @return Response|null The answer when created, null when the key has a value
	 * @throws StoreUnavailable
	 */
	private function create( string $key, string $value, int $ttl ): ?Response {
		$response = $this->http->request( 'PUT', $key, [ 'Cache-Control' => "max-age=$ttl" ], $value );
		if ( $response->status === 409 ) {
			return null;
		}
		if ( $response->status !== 201 ) {
			throw new StoreUnavailable( "PUT: status {$response->status}" );
		}
		return $response;
	}

	private static function lockKey( string $sessionKey ): string {
		return $sessionKey . ':lock';
	}
}
