<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests\Unit;

use KaskTs\PhpSession\HttpClient;
use KaskTs\PhpSession\Options;
use KaskTs\PhpSession\StoreUnavailable;
use PHPUnit\Framework\TestCase;

/**
 * Connections, against a server forked from the test that answers each request with the number
 * of the connection it came on.
 *
 * @covers \KaskTs\PhpSession\HttpClient
 */
class HttpClientTest extends TestCase {
	private int $serverPid = 0;

	private string $baseUrl;

	protected function tearDown(): void {
		if ( $this->serverPid ) {
			posix_kill( $this->serverPid, SIGKILL );
			pcntl_waitpid( $this->serverPid, $status );
		}
		parent::tearDown();
	}

	/**
	 * Forks the server, on 127.0.0.1 and a free port.
	 *
	 * @param float $firstAnswerDelay Seconds before the first answer
	 */
	private function startServer( float $firstAnswerDelay = 0 ): void {
		$server = stream_socket_server( 'tcp://127.0.0.1:0' );
		$this->baseUrl = 'http://' . stream_socket_get_name( $server, false ) . '/s/';
		$this->serverPid = pcntl_fork();
		if ( $this->serverPid === 0 ) {
			self::serve( $server, $firstAnswerDelay );
		}
		fclose( $server );
	}

	/**
	 * @param resource $server
	 * @param float $firstAnswerDelay
	 * @return never Runs until killed
	 */
	private static function serve( $server, float $firstAnswerDelay ) {
		$connections = [];
		$accepted = 0;
		$answered = 0;
		for ( ;; ) {
			$read = array_merge( [ $server ], $connections );
			$none = [];
			stream_select( $read, $none, $none, 1 );
			foreach ( $read as $stream ) {
				if ( $stream === $server ) {
					$connections[++$accepted] = stream_socket_accept( $server );
					continue;
				}
				$number = (string)array_search( $stream, $connections, true );
				if ( (string)fread( $stream, 8192 ) === '' ) {
					fclose( $stream );
					unset( $connections[$number] );
					continue;
				}
				if ( $answered++ === 0 ) {
					usleep( (int)( $firstAnswerDelay * 1e6 ) );
				}
				fwrite( $stream, "HTTP/1.1 200 OK\r\nContent-Length: " . strlen( $number ) . "\r\n\r\n$number" );
			}
		}
	}

	private function client( bool $persistent, float $timeout = 2 ): HttpClient {
		return new HttpClient( Options::fromArray( [ 'base_url' => $this->baseUrl, 'persistent' => $persistent,
			'timeout' => $timeout ] ) );
	}

	public function testAPersistentConnectionServesLaterClientsOfTheProcess(): void {
		$this->startServer();

		$this->assertSame( '1', $this->client( true )->request( 'GET', 'k' )->body );
		$this->assertSame( '1', $this->client( true )->request( 'GET', 'k' )->body );
	}

	public function testAClientWhoseSharedConnectionAnotherClosedConnectsAgain(): void {
		$this->startServer();
		$first = $this->client( true );
		$second = $this->client( true );
		$first->request( 'GET', 'k' );
		$second->request( 'GET', 'k' );
		// e.g. after a timeout or a Connection: close met by another handler of the process
		$first->close();

		$this->assertSame( '2', $second->request( 'GET', 'k' )->body );
	}

	public function testWithoutPersistenceEachClientConnects(): void {
		$this->startServer();
		$first = $this->client( false );
		$first->request( 'GET', 'k' );
		$first->close();

		$this->assertSame( '2', $this->client( false )->request( 'GET', 'k' )->body );
	}

	public function testOneClientKeepsItsConnectionForSeveralRequests(): void {
		$this->startServer();
		$client = $this->client( false );

		$this->assertSame( [ '1', '1' ], [ $client->request( 'GET', 'a' )->body, $client->request( 'POST', 'b' )->body ] );
	}

	public function testAfterATimeoutTheLateAnswerIsNeverRead(): void {
		$this->startServer( 0.5 );
		$client = $this->client( true, 0.2 );
		try {
			$client->request( 'GET', 'k' );
			$this->fail( 'no timeout' );
		} catch ( StoreUnavailable $e ) {
			$this->assertStringContainsString( 'timed out', $e->getMessage() );
		}
		usleep( 600000 );

		$this->assertSame( '2', $this->client( true )->request( 'GET', 'k' )->body, 'a new connection' );
	}

	public function testATlsFailureSaysWhy(): void {
		$this->startServer();
		// NOTE: a readable file that is no certificate: refused after the TCP connection, before the handshake
		$client = new HttpClient( Options::fromArray( [ 'base_url' => str_replace( 'http:', 'https:', $this->baseUrl ),
			'client_cert' => __FILE__, 'client_key' => __FILE__, 'persistent' => false ] ) );
		try {
			$client->request( 'GET', 'k' );
			$this->fail( 'connected' );
		} catch ( StoreUnavailable $e ) {
			$this->assertStringContainsString( 'local cert', $e->getMessage() );
		}
	}

	public function testTheKeyIsOnePathSegmentAndNeverInAnError(): void {
		$client = new HttpClient( Options::fromArray( [ 'base_url' => 'http://127.0.0.1:1/s/' ] ) );
		try {
			$client->request( 'GET', 'secret/id' );
			$this->fail( 'connected to port 1' );
		} catch ( StoreUnavailable $e ) {
			$this->assertStringNotContainsString( 'secret', $e->getMessage() );
		}
	}
}
