<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use InvalidArgumentException;
use MultiHttpClient;
use RuntimeException;

/**
 * A MultiHttpClient that presents a TLS client certificate, for a kask-ts that requires one
 * (its `tls.client_ca`) and names its clients' permissions (`clients`).
 *
 * MediaWiki's MultiHttpClient verifies the server (caBundlePath) but has no option for a client
 * certificate (1.39 to 1.43): this adds cURL's CURLOPT_SSLCERT and CURLOPT_SSLKEY to each handle
 * it makes. Requires PHP's curl extension, since MultiHttpClient's fallback without it cannot
 * present a certificate; without the two options it is a MultiHttpClient as it is.
 */
class ClientCertificateHttpClient extends MultiHttpClient {
	/** @var string|null PEM certificate (chain) file */
	private $clientCert;

	/** @var string|null PEM private key file */
	private $clientKey;

	/**
	 * @param array $options MultiHttpClient's, plus:
	 *   - clientCert: PEM file of the client certificate (with clientKey)
	 *   - clientKey: PEM file of its private key, unencrypted (with clientCert)
	 * @throws InvalidArgumentException With only one of the two, or a file that cannot be read
	 * @throws RuntimeException Without PHP's curl extension
	 */
	public function __construct( array $options ) {
		$this->clientCert = $options['clientCert'] ?? null;
		$this->clientKey = $options['clientKey'] ?? null;
		unset( $options['clientCert'], $options['clientKey'] );
		if ( ( $this->clientCert === null ) !== ( $this->clientKey === null ) ) {
			throw new InvalidArgumentException( 'clientCert and clientKey must be given together' );
		}
		foreach ( [ $this->clientCert, $this->clientKey ] as $file ) {
			if ( $file !== null && !is_readable( $file ) ) {
				throw new InvalidArgumentException( "Cannot read the client certificate file $file" );
			}
		}
		if ( $this->clientCert !== null && !$this->isCurlEnabled() ) {
			throw new RuntimeException( 'A client certificate needs PHP\'s curl extension' );
		}
		parent::__construct( $options );
	}

	/** @inheritDoc */
	protected function getCurlHandle( array &$req, array $opts ) {
		$handle = parent::getCurlHandle( $req, $opts );
		if ( $this->clientCert !== null ) {
			curl_setopt( $handle, CURLOPT_SSLCERT, $this->clientCert );
			curl_setopt( $handle, CURLOPT_SSLKEY, $this->clientKey );
		}
		return $handle;
	}
}
