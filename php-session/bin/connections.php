<?php
/**
 * Prints what a kept (persistent) connection saves: 40 PHP requests one after the other, each
 * making one GET of the store through a new HttpClient, on one PHP worker, over HTTP and over TLS,
 * (with a client certificate) with `persistent` on and off: the GET's milliseconds (median, 90th
 * percentile) and the connections opened (a TLS handshake each).
 *
 * Usage: php bin/connections.php (from the package's directory; node, openssl and
 * server/dist/cli.js needed)
 *
 * @license Apache-2.0
 * @file
 */

use KaskTs\PhpSession\Tests\KaskServer;
use KaskTs\PhpSession\Tests\PhpWebServer;

require_once dirname( __DIR__ ) . '/tests/bootstrap.php';

const REQUESTS = 40;

/**
 * @param float[] $values
 * @param float $fraction
 * @return float
 */
function percentile( array $values, float $fraction ): float {
	sort( $values );
	return $values[(int)floor( $fraction * ( count( $values ) - 1 ) )];
}

printf( "%-6s %-11s %-10s %-10s %s\n", 'scheme', 'persistent', 'median ms', 'p90 ms', 'connections (handshakes)' );
foreach ( [ false, true ] as $tls ) {
	$kask = new KaskServer( $tls );
	try {
		foreach ( [ '0', '1' ] as $persistent ) {
			$query = http_build_query( [ 'persistent' => $persistent, 'ca_file' => $kask->caFile,
				'client_cert' => $kask->clientCert, 'client_key' => $kask->clientKey ] );
			$web = new PhpWebServer( "$kask->baseUrl?$query", [], 1 );
			$url = $web->scriptUrl( 'latency.php' );
			$times = [];
			$connections = [];
			try {
				for ( $i = 0; $i < REQUESTS; $i++ ) {
					$answer = json_decode( (string)file_get_contents( $url ), true );
					$times[] = $answer['ms'];
					$connections[$answer['connection']] = true;
				}
			} finally {
				$web->stop();
			}
			printf( "%-6s %-11s %-10.2f %-10.2f %d of %d requests\n", $tls ? 'https' : 'http', $persistent ? 'yes' : 'no',
				percentile( $times, 0.5 ), percentile( $times, 0.9 ), count( $connections ), REQUESTS );
		}
	} finally {
		$kask->remove();
	}
}
