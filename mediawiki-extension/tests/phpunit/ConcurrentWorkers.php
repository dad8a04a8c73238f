<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use RuntimeException;

/**
 * Starts several PHP processes (workers/contend.php) that run the same task on the same key at
 * the same instant, each with a KaskBagOStuff of its own, and collects what each one reports.
 *
 * The start is a barrier, not a clock: each process says "ready" once booted, and all are
 * released together by a line on their stdin, however slowly a loaded machine started them.
 */
final class ConcurrentWorkers {
	/** Seconds to wait for all of them to be ready, then to finish */
	private const TIMEOUT = 60;

	/**
	 * @param int $processes How many
	 * @param array $job url, class, task, key, and for some tasks repeat (see contend.php)
	 * @return array[] Each process's report, in the order they were started
	 * @throws RuntimeException When a process fails or the processes time out
	 */
	public static function run( int $processes, array $job ): array {
		$script = __DIR__ . '/workers/contend.php';
		$deadline = microtime( true ) + self::TIMEOUT;
		$workers = [];
		try {
			for ( $i = 0; $i < $processes; $i++ ) {
				$command = [ PHP_BINARY, $script, json_encode( $job + [ 'worker' => $i ] ) ];
				$pipes = [];
				$process = proc_open(
					$command, [ [ 'pipe', 'r' ], [ 'pipe', 'w' ], [ 'pipe', 'w' ] ], $pipes
				);
				if ( !is_resource( $process ) ) {
					throw new RuntimeException( 'proc_open failed' );
				}
				$workers[$i] = [ $process, $pipes ];
			}
			foreach ( $workers as $i => [ , $pipes ] ) {
				$line = self::readLine( $pipes[1], $deadline );
				if ( $line !== "ready\n" ) {
					throw new RuntimeException( "worker $i is not ready: $line" .
						stream_get_contents( $pipes[2] ) );
				}
			}
			// The start: release every process at once
			foreach ( $workers as [ , $pipes ] ) {
				fwrite( $pipes[0], "go\n" );
				fflush( $pipes[0] );
			}
			$reports = [];
			foreach ( $workers as $i => [ , $pipes ] ) {
				$line = self::readLine( $pipes[1], $deadline );
				$report = json_decode( $line, true );
				if ( !is_array( $report ) ) {
					throw new RuntimeException( "worker $i failed: $line" .
						stream_get_contents( $pipes[2] ) );
				}
				$reports[$i] = $report;
			}
			return $reports;
		} finally {
			foreach ( $workers as [ $process, $pipes ] ) {
				foreach ( $pipes as $pipe ) {
					fclose( $pipe );
				}
				// Only the processes this method started; a no-op for those that exited
				proc_terminate( $process, 9 );
				proc_close( $process );
			}
		}
	}

	/**
	 * @param resource $pipe
	 * @param float $deadline
	 * @return string A line, with its "\n"; '' at end of file
	 * @throws RuntimeException At the deadline
	 */
	private static function readLine( $pipe, float $deadline ): string {
		$line = '';
		while ( substr( $line, -1 ) !== "\n" ) {
			$read = [ $pipe ];
			$write = $except = null;
			$left = $deadline - microtime( true );
			if ( $left <= 0 ) {
				throw new RuntimeException( 'workers still running after ' . self::TIMEOUT . ' s' );
			}
			if ( stream_select( $read, $write, $except, 0, (int)min( $left * 1e6, 200000 ) ) ) {
				$chunk = fgets( $pipe );
				if ( $chunk === false ) {
					return $line;
				}
				$line .= $chunk;
			}
		}
		return $line;
	}
}
