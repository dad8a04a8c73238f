<?php
/**
 * PHPUnit bootstrap: MediaWiki 1.39's class autoloader (Debian's package ships no tests/ directory,
 * so there is no MediaWikiUnitTestCase) and the extension's own classes.
 *
 * MW_INSTALL_PATH selects another MediaWiki installation; default /usr/share/mediawiki.
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

$manifest = json_decode( file_get_contents( dirname( __DIR__, 2 ) . '/extension.json' ), true );
$extensionDir = dirname( __DIR__, 2 );
foreach ( [ 'AutoloadNamespaces', 'TestAutoloadNamespaces' ] as $section ) {
	foreach ( $manifest[$section] as $namespace => $dir ) {
		AutoLoader::registerNamespaces( [ $namespace => "$extensionDir/$dir" ] );
	}
}
