<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

use KaskTs\PhpSession\HttpClient;
use KaskTs\PhpSession\Options;
use KaskTs\PhpSession\Response;

/**
 * An HttpClient that sends nothing: each request is recorded (`METHOD key`, with its headers and
 * body) and answered by a callable.
 */
final class FakeHttpClient extends HttpClient {
	/** @var array<int,array{0:string,1:array<string,string>,2:string}> */
	public array $requests = [];

	/** @var callable(string,string,array<string,string>,string):Response */
	private $answer;

	/**
	 * @param Options $options
	 * @param callable(string,string,array<string,string>,string):Response $answer Gets the
	 *   method, the key, the headers and the body; may throw StoreUnavailable
	 */
	public function __construct( Options $options, callable $answer ) {
		parent::__construct( $options );
		$this->answer = $answer;
	}

	/** @inheritDoc */
	public function request( string $method, string $key, array $headers = [], string $body = '' ): Response {
		$this->requests[] = [ "$method $key", $headers, $body ];
		return ( $this->answer )( $method, $key, $headers, $body );
	}

	/** @return string[] `METHOD key` of each request, in order */
	public function sent(): array {
		return array_column( $this->requests, 0 );
	}
}
