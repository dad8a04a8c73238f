<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

/**
 * A kask-ts server of the repository (`node server/dist/cli.js`, built by `npm run build`) on
 * 127.0.0.1 and a free port, with its embedded store in a temporary directory; it can be stopped
 * and started again on the same port and store, as in an outage. With TLS, its certificate and a
 * client's are made by openssl (make_test_pki of mediawiki-extension/bin/lib.sh), and it requires
 * a client certificate (tls.client_ca).
 */
final class KaskServer {
	/** Milliseconds the server keeps an idle connection */
	public const KEEP_ALIVE_MS = 1000;

	private Process $process;

	private string $dir;

	public string $baseUrl;

	private string $origin;

	public ?string $caFile = null;

	/** With TLS: the client certificate every request must present, and its key */
	public ?string $clientCert = null;

	public ?string $clientKey = null;

	/**
	 * @param bool $tls Whether to serve HTTPS
	 */
	public function __construct( bool $tls = false ) {
		$this->dir = sys_get_temp_dir() . '/kask-php-session-' . bin2hex( random_bytes( 6 ) );
		mkdir( $this->dir );
		$port = Process::freePort();
		$repo = dirname( __DIR__, 2 );
		// keep_alive_timeout_ms: idle connections closed soon, so that tests see kept ones replaced
		$config = "listen_address: 127.0.0.1\nlisten_port: $port\nbase_uri: /sessions/v1/\nworkers: 1\n"
			. "log_level: warning\nmax_ttl: 0\nkeep_alive_timeout_ms: " . self::KEEP_ALIVE_MS . "\n"
			. "storage: embedded\nembedded:\n  path: $this->dir/data\n";
		if ( $tls ) {
			exec( 'bash -c ' . escapeshellarg( "source $repo/mediawiki-extension/bin/lib.sh && make_test_pki $this->dir" ),
				$output, $status );
			$config .= "tls:\n  cert: $this->dir/server.pem\n  key: $this->dir/server.key\n  client_ca: $this->dir/ca.pem\n";
			$this->caFile = "$this->dir/ca.pem";
			$this->clientCert = "$this->dir/client.pem";
			$this->clientKey = "$this->dir/client.key";
		}
		file_put_contents( "$this->dir/config.yaml", $config );
		$this->origin = ( $tls ? 'https' : 'http' ) . "://127.0.0.1:$port";
		$this->baseUrl = "$this->origin/sessions/v1/";
		$this->process = new Process( [ 'node', "$repo/server/dist/cli.js", '--config', "$this->dir/config.yaml" ],
			[], "$this->dir/server.log", "$this->origin/healthz", $this->tlsContext() );
		$this->process->start();
	}

	/** @return array<string,string|null> Stream context `ssl` options of a client it accepts */
	private function tlsContext(): array {
		return [ 'cafile' => $this->caFile, 'local_cert' => $this->clientCert, 'local_pk' => $this->clientKey ];
	}

	public function start(): void {
		$this->process->start();
	}

	public function stop(): void {
		$this->process->stop();
	}

	/** Stops the server and removes its store */
	public function remove(): void {
		$this->process->stop();
		exec( 'rm -rf ' . escapeshellarg( $this->dir ) );
	}

	/**
	 * @return array<string,int> Requests answered on the session route so far, by method
	 *   (http_requests_total, every status)
	 */
	public function requestsByMethod(): array {
		$counts = [];
		$metrics = file_get_contents( "$this->origin/metrics", false, stream_context_create( [ 'ssl' => $this->tlsContext() ] ) );
		preg_match_all( '/^http_requests_total\{([^}]*)\} (\d+)/m', $metrics, $matches, PREG_SET_ORDER );
		foreach ( $matches as [ , $labels, $count ] ) {
			if ( preg_match( '/method="(\w+)"/', $labels, $method ) ) {
				$counts[$method[1]] = ( $counts[$method[1]] ?? 0 ) + (int)$count;
			}
		}
		return $counts;
	}
}
