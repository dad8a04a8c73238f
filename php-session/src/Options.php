<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

use InvalidArgumentException;

/**
 * The handler's settings, from code (fromArray()) or from a php.ini-style string: the URL in
 * `session.save_path`, its options in the query string (fromSavePath()). Names and units:
 *
 * - `base_url` (required): the session route of the namespace, e.g.
 *   `http://127.0.0.1:8081/sessions/v1/`; `https://` for TLS.
 * - `prefix` (''): put before every session id to make its key.
 * - `connect_timeout` (1.2 s), `timeout` (3.0 s): seconds to connect, and to get a whole answer.
 * - `ca_file`, `client_cert`, `client_key`: PEM files for TLS (the CA that signed the server's
 *   certificate; the client certificate and its key when the server asks for one).
 * - `ttl`: seconds a session lives after its last request; default `session.gc_maxlifetime`.
 * - `locking`: `lock` (default), `optimistic` or `none` (see KaskSessionHandler).
 * - `lock_ttl` (default `max_execution_time`, or 30 s when that is 0): seconds a lock outlives a
 *   process that died holding it.
 * - `lock_wait` (10 s): seconds a request waits for a session's lock before failing to start.
 * - `max_waiters` (20): requests that may wait at once for one session's lock; more fail at once.
 * - `persistent` (true): keep connections open across requests of one PHP process.
 * - `serialize_handler` (default `session.serialize_handler`): the format of the data, `php` or
 *   `php_serialize`, for `optimistic` merges (Laravel's is `php_serialize`).
 */
final class Options {
	/** Values of `locking` */
	public const LOCKING_MODES = [ 'lock', 'optimistic', 'none' ];

	/** Every option and its default; null: computed (ttl, lock_ttl) or none (TLS files) */
	private const DEFAULTS = [
		'base_url' => null,
		'prefix' => '',
		'connect_timeout' => 1.2,
		'timeout' => 3.0,
		'ca_file' => null,
		'client_cert' => null,
		'client_key' => null,
		'ttl' => null,
		'locking' => 'lock',
		'lock_ttl' => null,
		'lock_wait' => 10.0,
		'max_waiters' => 20,
		'persistent' => true,
		'serialize_handler' => null,
	];

	/** @var string Base URL, ending with '/' */
	public string $baseUrl;

	public string $prefix;

	public float $connectTimeout;

	public float $timeout;

	public ?string $caFile;

	public ?string $clientCert;

	public ?string $clientKey;

	public int $ttl;

	public string $locking;

	public int $lockTtl;

	public float $lockWait;

	public int $maxWaiters;

	public bool $persistent;

	public string $serializeHandler;

	/**
	 * @param array<string,mixed> $options Names as in the class doc
	 * @throws InvalidArgumentException For an unknown option or an unusable value
	 */
	public static function fromArray( array $options ): self {
		$unknown = array_diff( array_keys( $options ), array_keys( self::DEFAULTS ) );
		if ( $unknown ) {
			throw new InvalidArgumentException( 'Unknown option: ' . implode( ', ', $unknown ) );
		}
		$o = $options + self::DEFAULTS;
		$self = new self();
		$self->baseUrl = self::baseUrl( $o['base_url'] );
		if ( !is_string( $o['prefix'] ) || str_contains( $o['prefix'], '/' ) ) {
			// NOTE: kask-ts decodes %2F in a key before routing: a key with '/' is never found
			throw new InvalidArgumentException( "prefix must be a string without '/'" );
		}
		$self->prefix = $o['prefix'];
		$self->connectTimeout = self::positive( 'connect_timeout', $o['connect_timeout'] );
		$self->timeout = self::positive( 'timeout', $o['timeout'] );
		$self->caFile = self::optionalFile( 'ca_file', $o['ca_file'] );
		$self->clientCert = self::optionalFile( 'client_cert', $o['client_cert'] );
		$self->clientKey = self::optionalFile( 'client_key', $o['client_key'] );
		if ( ( $self->clientCert === null ) !== ( $self->clientKey === null ) ) {
			throw new InvalidArgumentException( 'client_cert and client_key go together' );
		}
		$self->ttl = self::positiveInt( 'ttl', $o['ttl'] ?? ini_get( 'session.gc_maxlifetime' ) );
		if ( !in_array( $o['locking'], self::LOCKING_MODES, true ) ) {
			throw new InvalidArgumentException( 'locking must be one of ' . implode( ', ', self::LOCKING_MODES ) );
		}
		$self->locking = $o['locking'];
		$maxExecutionTime = (int)ini_get( 'max_execution_time' );
		$self->lockTtl = self::positiveInt( 'lock_ttl', $o['lock_ttl'] ?? ( $maxExecutionTime ?: 30 ) );
		$self->lockWait = self::positive( 'lock_wait', $o['lock_wait'] );
		$self->maxWaiters = self::positiveInt( 'max_waiters', $o['max_waiters'] );
		$persistent = filter_var( $o['persistent'], FILTER_VALIDATE_BOOLEAN, FILTER_NULL_ON_FAILURE );
		if ( $persistent === null ) {
			throw new InvalidArgumentException( 'persistent must be true or false' );
		}
		$self->persistent = $persistent;
		$self->serializeHandler = (string)( $o['serialize_handler'] ?? ini_get( 'session.serialize_handler' ) );
		if ( $self->locking === 'optimistic' && !in_array( $self->serializeHandler, [ 'php', 'php_serialize' ], true ) ) {
			throw new InvalidArgumentException( 'serialize_handler must be php or php_serialize for locking=optimistic' );
		}
		return $self;
	}

	/**
	 * Options from `session.save_path`: the base URL, its query string holding the other options,
	 * e.g. `http://127.0.0.1:8081/sessions/v1/?locking=optimistic&timeout=2`.
	 *
	 * @param string $savePath
	 * @throws InvalidArgumentException
	 */
	public static function fromSavePath( string $savePath ): self {
		$query = strpos( $savePath, '?' );
		if ( $query === false ) {
			return self::fromArray( [ 'base_url' => $savePath ] );
		}
		parse_str( substr( $savePath, $query + 1 ), $options );
		return self::fromArray( [ 'base_url' => substr( $savePath, 0, $query ) ] + $options );
	}

	/**
	 * @param mixed $value
	 * @return string
	 */
	private static function baseUrl( $value ): string {
		$url = is_string( $value ) ? parse_url( $value ) : false;
		if ( !$url || !in_array( $url['scheme'] ?? '', [ 'http', 'https' ], true ) || !isset( $url['host'] )
			|| isset( $url['query'] ) || isset( $url['user'] )
		) {
			throw new InvalidArgumentException( 'base_url must be an http:// or https:// URL without a query' );
		}
		return rtrim( $value, '/' ) . '/';
	}

	/**
	 * @param string $name
	 * @param mixed $value
	 * @return float
	 */
	private static function positive( string $name, $value ): float {
		if ( !is_numeric( $value ) || $value <= 0 ) {
			throw new InvalidArgumentException( "$name must be a positive number" );
		}
		return (float)$value;
	}

	/**
	 * @param string $name
	 * @param mixed $value
	 * @return int
	 */
	private static function positiveInt( string $name, $value ): int {
		if ( !is_numeric( $value ) || $value < 1 || (float)$value !== floor( (float)$value ) ) {
			throw new InvalidArgumentException( "$name must be a whole number, at least 1" );
		}
		return (int)$value;
	}

	/**
	 * @param string $name
	 * @param mixed $value
	 * @return string|null
	 */
	private static function optionalFile( string $name, $value ): ?string {
		if ( $value === null || $value === '' ) {
			return null;
		}
		if ( !is_string( $value ) || !is_readable( $value ) ) {
			throw new InvalidArgumentException( "$name must be a readable file" );
		}
		return $value;
	}
}
