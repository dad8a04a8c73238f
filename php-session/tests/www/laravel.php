<?php
/**
 * session.php's application (`?ping`, `?add=NAME&work_ms=N`, `?keys`) on Laravel's session store
 * (Debian's php-illuminate-session), the handler as a driver would give it, the id in the
 * PHPSESSID cookie. Laravel's own variables (`_token`, `_flash`) are not listed.
 *
 * @license Apache-2.0
 * @file
 */

use Illuminate\Session\Store;
use KaskTs\PhpSession\KaskSessionHandler;
use KaskTs\PhpSession\Options;

require_once '/usr/share/php/Illuminate/Session/autoload.php';

if ( isset( $_GET['ping'] ) ) {
	exit( 'ok' );
}
$options = Options::fromSavePath( (string)ini_get( 'session.save_path' ) );
$store = new Store( 'PHPSESSID', new KaskSessionHandler( $options ), $_COOKIE['PHPSESSID'] ?? null );
$store->start();
if ( $store->getId() !== ( $_COOKIE['PHPSESSID'] ?? null ) ) {
	setcookie( 'PHPSESSID', $store->getId() );
}
if ( isset( $_GET['add'] ) ) {
	usleep( 1000 * (int)( $_GET['work_ms'] ?? 0 ) );
	$store->put( $_GET['add'], true );
}
if ( isset( $_GET['keys'] ) ) {
	echo json_encode( array_values( array_filter( array_keys( $store->all() ),
		static fn ( $name ) => $name[0] !== '_' ) ) );
}
$store->save();
