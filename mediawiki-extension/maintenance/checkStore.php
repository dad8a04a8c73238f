<?php
/**
 * Checks the wiki's KaskStore session store end to end and says what is wrong: reach, TLS,
 * identity, write, read, expiry, delete (see StoreCheck).
 *
 * Usage: php extensions/KaskStore/maintenance/checkStore.php [--cache NAME]
 * (MW_INSTALL_PATH names MediaWiki's directory when the extension is not in its extensions/.)
 *
 * @license Apache-2.0
 * @file
 * @ingroup Maintenance
 */

namespace MediaWiki\Extension\KaskStore\Maintenance;

use Maintenance;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\StoreCheck;

$IP = getenv( 'MW_INSTALL_PATH' );
if ( $IP === false ) {
	$IP = __DIR__ . '/../../..';
}
require_once "$IP/maintenance/Maintenance.php";

/**
 * Exits with status 1 when a step fails.
 */
class CheckStore extends Maintenance {
	public function __construct() {
		parent::__construct();
		$this->requireExtension( 'KaskStore' );
		$this->addDescription(
			'Check the session store end to end: reach the server (over TLS, with the client ' .
			'certificate, when configured), write a value, read it back, check how long the server ' .
			'keeps it, delete it; say what is wrong and which setting to check.'
		);
		$this->addOption(
			'cache',
			'Name of the $wgObjectCaches entry to check. Default: $wgSessionCacheType, when its ' .
			'class is KaskBagOStuff or KaskTsBagOStuff; else $wgKaskStoreCacheName',
			false,
			true
		);
	}

	/** @inheritDoc */
	public function execute() {
		$config = $this->getConfig();
		$caches = $config->get( 'ObjectCaches' );
		$name = $this->getOption( 'cache' ) ?? $this->defaultCacheName( $caches );
		if ( !is_array( $caches[$name] ?? null ) ) {
			$this->fatalError( "There is no \$wgObjectCaches['$name']." );
		}

		$this->output( "Checking \$wgObjectCaches['$name']\n" );
		$check = new StoreCheck( $caches[$name], (int)$config->get( 'ObjectCacheSessionExpiry' ) );
		$counts = [ StoreCheck::OK => 0, StoreCheck::WARNING => 0, StoreCheck::FAIL => 0 ];
		foreach ( $check->run() as [ $status, $step, $message ] ) {
			$this->output( sprintf( "%-8s %-14s %s\n", $status, $step, $message ) );
			$counts[$status]++;
		}
		if ( $counts[StoreCheck::FAIL] ) {
			$this->fatalError( 'The store failed the check: see FAIL above.' );
		}
		$this->output( $counts[StoreCheck::WARNING]
			? "The store passed the check, with {$counts[StoreCheck::WARNING]} warning(s).\n"
			: "The store passed the check.\n" );
	}

	/**
	 * @param array $caches $wgObjectCaches
	 * @return string $wgSessionCacheType if it names an entry of a KaskStore class, else
	 *  $wgKaskStoreCacheName
	 */
	private function defaultCacheName( array $caches ): string {
		$config = $this->getConfig();
		$session = $config->get( 'SessionCacheType' );
		$class = ltrim( (string)( $caches[$session]['class'] ?? '' ), '\\' );
		return is_a( $class, KaskBagOStuff::class, true )
			? (string)$session
			: (string)$config->get( 'KaskStoreCacheName' );
	}
}

$maintClass = CheckStore::class;
require_once RUN_MAINTENANCE_IF_MAIN;
