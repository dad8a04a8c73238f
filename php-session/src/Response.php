<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

/** One answer of the server: its status, its headers (names in lower case) and its body. */
final class Response {
	public int $status;

	/** @var array<string,string> */
	public array $headers;

	public string $body;

	/**
	 * @param int $status
	 * @param array<string,string> $headers
	 * @param string $body
	 */
	public function __construct( int $status, array $headers, string $body ) {
		$this->status = $status;
		$this->headers = $headers;
		$this->body = $body;
	}

	/** The ETag of the value, when the answer has one */
	public function etag(): ?string {
		return $this->headers['etag'] ?? null;
	}
}
