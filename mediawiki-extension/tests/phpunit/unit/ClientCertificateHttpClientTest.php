<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\Unit;

use InvalidArgumentException;
use MediaWiki\Extension\KaskStore\ClientCertificateHttpClient;
use MediaWiki\Extension\KaskStore\KaskTransport;
use PHPUnit\Framework\TestCase;

/**
 * What a server requiring client certificates does with them is tested by the integration suite,
 * which bin/test.sh runs once against such a server.
 *
 * @covers \MediaWiki\Extension\KaskStore\ClientCertificateHttpClient
 * @covers \MediaWiki\Extension\KaskStore\KaskTransport::newClient
 */
class ClientCertificateHttpClientTest extends TestCase {
	public function testACertificateWithoutItsKeyIsRefused() {
		$this->expectException( InvalidArgumentException::class );
		$this->expectExceptionMessage( 'clientCert and clientKey must be given together' );
		new ClientCertificateHttpClient( [ 'clientCert' => __FILE__ ] );
	}

	public function testAnUnreadableFileIsRefusedWhenTheClientIsMade() {
		$this->expectException( InvalidArgumentException::class );
		$this->expectExceptionMessage( 'Cannot read the client certificate file /nonexistent/key.pem' );
		new ClientCertificateHttpClient( [ 'clientCert' => __FILE__, 'clientKey' => '/nonexistent/key.pem' ] );
	}

	public function testTheTransportsClientTakesTheCertificateParameters() {
		$this->expectException( InvalidArgumentException::class );
		KaskTransport::newClient( [ 'clientKey' => __FILE__ ] );
	}
}
