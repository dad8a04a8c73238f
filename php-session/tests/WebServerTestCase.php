<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession\Tests;

use KaskTs\PhpSession\HttpClient;
use KaskTs\PhpSession\Options;
use PHPUnit\Framework\TestCase;

/**
 * Base of the tests through a web server: one kask-ts server for the class, web servers started
 * by each test and stopped after it.
 */
abstract class WebServerTestCase extends TestCase {
	protected static KaskServer $kask;

	/** @var PhpWebServer[] */
	private array $webServers = [];

	public static function setUpBeforeClass(): void {
		self::$kask = new KaskServer();
	}

	public static function tearDownAfterClass(): void {
		self::$kask->remove();
	}

	protected function tearDown(): void {
		foreach ( $this->webServers as $server ) {
			$server->stop();
		}
		parent::tearDown();
	}

	/**
	 * @param string $options The query string of session.save_path
	 * @param array<string,string> $ini
	 * @param int $workers
	 * @return PhpWebServer
	 */
	protected function webServer( string $options = '', array $ini = [], int $workers = 4 ): PhpWebServer {
		$server = new PhpWebServer( self::$kask->baseUrl . "?$options", $ini, $workers );
		$this->webServers[] = $server;
		return $server;
	}

	/** A client of the store itself, bypassing the handler */
	protected static function store(): HttpClient {
		return new HttpClient( Options::fromArray( [ 'base_url' => self::$kask->baseUrl, 'persistent' => false ] ) );
	}
}
