<?php
/**
 * Prints, as a markdown table, the HTTP requests each BagOStuff operation sends to a real server
 * with KaskBagOStuff (Kask's API: the emulation) and KaskTsBagOStuff (kask-ts's extensions). The operations are those of tests/phpunit/WireScenarios.php, whose
 * expected counts the unit and integration tests check.
 *
 * Usage: KASK_BASE_URL=http://127.0.0.1:8081/sessions/v1/ php bin/request-counts.php
 * (the server must be kask-ts; keys are random and left to expire).
 *
 * @license Apache-2.0
 * @file
 */

require_once dirname( __DIR__ ) . '/tests/phpunit/bootstrap.php';

use MediaWiki\Extension\KaskStore\Tests\RecordingHttpClient;
use MediaWiki\Extension\KaskStore\Tests\WireScenarios;

$url = getenv( 'KASK_BASE_URL' );
if ( !$url ) {
	fwrite( STDERR, "KASK_BASE_URL must be the session route of a running kask-ts server\n" );
	exit( 1 );
}

/**
 * @param string[] $methods
 * @return string
 */
function describe( array $methods ): string {
	return count( $methods ) . ( $methods ? ': ' . implode( ', ', $methods ) : '' );
}

echo "| operation | KaskBagOStuff (emulated, any Kask) | KaskTsBagOStuff (kask-ts) |\n";
echo "|---|---|---|\n";
foreach ( array_keys( WireScenarios::all() ) as $name ) {
	$row = [ $name ];
	foreach ( WireScenarios::CLASSES as $class ) {
		$key = 'kaskstore_request_counts:' . bin2hex( random_bytes( 8 ) );
		$client = new RecordingHttpClient( [] );
		$bag = new $class( [ 'url' => $url, 'client' => $client ] );
		$row[] = describe( WireScenarios::methodsOf( $name, $bag, $client, $key ) );
	}
	echo "| `{$row[0]}` | {$row[1]} | {$row[2]} |\n";
}
