<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use MediaWiki\Utils\UrlUtils;

/**
 * A MultiHttpClient that sends nothing: it records each batch given to runMulti() (run() goes
 * through runMulti() too) and answers every request with a handler. Without a handler it behaves
 * like a kask-ts server over an in-memory map, so a test can read back what a client wrote:
 * Kask's GET, POST and DELETE, plus kask-ts's extensions (PUT create-only, PATCH with
 * Cache-Control, ETag and Kask-TTL on GET, If-Match on POST, Cache-Control: max-age on writes),
 * unless $extensions is false (then a plain Kask: 405 for PUT and PATCH, no ETag or Kask-TTL,
 * headers ignored). Time does not pass: the TTL each write asked for is recorded in $ttls, and
 * Kask-TTL answers it (or $defaultTtl).
 *
 * As libcurl, it removes the dot segments from a URL's path before sending it (what a handler
 * or the in-memory server sees), and the in-memory server, as kask-ts, serves one key segment
 * under BASE_PATH: an empty key, another path or a key holding `/` is answered 404.
 */
class FakeHttpClient extends RecordingHttpClient {
	/** The path of the in-memory server's session route */
	private const BASE_PATH = '/sessions/v1/';

	/** @var array<string,string> Map of (decoded key => stored bytes) of the in-memory server */
	public $stored = [];

	/**
	 * @var array<string,int|null> Map of (decoded key => the max-age its last write or PATCH
	 *  asked for, or null for the server's default TTL)
	 */
	public $ttls = [];

	/** @var bool Whether the in-memory server has kask-ts's extensions */
	public $extensions = true;

	/** @var int The in-memory server's default_ttl, seconds */
	public $defaultTtl = 86400;

	/** @var callable|null function ( array $request ): array $response */
	private $handler;

	/**
	 * @param callable|null $handler function ( array $request ): array, returning a response made
	 *  with FakeHttpClient::response(); null for the in-memory Kask server
	 */
	public function __construct( ?callable $handler = null ) {
		parent::__construct( [] );
		$this->handler = $handler;
	}

	/**
	 * A client that answers every request with the same response.
	 *
	 * @param array $response From FakeHttpClient::response()
	 * @return FakeHttpClient
	 */
	public static function answering( array $response ): FakeHttpClient {
		return new self( static function () use ( $response ) {
			return $response;
		} );
	}

	/**
	 * A response in MultiHttpClient's format, with the integer-indexed copies.
	 *
	 * @param int $code HTTP status; 0 for "no response"
	 * @param string $body
	 * @param array $headers Lower-case names
	 * @param string $error Transport error, as MultiHttpClient reports curl errors
	 * @return array
	 */
	public static function response(
		int $code, string $body = '', array $headers = [], string $error = ''
	): array {
		return [
			'code' => $code, 'reason' => '', 'headers' => $headers, 'body' => $body, 'error' => $error,
			$code, '', $headers, $body, $error,
		];
	}

	/**
	 * A problem+json response like kask-ts sends.
	 *
	 * @param int $code
	 * @param string $name Problem name, e.g. not_found
	 * @param string $title
	 * @param string $detail
	 * @param string $instance
	 * @param array $headers Extra headers
	 * @return array
	 */
	public static function problem(
		int $code, string $name, string $title, string $detail, string $instance, array $headers = []
	): array {
		$body = json_encode( [
			'type' => "https://www.mediawiki.org/wiki/Kask/errors/$name",
			'title' => $title,
			'detail' => $detail,
			'instance' => $instance,
		], JSON_UNESCAPED_SLASHES );
		return self::response( $code, $body, $headers + [ 'content-type' => 'application/problem+json' ] );
	}

	/**
	 * A client whose in-memory server first shows each request to $hook, e.g. to make a
	 * concurrent write between a client's GET and its POST.
	 *
	 * @param callable $hook function ( array $request, FakeHttpClient $client ): ?array, returning
	 *  a response to answer it, or null to let the in-memory server answer
	 * @return FakeHttpClient
	 */
	public static function withHook( callable $hook ): FakeHttpClient {
		$client = null;
		$client = new self( static function ( array $request ) use ( &$client, $hook ) {
			return $hook( $request, $client ) ?? $client->serve( $request );
		} );
		return $client;
	}

	/** @inheritDoc */
	protected function send( array $reqs, array $opts ): array {
		foreach ( $reqs as $index => $req ) {
			$req['url'] = self::withoutDotSegments( $req['url'] );
			$reqs[$index]['response'] = $this->handler
				? ( $this->handler )( $req )
				: $this->serve( $req );
		}
		return $reqs;
	}

	/**
	 * A URL as libcurl sends it: the dot segments (`.` and `..`) of its path removed, as
	 * RFC 3986 section 5.2.4 says.
	 *
	 * @param string $url Without query or fragment, as KaskTransport makes them
	 * @return string
	 */
	private static function withoutDotSegments( string $url ): string {
		$path = (string)parse_url( $url, PHP_URL_PATH );
		return substr( $url, 0, strlen( $url ) - strlen( $path ) ) .
			( new UrlUtils() )->removeDotSegments( $path );
	}

	/**
	 * kask-ts's ETag of stored bytes.
	 *
	 * @param string $bytes
	 * @return string
	 */
	public static function etag( string $bytes ): string {
		$base64 = base64_encode( hash( 'sha256', $bytes, true ) );
		return '"' . rtrim( strtr( $base64, '+/', '-_' ), '=' ) . '"';
	}

	/**
	 * Whether the request's If-Match, if any, accepts the stored value of $key.
	 *
	 * @param array $headers
	 * @param string $key
	 * @return bool
	 */
	private function ifMatchAccepts( array $headers, string $key ): bool {
		if ( !isset( $headers['if-match'] ) ) {
			return true;
		}
		return isset( $this->stored[$key] ) && in_array(
			$headers['if-match'], [ '*', self::etag( $this->stored[$key] ) ], true
		);
	}

	/**
	 * The in-memory kask-ts (or Kask) server; public so that a handler can add to it, e.g. a
	 * concurrent write before answering.
	 *
	 * @param array $req
	 * @return array
	 */
	public function serve( array $req ): array {
		$path = (string)parse_url( $req['url'], PHP_URL_PATH );
		$key = rawurldecode( (string)substr( $path, strlen( self::BASE_PATH ) ) );
		// Kask's problem instance is the decoded request path
		$instance = rawurldecode( $path );
		$notFound = self::problem(
			404, 'not_found', 'Not found', 'The value you requested was not found', $instance
		);
		if (
			strpos( $path, self::BASE_PATH ) !== 0 || $key === '' || strpos( $key, '/' ) !== false
		) {
			return $notFound;
		}
		$headers = $req['headers'] ?? [];
		$exists = isset( $this->stored[$key] );
		$maxAge = null;
		if ( $this->extensions && isset( $headers['cache-control'] ) ) {
			if ( !preg_match( '/^max-age=([1-9][0-9]{0,9})$/', $headers['cache-control'], $m ) ) {
				return self::problem(
					400, 'bad_request', 'Bad request', 'Malformed Cache-Control', $instance
				);
			}
			$maxAge = (int)$m[1];
		}
		switch ( $this->extensions ? $req['method'] : "Kask {$req['method']}" ) {
			case 'GET':
			case 'Kask GET':
				if ( !$exists ) {
					return $notFound;
				}
				$responseHeaders = [ 'content-type' => 'application/octet-stream' ];
				if ( $this->extensions ) {
					$responseHeaders['etag'] = self::etag( $this->stored[$key] );
					$responseHeaders['kask-ttl'] = (string)( $this->ttls[$key] ?? $this->defaultTtl );
				}
				return self::response( 200, $this->stored[$key], $responseHeaders );
			case 'POST':
				if ( !$this->ifMatchAccepts( $headers, $key ) ) {
					return self::problem(
						412, 'precondition_failed', 'Precondition failed', '', $instance
					);
				}
				// Fall through
			case 'Kask POST':
				$this->stored[$key] = $req['body'];
				$this->ttls[$key] = $maxAge;
				return self::response( 201 );
			case 'PUT':
				if ( $exists ) {
					return self::problem(
						409, 'conflict', 'Conflict', 'The key already has a value', $instance
					);
				}
				$this->stored[$key] = $req['body'];
				$this->ttls[$key] = $maxAge;
				return self::response( 201 );
			case 'PATCH':
				if ( $maxAge === null || ( $req['body'] ?? '' ) !== '' ) {
					return self::problem( 400, 'bad_request', 'Bad request', 'PATCH', $instance );
				}
				if ( !$exists ) {
					return $notFound;
				}
				$this->ttls[$key] = $maxAge;
				return self::response( 204 );
			case 'DELETE':
				if ( !$this->ifMatchAccepts( $headers, $key ) ) {
					return self::problem(
						412, 'precondition_failed', 'Precondition failed', '', $instance
					);
				}
				// Fall through
			case 'Kask DELETE':
				unset( $this->stored[$key], $this->ttls[$key] );
				return self::response( 204 );
			default:
				return self::problem( 405, 'method_not_allowed', 'Method not allowed', '', $instance );
		}
	}
}
