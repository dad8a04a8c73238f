<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

/**
 * The concurrency harness: a session with one variable, then N requests at once on it, each
 * adding one variable after `work_ms` of work, through PHP's built-in server with N workers; then,
 * for the cost of a mode without contention, N such requests one after the other on a new session.
 */
final class ConcurrentAdds {
	/** Milliseconds each request works with the session open, so that they overlap */
	public const WORK_MS = 20;

	/**
	 * @param KaskServer $kask
	 * @param string $locking The handler's locking mode
	 * @param int $requests
	 * @return array{kept:int,expected:int,seconds:float,statuses:array<int,int>,sequentialMs:float,
	 *   storeRequests:float} storeRequests: requests to the store per request, one after the other
	 */
	public static function run( KaskServer $kask, string $locking, int $requests = 20 ): array {
		$web = new PhpWebServer( "$kask->baseUrl?locking=$locking&max_waiters=$requests", [], $requests );
		try {
			$browser = new Browser( $web->url );
			$browser->get( 'add=first' );
			$queries = [];
			for ( $i = 1; $i <= $requests; $i++ ) {
				$queries[] = "add=k$i&work_ms=" . self::WORK_MS;
			}
			$start = microtime( true );
			$answers = $browser->parallel( $queries );
			$seconds = microtime( true ) - $start;

			$sequential = new Browser( $web->url );
			$sequential->get( 'add=first' );
			$before = array_sum( $kask->requestsByMethod() );
			$sequentialStart = microtime( true );
			foreach ( $queries as $query ) {
				$sequential->get( $query );
			}
			$sequentialSeconds = microtime( true ) - $sequentialStart;
			return [
				'kept' => count( $browser->keys() ),
				'expected' => $requests + 1,
				'seconds' => $seconds,
				'statuses' => array_count_values( array_column( $answers, 'status' ) ),
				'sequentialMs' => 1000 * $sequentialSeconds / $requests,
				'storeRequests' => ( array_sum( $kask->requestsByMethod() ) - $before ) / $requests,
			];
		} finally {
			$web->stop();
		}
	}
}
