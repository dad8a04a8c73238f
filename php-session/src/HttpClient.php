<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

/**
 * HTTP/1.1 to the session route `{base_url}{key}` over one connection, kept open across the
 * requests of a PHP process when `persistent` is on (a persistent stream: curl keeps no connection
 * across requests before PHP 8.5). Over TLS that saves a handshake per request.
 *
 * A connection is never trusted to be in step: it is closed after any timeout, error or answer it
 * cannot read, and when the request it carries is cut short by the end of the PHP request (a
 * fatal error, max_execution_time), and a connection that has anything to read before a request is
 * sent (a late answer, or the server's close) is replaced, so that no request ever reads an answer
 * meant for another. A GET, PATCH or DELETE that finds its kept connection closed by the server
 * before any byte of an answer (an idle connection closed at the server's keep_alive_timeout_ms
 * just as it was reused) is sent once more on a new connection; a POST or PUT is not.
 */
class HttpClient {
	/** Methods that can be sent again without changing what they do */
	private const RETRIED_METHODS = [ 'GET', 'PATCH', 'DELETE' ];

	private Options $options;

	/** @var string `tcp://host:port` or `tls://host:port` */
	private string $remote;

	private string $hostHeader;

	private string $basePath;

	/** @var resource|null */
	private $stream = null;

	/** Whether a request is on the connection and its answer not read in full */
	private bool $inFlight = false;

	/**
	 * @param Options $options
	 */
	public function __construct( Options $options ) {
		$this->options = $options;
		$url = parse_url( $options->baseUrl );
		$tls = $url['scheme'] === 'https';
		$port = $url['port'] ?? ( $tls ? 443 : 80 );
		$host = $url['host'];
		$this->remote = ( $tls ? 'tls://' : 'tcp://' ) . $host . ':' . $port;
		$this->hostHeader = $host . ( isset( $url['port'] ) ? ':' . $port : '' );
		$this->basePath = $url['path'] ?? '/';
		register_shutdown_function( function (): void {
			if ( $this->inFlight ) {
				$this->close();
			}
		} );
	}

	/**
	 * Sends one request for a key and reads its whole answer.
	 *
	 * @param string $method
	 * @param string $key Sent as one path segment (rawurlencode)
	 * @param array<string,string> $headers
	 * @param string $body
	 * @return Response
	 * @throws StoreUnavailable No connection, a timeout, or an answer that cannot be read
	 */
	public function request( string $method, string $key, array $headers = [], string $body = '' ): Response {
		$request = "$method {$this->basePath}" . rawurlencode( $key ) . " HTTP/1.1\r\n"
			. "Host: {$this->hostHeader}\r\nContent-Length: " . strlen( $body ) . "\r\n";
		foreach ( $headers as $name => $value ) {
			$request .= "$name: $value\r\n";
		}
		$request .= "\r\n" . $body;
		$response = $this->exchange( $method, $request );
		if ( $response === null && in_array( $method, self::RETRIED_METHODS, true ) ) {
			$response = $this->exchange( $method, $request );
		}
		if ( $response === null ) {
			throw new StoreUnavailable( "$method: the connection was closed before an answer" );
		}
		return $response;
	}

	/** The local address of the connection (`127.0.0.1:port`), or null without one: tells connections apart */
	public function localAddress(): ?string {
		return $this->stream === null || !is_resource( $this->stream ) ? null : ( stream_socket_get_name( $this->stream, false ) ?: null );
	}

	/** Closes the connection (a persistent one too) */
	public function close(): void {
		if ( $this->stream !== null && is_resource( $this->stream ) ) {
			@fclose( $this->stream );
		}
		$this->stream = null;
		$this->inFlight = false;
	}

	/**
	 * @param string $method
	 * @param string $request
	 * @return Response|null Null when the connection ended before any byte of an answer
	 * @throws StoreUnavailable
	 */
	private function exchange( string $method, string $request ): ?Response {
		$deadline = microtime( true ) + $this->options->timeout;
		try {
			$stream = $this->connection();
			$this->inFlight = true;
			for ( $sent = 0; $sent < strlen( $request ); $sent += $written ) {
				$this->setTimeout( $stream, $deadline );
				$written = @fwrite( $stream, substr( $request, $sent ) );
				if ( !$written ) {
					$this->check( $stream, 'sending' );
					$this->close();
					return null;
				}
			}
			$statusLine = $this->readLine( $stream, $deadline );
			if ( $statusLine === '' ) {
				$this->close();
				return null;
			}
			if ( !preg_match( '~^HTTP/1\.[01] (\d{3})~', $statusLine, $m ) ) {
				throw new StoreUnavailable( "$method: not an HTTP answer" );
			}
			$headers = [];
			while ( ( $line = $this->readLine( $stream, $deadline ) ) !== "\r\n" ) {
				if ( !str_contains( $line, ':' ) ) {
					throw new StoreUnavailable( 'the answer was cut short' );
				}
				[ $name, $value ] = explode( ':', $line, 2 );
				$headers[strtolower( trim( $name ) )] = trim( $value );
			}
			$status = (int)$m[1];
			$body = $this->readBody( $stream, $status, $headers, $deadline );
			$this->inFlight = false;
			if ( strcasecmp( $headers['connection'] ?? '', 'close' ) === 0 ) {
				$this->close();
			}
			return new Response( $status, $headers, $body );
		} catch ( StoreUnavailable $e ) {
			$this->close();
			throw new StoreUnavailable( "$method: {$e->getMessage()}", 0, $e );
		}
	}

	/**
	 * The kept connection when it has nothing to read, else a new one.
	 *
	 * @return resource
	 */
	private function connection() {
		// NOTE: a persistent stream is shared by every client of the process: another may have closed it
		if ( $this->stream === null || !is_resource( $this->stream ) ) {
			$this->stream = $this->connect();
		}
		$read = [ $this->stream ];
		$none = [];
		// NOTE: PHP's own liveness check of a persistent stream takes one with unread bytes for alive.
		if ( @stream_select( $read, $none, $none, 0 ) !== 0 ) {
			$this->close();
			$this->stream = $this->connect();
		}
		return $this->stream;
	}

	/**
	 * @return resource
	 * @throws StoreUnavailable
	 */
	private function connect() {
		$o = $this->options;
		$ssl = array_filter( [ 'cafile' => $o->caFile, 'local_cert' => $o->clientCert, 'local_pk' => $o->clientKey ] );
		$flags = STREAM_CLIENT_CONNECT | ( $o->persistent ? STREAM_CLIENT_PERSISTENT : 0 );
		// NOTE: a TLS failure (CA, certificate, key) leaves $error empty: its reason is in the first warning
		$warnings = [];
		set_error_handler( static function ( int $level, string $message ) use ( &$warnings ): bool {
			$warnings[] = preg_replace( '/^stream_socket_client\(\): |\s+/', ' ', $message );
			return true;
		} );
		try {
			$stream = stream_socket_client( $this->remote, $errno, $error, $o->connectTimeout, $flags,
				stream_context_create( [ 'ssl' => $ssl + [ 'verify_peer' => true, 'verify_peer_name' => true ] ] ) );
		} finally {
			restore_error_handler();
		}
		if ( !$stream ) {
			$reason = $error !== '' ? "$error ($errno)" : trim( $warnings[0] ?? "error $errno" );
			throw new StoreUnavailable( "cannot connect: $reason" );
		}
		return $stream;
	}

	/**
	 * @param resource $stream
	 * @param float $deadline
	 * @throws StoreUnavailable When the deadline has passed
	 */
	private function setTimeout( $stream, float $deadline ): void {
		$left = $deadline - microtime( true );
		if ( $left <= 0 ) {
			throw new StoreUnavailable( 'timed out' );
		}
		stream_set_timeout( $stream, (int)$left, (int)( fmod( $left, 1 ) * 1e6 ) );
	}

	/**
	 * @param resource $stream
	 * @param string $doing
	 * @throws StoreUnavailable When the last operation timed out
	 */
	private function check( $stream, string $doing ): void {
		if ( stream_get_meta_data( $stream )['timed_out'] ) {
			throw new StoreUnavailable( "timed out $doing" );
		}
	}

	/**
	 * One line, with its line end; '' at the end of the stream before any byte.
	 *
	 * @param resource $stream
	 * @param float $deadline
	 * @return string
	 * @throws StoreUnavailable
	 */
	private function readLine( $stream, float $deadline ): string {
		$line = '';
		while ( !str_ends_with( $line, "\n" ) ) {
			$this->setTimeout( $stream, $deadline );
			$part = @fgets( $stream, 8192 );
			if ( $part === false ) {
				$this->check( $stream, 'reading' );
				if ( $line === '' ) {
					return '';
				}
				throw new StoreUnavailable( 'the answer was cut short' );
			}
			$line .= $part;
		}
		return $line;
	}

	/**
	 * @param resource $stream
	 * @param int $length
	 * @param float $deadline
	 * @return string
	 * @throws StoreUnavailable
	 */
	private function readBytes( $stream, int $length, float $deadline ): string {
		$bytes = '';
		while ( strlen( $bytes ) < $length ) {
			$this->setTimeout( $stream, $deadline );
			$part = @fread( $stream, $length - strlen( $bytes ) );
			if ( $part === false || $part === '' ) {
				$this->check( $stream, 'reading' );
				throw new StoreUnavailable( 'the answer was cut short' );
			}
			$bytes .= $part;
		}
		return $bytes;
	}

	/**
	 * @param resource $stream
	 * @param int $status
	 * @param array<string,string> $headers
	 * @param float $deadline
	 * @return string
	 * @throws StoreUnavailable
	 */
	private function readBody( $stream, int $status, array $headers, float $deadline ): string {
		if ( $status === 204 || $status === 304 ) {
			return '';
		}
		if ( isset( $headers['content-length'] ) ) {
			return $this->readBytes( $stream, (int)$headers['content-length'], $deadline );
		}
		if ( strcasecmp( $headers['transfer-encoding'] ?? '', 'chunked' ) !== 0 ) {
			throw new StoreUnavailable( 'an answer without a length' );
		}
		$body = '';
		while ( ( $size = hexdec( trim( $this->readLine( $stream, $deadline ) ) ) ) > 0 ) {
			$body .= $this->readBytes( $stream, (int)$size, $deadline );
			$this->readLine( $stream, $deadline );
		}
		while ( rtrim( $this->readLine( $stream, $deadline ), "\r\n" ) !== '' ) {
			// trailer fields, not used
		}
		return $body;
	}
}
