<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use MultiHttpClient;

/**
 * A MultiHttpClient that sends nothing: it records each batch given to runMulti() (run() goes
 * through runMulti() too) and answers every request with a handler. Without a handler it behaves
 * like a Kask server over an in-memory map, so a test can read back what a client wrote.
 */
class FakeHttpClient extends MultiHttpClient {
	/** @var array[][] Each runMulti() call's list of requests, in order */
	public $batches = [];

	/** @var array<string,string> Map of (decoded key => stored bytes) of the in-memory server */
	public $stored = [];

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

	/** @inheritDoc */
	public function runMulti( array $reqs, array $opts = [] ) {
		$this->batches[] = $reqs;
		foreach ( $reqs as $index => $req ) {
			$reqs[$index]['response'] = $this->handler
				? ( $this->handler )( $req )
				: $this->serve( $req );
		}
		return $reqs;
	}

	/**
	 * @return array[] Every request sent, in order
	 */
	public function requests(): array {
		return array_merge( [], ...$this->batches );
	}

	/**
	 * The in-memory Kask server.
	 *
	 * @param array $req
	 * @return array
	 */
	private function serve( array $req ): array {
		$path = (string)parse_url( $req['url'], PHP_URL_PATH );
		$segment = substr( $path, strrpos( $path, '/' ) + 1 );
		$key = rawurldecode( $segment );
		// Kask's problem instance is the decoded request path
		$instance = rawurldecode( $path );
		switch ( $req['method'] ) {
			case 'GET':
				if ( !isset( $this->stored[$key] ) ) {
					return self::problem(
						404, 'not_found', 'Not found', 'The value you requested was not found', $instance
					);
				}
				return self::response(
					200, $this->stored[$key], [ 'content-type' => 'application/octet-stream' ]
				);
			case 'POST':
				$this->stored[$key] = $req['body'];
				return self::response( 201 );
			case 'DELETE':
				unset( $this->stored[$key] );
				return self::response( 204 );
			default:
				return self::problem( 405, 'method_not_allowed', 'Method not allowed', '', $instance );
		}
	}
}
