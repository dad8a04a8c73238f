<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

/**
 * PHP's built-in web server with worker processes (PHP_CLI_SERVER_WORKERS) on 127.0.0.1 and a
 * free port, serving tests/www with the handler wired from php.ini settings alone
 * (auto_prepend_file = register.php, session.save_path = the store's URL and options).
 */
final class PhpWebServer {
	private Process $process;

	private string $log;

	/** The URL of session.php */
	public string $url;

	private string $origin;

	/**
	 * @param string $savePath session.save_path
	 * @param array<string,string> $ini Other php.ini settings
	 * @param int $workers
	 */
	public function __construct( string $savePath, array $ini = [], int $workers = 20 ) {
		$port = Process::freePort();
		$this->origin = "http://127.0.0.1:$port";
		$this->url = $this->scriptUrl( 'session.php' );
		$command = [ PHP_BINARY, '-S', "127.0.0.1:$port", '-t', __DIR__ . '/www' ];
		$ini += [
			'auto_prepend_file' => dirname( __DIR__ ) . '/register.php',
			'session.save_path' => $savePath,
			'max_execution_time' => '30',
			'log_errors' => '1',
			'display_errors' => '0',
		];
		foreach ( $ini as $name => $value ) {
			array_push( $command, '-d', "$name=\"$value\"" );
		}
		$this->log = tempnam( sys_get_temp_dir(), 'php-web-server-' );
		$this->process = new Process( $command, [ 'PHP_CLI_SERVER_WORKERS' => (string)$workers ], $this->log,
			"$this->url?ping", [], true );
		$this->process->start();
	}

	/** The URL of a script of tests/www */
	public function scriptUrl( string $script ): string {
		return "$this->origin/$script";
	}

	/** The server's output so far (its access lines and PHP's error log) */
	public function log(): string {
		return (string)file_get_contents( $this->log );
	}

	public function stop(): void {
		$this->process->stop();
		unlink( $this->log );
	}
}
