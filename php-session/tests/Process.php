<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

use RuntimeException;

/**
 * A server process the tests start on a free loopback port, wait for, and stop by its pid
 * (SIGTERM, then SIGKILL after 10 s). Its output goes to a log file, shown when it fails to start.
 */
final class Process {
	/** @var resource|null */
	private $process = null;

	private string $log;

	/**
	 * @param string[] $command
	 * @param array<string,string> $env Added to this process's environment
	 * @param string $log File for the output
	 * @param string $readyUrl Answers 2xx once the server serves
	 * @param array<string,mixed> $ssl Stream context `ssl` options to reach $readyUrl
	 * @param bool $group Run it as a process group of its own, and stop the whole group: PHP's
	 *  built-in web server leaves its PHP_CLI_SERVER_WORKERS running when only it is stopped
	 */
	public function __construct(
		private array $command,
		private array $env,
		string $log,
		private string $readyUrl,
		private array $ssl = [],
		private bool $group = false
	) {
		$this->log = $log;
	}

	/** @return int A TCP port on 127.0.0.1 that nothing listens on right now */
	public static function freePort(): int {
		$socket = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name = stream_socket_get_name( $socket, false );
		fclose( $socket );
		return (int)substr( $name, strrpos( $name, ':' ) + 1 );
	}

	/** Starts the process and waits (at most 30 s) until its ready URL answers */
	public function start(): void {
		// setsid (util-linux) makes the command the leader of a new process group, whose id is its pid
		$command = $this->group ? array_merge( [ 'setsid' ], $this->command ) : $this->command;
		$this->process = proc_open( $command, [ 0 => [ 'file', '/dev/null', 'r' ],
			1 => [ 'file', $this->log, 'a' ], 2 => [ 'file', $this->log, 'a' ] ], $pipes, null,
			$this->env + getenv() );
		$context = stream_context_create( [ 'http' => [ 'timeout' => 1 ], 'ssl' => $this->ssl ] );
		for ( $deadline = microtime( true ) + 30; microtime( true ) < $deadline; usleep( 100000 ) ) {
			if ( !proc_get_status( $this->process )['running'] ) {
				break;
			}
			if ( @file_get_contents( $this->readyUrl, false, $context ) !== false ) {
				return;
			}
		}
		$this->stop();
		throw new RuntimeException( implode( ' ', $this->command ) . " did not start:\n"
			. implode( "\n", array_slice( file( $this->log ) ?: [], -20 ) ) );
	}

	/** Stops the process (and waits for it) */
	public function stop(): void {
		if ( $this->process === null ) {
			return;
		}
		$pid = proc_get_status( $this->process )['pid'];
		// A negative pid signals the process group
		$target = $this->group ? -$pid : $pid;
		posix_kill( $target, SIGTERM );
		for ( $i = 0; $i < 100 && proc_get_status( $this->process )['running']; $i++ ) {
			usleep( 100000 );
		}
		if ( proc_get_status( $this->process )['running'] ) {
			posix_kill( $target, SIGKILL );
		}
		proc_close( $this->process );
		if ( $this->group ) {
			// The workers are not the leader's children to wait for: the group is gone once signalled
			posix_kill( $target, SIGKILL );
		}
		$this->process = null;
	}
}
