<?php
/**
 * PHPUnit bootstrap: MediaWiki's class autoloader and global functions, as MediaWiki's own unit
 * test bootstrap loads them (Debian's packages ship no tests/ directory, so there is no
 * MediaWikiUnitTestCase), and the extension's own classes.
 *
 * MW_INSTALL_PATH selects the MediaWiki installation: default /usr/share/mediawiki (Debian 12's
 * 1.39); bin/install-mediawiki-1.43.sh prints the path of 1.43.
 *
 * @license Apache-2.0
 * @file
 */

$mwInstallPath = getenv( 'MW_INSTALL_PATH' ) ?: '/usr/share/mediawiki';
if ( !is_readable( "$mwInstallPath/includes/AutoLoader.php" ) ) {
	fwrite( STDERR, "MediaWiki not found in $mwInstallPath (run bin/install-deps.sh or set MW_INSTALL_PATH)\n" );
	exit( 1 );
}
require_once "$mwInstallPath/includes/AutoLoader.php";
// 1.43's request telemetry, which every request of the extension's HTTP client asks for its
// X-Request-Id, calls wfRandomString()
require_once "$mwInstallPath/includes/GlobalFunctions.php";

$manifest = json_decode( file_get_contents( dirname( __DIR__, 2 ) . '/extension.json' ), true );
$extensionDir = dirname( __DIR__, 2 );
foreach ( [ 'AutoloadNamespaces', 'TestAutoloadNamespaces' ] as $section ) {
	foreach ( $manifest[$section] as $namespace => $dir ) {
		AutoLoader::registerNamespaces( [ $namespace => "$extensionDir/$dir" ] );
	}
}
