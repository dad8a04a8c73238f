<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

use SessionHandlerInterface;
use SessionIdInterface;
use SessionUpdateTimestampHandlerInterface;
use Throwable;

/**
 * PHP sessions in kask-ts (or Kask, with `locking=none`; Kask has no PATCH, so an unchanged
 * session is written whole there): each session one value at
 * `{base_url}{prefix}{session id}`, living `ttl` seconds after its last request.
 *
 * Caveats first:
 * - A store that cannot be read fails session_start() (read() returns false): PHP then neither
 *   starts an empty session nor writes one over the real session at the end of the request. A
 *   framework that takes false for an empty session (Laravel) has its write() of that id refused.
 * - Locking modes, for requests of one session that run at once (see the README for their cost):
 *   - `lock` (default): a request holds the session's lock (SessionLock) from read() to its
 *     write() or updateTimestamp() (or close(), when it writes nothing),
 *     so requests of one session run one after the other and none loses another's changes.
 *   - `optimistic`: no lock; a write is conditional on the ETag read (If-Match). When another
 *     request wrote in between (412), the data is read again and this request's changes to
 *     top-level variables are applied to it, then written under the same condition, for at most
 *     `lock_wait` seconds. Two requests changing the same variable: the last write wins.
 *   - `none`: plain GET and POST, as Kask's own clients do: the last request to finish overwrites
 *     the others' changes (20 parallel requests each adding a key kept 4 of 21 keys).
 * - With session.lazy_write (PHP's default), an unchanged session is not written: its TTL is
 *   renewed by a PATCH (updateTimestamp()), and an empty new session costs no request at all.
 * - write('') deletes: the server refuses an empty value.
 * - With session.use_strict_mode, validateId() reads the session (under its lock), and that one
 *   answer serves the read() that follows.
 * - gc() does nothing: the store expires values itself.
 *
 * Session ids and values are credentials: no log line or exception message holds one.
 *
 * Example, in code:
 *
 *     session_set_save_handler( new KaskSessionHandler( Options::fromArray( [
 *         'base_url' => 'https://sessionstore.svc:8081/sessions/v1/',
 *         'ca_file' => '/etc/kask/pki/ca.pem',
 *     ] ) ) );
 */
class KaskSessionHandler implements
	SessionHandlerInterface,
	SessionUpdateTimestampHandlerInterface,
	SessionIdInterface
{
	/** The session ids PHP makes (session.sid_bits_per_character 4, 5 or 6; at most 256 characters) */
	private const VALID_ID = '/^[a-zA-Z0-9,-]{1,256}$/D';

	private Options $options;

	private HttpClient $http;

	private ?SessionLock $lock;

	/** @var callable(string):void */
	private $log;

	/** The id whose session was read (or made by create_sid()) and not yet closed, or null */
	private ?string $id = null;

	/** The data read, '' when the session had none */
	private string $data = '';

	/** Whether the session had a value when read */
	private bool $stored = false;

	/** The ETag of the value read, when it had one */
	private ?string $etag = null;

	/**
	 * The id validateId() or read() could not read: the read() that follows fails too, without
	 * waiting again, and no write() replaces the session with what the caller took for empty
	 */
	private ?string $failedId = null;

	/** Whether the end of the request releases a lock still held */
	private bool $shutdownRegistered = false;

	/**
	 * @param Options $options
	 * @param callable(string):void|null $log Gets a line per failure (default: error_log())
	 * @param HttpClient|null $http
	 */
	public function __construct( Options $options, ?callable $log = null, ?HttpClient $http = null ) {
		$this->options = $options;
		$this->http = $http ?? new HttpClient( $options );
		$this->lock = $options->locking === 'lock' ? new SessionLock( $this->http, $options ) : null;
		$this->log = $log ?? static function ( string $line ): void {
			error_log( $line );
		};
	}

	/** @inheritDoc */
	public function open( string $path, string $name ): bool {
		return true;
	}

	/** @inheritDoc */
	public function close(): bool {
		$this->id = null;
		$this->failedId = null;
		return $this->releaseLock();
	}

	/** @inheritDoc */
	public function read( string $id ): string|false {
		if ( $this->failedId === $id ) {
			return false;
		}
		if ( $this->id === $id ) {
			return $this->data;
		}
		$data = $this->attempt( 'read', function () use ( $id ): string {
			$this->load( $id );
			return $this->data;
		} );
		if ( $data === false ) {
			$this->failedId = $id;
		}
		return $data;
	}

	/** @inheritDoc */
	public function write( string $id, string $data ): bool {
		$data = $this->withoutEmptyEncoding( $data );
		if ( $this->failedId === $id ) {
			// NOTE: Laravel takes a failed read for an empty session, and writes it at the end
			( $this->log )( 'kask-ts session: not written: it could not be read' );
			// NOTE: the end of that request (Laravel calls no close()): a later read asks the store again
			$this->failedId = null;
			$this->releaseLock();
			return false;
		}
		$written = $this->attempt( 'write', function () use ( $id, $data ): bool {
			if ( $this->id !== $id ) {
				$this->load( $id );
			}
			return $this->store( $id, $data );
		} );
		return $this->endSaving() && $written;
	}

	/** @inheritDoc */
	public function destroy( string $id ): bool {
		return $this->attempt( 'destroy', function () use ( $id ): bool {
			$this->expect( 'DELETE', $this->http->request( 'DELETE', $this->key( $id ) ), 204 );
			if ( $this->id === $id ) {
				$this->data = '';
				$this->stored = false;
				$this->etag = null;
			}
			return true;
		} );
	}

	/** @inheritDoc */
	public function gc( int $max_lifetime ): int|false {
		return 0;
	}

	/** @inheritDoc */
	public function create_sid(): string {
		// 128 random bits, in characters every session.sid_bits_per_character accepts
		$id = bin2hex( random_bytes( 16 ) );
		$this->id = $id;
		$this->data = '';
		$this->stored = false;
		$this->etag = null;
		return $id;
	}

	/** @inheritDoc */
	public function validateId( string $id ): bool {
		if ( !preg_match( self::VALID_ID, $id ) ) {
			// NOTE: PHP passes on ids with '/', '%', ':' or NUL from the cookie; the server would refuse them,
			// and session_start() would fail on every request of that client instead of making a new id
			return false;
		}
		try {
			$this->load( $id );
			return $this->stored;
		} catch ( StoreUnavailable | LockUnavailable $e ) {
			// NOTE: true, so that PHP keeps the id and fails in read(), rather than give the client a new id
			$this->failedId = $id;
			$this->report( 'validateId', $e );
			return true;
		}
	}

	/** @inheritDoc */
	public function updateTimestamp( string $id, string $data ): bool {
		$data = $this->withoutEmptyEncoding( $data );
		$updated = $this->attempt( 'updateTimestamp', function () use ( $id, $data ): bool {
			if ( $this->id === $id && !$this->stored && $data === '' ) {
				return true;
			}
			$response = $this->http->request( 'PATCH', $this->key( $id ), $this->ttlHeader() );
			if ( $response->status === 404 && $this->options->locking === 'optimistic' && $this->stored ) {
				// NOTE: expired, or deleted by another request (a log-out), which must not be undone
				( $this->log )( 'kask-ts session: not written: another request deleted the session meanwhile' );
				return false;
			}
			if ( $response->status === 404 || $response->status === 405 ) {
				// 404: expired or destroyed meanwhile; 405: a server without PATCH (Kask). Written whole.
				$this->stored = $response->status === 405;
				return $this->store( $id, $data );
			}
			return $this->expect( 'PATCH', $response, 204 );
		} );
		return $this->endSaving() && $updated;
	}

	/**
	 * Reads the session $id (under its lock in `lock` mode) into id, data, stored and etag.
	 *
	 * @param string $id
	 * @throws StoreUnavailable
	 * @throws LockUnavailable
	 */
	private function load( string $id ): void {
		$this->id = null;
		$key = $this->key( $id );
		if ( $this->lock !== null && !$this->lock->holds( $key ) ) {
			$this->releaseLockAtShutdown();
			$this->lock->acquire( $key );
		}
		$response = $this->http->request( 'GET', $key );
		$this->expect( 'GET', $response, 200, 404 );
		$this->stored = $response->status === 200;
		$this->data = $this->stored ? $response->body : '';
		$this->etag = $response->etag();
		$this->id = $id;
	}

	/**
	 * Writes $data as the session $id's value, read by load(): deletes it for ''.
	 *
	 * @param string $id
	 * @param string $data
	 * @return bool
	 * @throws StoreUnavailable
	 */
	private function store( string $id, string $data ): bool {
		$key = $this->key( $id );
		if ( $data === '' ) {
			if ( $this->stored ) {
				$this->expect( 'DELETE', $this->http->request( 'DELETE', $key, $this->condition() ), 204, 412 );
			}
		} elseif ( $this->options->locking !== 'optimistic' ) {
			$this->expect( 'POST', $this->http->request( 'POST', $key, $this->ttlHeader(), $data ), 201 );
		} else {
			return $this->storeOptimistically( $key, $data );
		}
		$this->data = $data;
		$this->stored = $data !== '';
		$this->etag = null;
		return true;
	}

	/**
	 * POST with If-Match (If-None-Match: * for a new session); after each 412, this request's
	 * changes merged into the current data, for at most lock_wait seconds.
	 *
	 * @param string $key
	 * @param string $data
	 * @return bool
	 * @throws StoreUnavailable
	 */
	private function storeOptimistically( string $key, string $data ): bool {
		$deadline = microtime( true ) + $this->options->lockWait;
		$toWrite = $data;
		for ( ;; ) {
			$response = $this->http->request( 'POST', $key, $this->ttlHeader() + $this->condition(), $toWrite );
			if ( $this->expect( 'POST', $response, 201, 412 ) ) {
				$this->data = $data;
				$this->stored = true;
				$this->etag = $response->etag();
				return true;
			}
			$current = $this->http->request( 'GET', $key );
			$this->expect( 'GET', $current, 200, 404 );
			if ( $current->status === 404 ) {
				( $this->log )( 'kask-ts session: not written: another request deleted the session meanwhile' );
				return false;
			}
			$toWrite = SessionData::merge( $this->data, $data, $current->body, $this->options->serializeHandler );
			if ( $toWrite === null || microtime( true ) >= $deadline ) {
				( $this->log )( 'kask-ts session: not written: another request changed the session meanwhile, '
					. ( $toWrite === null ? 'and its data cannot be merged' : "for lock_wait seconds" ) );
				return false;
			}
			// the next POST is conditional on the data just read; the merge stays against the data first read
			$this->stored = true;
			$this->etag = $current->etag();
		}
	}

	/**
	 * The precondition of a write in `optimistic` mode: the value read is still there, or none is.
	 *
	 * @return array<string,string>
	 */
	private function condition(): array {
		if ( $this->options->locking !== 'optimistic' ) {
			return [];
		}
		if ( !$this->stored ) {
			return [ 'If-None-Match' => '*' ];
		}
		return $this->etag === null ? [] : [ 'If-Match' => $this->etag ];
	}

	/**
	 * '' for an empty session in any format: PHP encodes an empty $_SESSION as `a:0:{}` with
	 * session.serialize_handler php_serialize, which would store a session for every request
	 * without a session cookie.
	 */
	private function withoutEmptyEncoding( string $data ): string {
		return $data === 'a:0:{}' && $this->options->serializeHandler === 'php_serialize' ? '' : $data;
	}

	/** @return array<string,string> */
	private function ttlHeader(): array {
		return [ 'Cache-Control' => "max-age={$this->options->ttl}" ];
	}

	private function key( string $id ): string {
		return $this->options->prefix . $id;
	}

	/**
	 * @param string $method
	 * @param Response $response
	 * @param int $success
	 * @param int ...$others Other statuses the caller handles
	 * @return bool Whether the status is $success
	 * @throws StoreUnavailable For any other status
	 */
	private function expect( string $method, Response $response, int $success, int ...$others ): bool {
		if ( $response->status !== $success && !in_array( $response->status, $others, true ) ) {
			$problem = json_decode( $response->body, true );
			$title = is_array( $problem ) && is_string( $problem['title'] ?? null ) ? ": {$problem['title']}" : '';
			throw new StoreUnavailable( "$method: status {$response->status}$title" );
		}
		return $response->status === $success;
	}

	/**
	 * Runs $operation; a store or lock failure is logged and answered false, as PHP expects.
	 *
	 * @param string $name
	 * @param callable():(string|bool) $operation
	 * @return string|bool
	 */
	private function attempt( string $name, callable $operation ): string|bool {
		try {
			return $operation();
		} catch ( StoreUnavailable | LockUnavailable $e ) {
			$this->report( $name, $e );
			return false;
		}
	}

	/**
	 * The end of write() or updateTimestamp(): the lock is released, and the data read forgotten, so
	 * that a framework that never calls close() (Laravel) and reads the session again (a worker
	 * serving several requests with one handler) reads it from the store, under the lock.
	 */
	private function endSaving(): bool {
		if ( $this->stored || $this->lock?->held() ) {
			// NOTE: a new session that is still empty stays known: it was never stored nor locked
			$this->id = null;
		}
		return $this->releaseLock();
	}

	/**
	 * Releases the lock held, if any: at the end of the request's writing, for PHP (which calls
	 * close() next) and for frameworks that never call close() (Laravel).
	 */
	private function releaseLock(): bool {
		return $this->attempt( 'releasing the lock', function (): bool {
			$this->lock?->release();
			return true;
		} );
	}

	/**
	 * Makes the end of the request release a lock still held: Laravel never calls close(), so a
	 * request that ends without saving its session (exit, dd(), a fatal error) would keep the
	 * session locked for lock_ttl seconds. PHP writes the session in a shutdown function that
	 * session_set_save_handler()'s own shutdown function appends at the end of the queue: this one
	 * is registered when a lock is first taken (later than session_set_save_handler()), and
	 * appends the release in its turn, so that it comes after PHP's write.
	 */
	private function releaseLockAtShutdown(): void {
		if ( $this->shutdownRegistered ) {
			return;
		}
		$this->shutdownRegistered = true;
		register_shutdown_function( function (): void {
			register_shutdown_function( function (): void {
				$this->releaseLock();
			} );
		} );
	}

	private function report( string $operation, Throwable $e ): void {
		( $this->log )( "kask-ts session: $operation failed: " . get_class( $e ) . ': ' . $e->getMessage() );
	}
}
