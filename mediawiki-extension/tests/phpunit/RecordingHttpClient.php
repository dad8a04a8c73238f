<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use MediaWiki\Extension\KaskStore\ClientCertificateHttpClient;

/**
 * A MultiHttpClient (one that can present a client certificate) that records each batch given to runMulti() (run() goes through runMulti()
 * too) before sending it: what a BagOStuff puts on the wire, request by request.
 */
class RecordingHttpClient extends ClientCertificateHttpClient {
	/** @var array[][] Each runMulti() call's list of requests, in order */
	public $batches = [];

	/** @var array[] Each runMulti() call's options, in order */
	public $batchOptions = [];

	/** @inheritDoc */
	public function runMulti( array $reqs, array $opts = [] ) {
		$this->batches[] = $reqs;
		$this->batchOptions[] = $opts;
		return $this->send( $reqs, $opts );
	}

	/**
	 * Answer a batch; this class sends it for real.
	 *
	 * @param array[] $reqs
	 * @param array $opts
	 * @return array[] $reqs with their responses
	 */
	protected function send( array $reqs, array $opts ): array {
		return parent::runMulti( $reqs, $opts );
	}

	/**
	 * @return array[] Every request sent, in order
	 */
	public function requests(): array {
		return array_merge( [], ...$this->batches );
	}

	/**
	 * @return string[] The method of every request sent, in order
	 */
	public function methods(): array {
		return array_column( $this->requests(), 'method' );
	}

	/**
	 * @return string[] Every request sent, in order, as its method and, for a conditional one,
	 *  what it was conditional on: "DELETE (If-Match: *)", "POST (If-Match: ETag)"
	 */
	public function conditionalMethods(): array {
		return array_map( static function ( array $req ): string {
			$ifMatch = array_change_key_case( $req['headers'] ?? [] )['if-match'] ?? null;
			if ( $ifMatch === null ) {
				return $req['method'];
			}
			return $req['method'] . ' (If-Match: ' . ( $ifMatch === '*' ? '*' : 'ETag' ) . ')';
		}, $this->requests() );
	}

	/**
	 * Forget what was recorded so far.
	 */
	public function clear(): void {
		$this->batches = [];
		$this->batchOptions = [];
	}
}
