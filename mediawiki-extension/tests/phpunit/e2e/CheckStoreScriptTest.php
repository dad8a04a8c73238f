<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests\E2E;

use PHPUnit\Framework\TestCase;

/**
 * maintenance/checkStore.php on a real MediaWiki (1.39 or 1.43) with the extension loaded and
 * `$wgSessionCacheType = 'kask'`: it passes against the wiki's kask-ts server, and fails with
 * status 1, saying why, when the settings point at a closed port.
 *
 * bin/e2e-login.sh installs the wiki and sets the environment this test reads: KASK_BASE_URL,
 * KASK_E2E_CONFIG_FILE (the wiki's LocalSettings.php), KASK_E2E_MW_INSTALL_PATH and
 * KASK_E2E_CACHE_CLASS (the class the wiki should use). Without them the test fails.
 *
 * @coversNothing
 */
class CheckStoreScriptTest extends TestCase {
	private const SCRIPT = __DIR__ . '/../../../maintenance/checkStore.php';

	/** @var array<string,string> */
	private $env = [];

	protected function setUp(): void {
		parent::setUp();
		foreach ( [ 'KASK_BASE_URL', 'KASK_E2E_CONFIG_FILE', 'KASK_E2E_MW_INSTALL_PATH', 'KASK_E2E_CACHE_CLASS' ] as $name ) {
			$value = getenv( $name );
			if ( $value === false || $value === '' ) {
				$this->fail( "$name is not set: run bin/e2e-login.sh (or bin/test.sh), which installs a wiki" );
			}
			$this->env[$name] = $value;
		}
	}

	/**
	 * Run the script on the wiki.
	 *
	 * @param string $configFile The LocalSettings.php to use
	 * @return array [ exit status, stdout, stderr ]
	 */
	private function runScript( string $configFile ): array {
		$env = [
			'MW_INSTALL_PATH' => $this->env['KASK_E2E_MW_INSTALL_PATH'],
			'MW_CONFIG_FILE' => $configFile,
			'PATH' => (string)getenv( 'PATH' ),
		];
		$process = proc_open(
			[ PHP_BINARY, self::SCRIPT ],
			[ 1 => [ 'pipe', 'w' ], 2 => [ 'pipe', 'w' ] ],
			$pipes,
			null,
			$env
		);
		$this->assertIsResource( $process );
		$stdout = stream_get_contents( $pipes[1] );
		$stderr = stream_get_contents( $pipes[2] );
		fclose( $pipes[1] );
		fclose( $pipes[2] );
		return [ proc_close( $process ), $stdout, $stderr ];
	}

	public function testTheWikisStorePassesTheCheck() {
		[ $status, $stdout, $stderr ] = $this->runScript( $this->env['KASK_E2E_CONFIG_FILE'] );

		$this->assertSame( 0, $status, $stdout . $stderr );
		$this->assertStringContainsString( "Checking \$wgObjectCaches['kask']", $stdout );
		$this->assertStringContainsString(
			"{$this->env['KASK_E2E_CACHE_CLASS']} at {$this->env['KASK_BASE_URL']}; PHP serialization, values signed",
			$stdout
		);
		foreach ( [ 'configuration', 'reach', 'identity', 'write', 'read', 'delete' ] as $step ) {
			$this->assertMatchesRegularExpression( "/^ok +$step /m", $stdout );
		}
		// Kask itself (KASK_BASE_URL) sends no Kask-TTL: a warning
		$this->assertMatchesRegularExpression( '/^(ok|warning) +expiry /m', $stdout );
		$this->assertStringNotContainsString( 'FAIL', $stdout );
		$this->assertStringContainsString( 'The store passed the check', $stdout );
	}

	public function testAStoreThatCannotBeReachedFailsTheCheckWithStatus1() {
		$socket = stream_socket_server( 'tcp://127.0.0.1:0' );
		$closedPort = parse_url( 'tcp://' . stream_socket_get_name( $socket, false ), PHP_URL_PORT );
		fclose( $socket );
		$configFile = dirname( $this->env['KASK_E2E_CONFIG_FILE'] ) . '/LocalSettings-unreachable.php';
		file_put_contents( $configFile, "<?php\nrequire __DIR__ . '/LocalSettings.php';\n" .
			"\$wgKaskStoreUrl = 'http://127.0.0.1:$closedPort/sessions/v1/';\n" );

		[ $status, $stdout, $stderr ] = $this->runScript( $configFile );

		$this->assertSame( 1, $status, $stdout . $stderr );
		$class = substr( strrchr( '\\' . $this->env['KASK_E2E_CACHE_CLASS'], '\\' ), 1 );
		$this->assertMatchesRegularExpression(
			"/^FAIL +reach +$class: get failed: \\(0\\) \\(curl error: 7\\)/m", $stdout
		);
		$this->assertStringContainsString( 'The store failed the check', $stdout . $stderr );
	}
}
