<?php
/**
 * Prints, for each locking mode, what 20 requests at once on one session kept (each adds one
 * variable to a session that has one) and how long they took, through PHP's built-in server with
 * 20 workers and a kask-ts server of its own (see tests/ConcurrentAdds.php); then the cost of the
 * mode without contention: milliseconds and requests to the store per PHP request, 20 requests
 * one after the other.
 *
 * Usage: php bin/concurrency.php (from the package's directory; node and server/dist/cli.js needed)
 *
 * @license Apache-2.0
 * @file
 */

use KaskTs\PhpSession\Options;
use KaskTs\PhpSession\Tests\ConcurrentAdds;
use KaskTs\PhpSession\Tests\KaskServer;

require_once dirname( __DIR__ ) . '/tests/bootstrap.php';

printf( "%-11s %-10s %-9s %-12s %-14s %s\n", 'locking', 'keys kept', 'seconds', 'statuses', 'alone: ms/req',
	'store req/req' );
foreach ( Options::LOCKING_MODES as $locking ) {
	$kask = new KaskServer();
	try {
		$result = ConcurrentAdds::run( $kask, $locking );
	} finally {
		$kask->remove();
	}
	$statuses = [];
	foreach ( $result['statuses'] as $status => $count ) {
		$statuses[] = "$count x $status";
	}
	printf( "%-11s %-10s %-9.2f %-12s %-14.1f %.1f\n", $locking, "{$result['kept']} of {$result['expected']}",
		$result['seconds'], implode( ', ', $statuses ), $result['sequentialMs'], $result['storeRequests'] );
}
printf( "(each request works %d ms with the session open)\n", ConcurrentAdds::WORK_MS );
