<?php
/**
 * session.php's application (`?ping`, `?add=NAME&work_ms=N`, `?keys`) on Symfony HttpFoundation's
 * session (Debian's php-symfony-http-foundation), the handler given to its NativeSessionStorage.
 *
 * @license Apache-2.0
 * @file
 */

use KaskTs\PhpSession\KaskSessionHandler;
use KaskTs\PhpSession\Options;
use Symfony\Component\HttpFoundation\Session\Session;
use Symfony\Component\HttpFoundation\Session\Storage\NativeSessionStorage;

require_once '/usr/share/php/Symfony/Component/HttpFoundation/autoload.php';

if ( isset( $_GET['ping'] ) ) {
	exit( 'ok' );
}
$handler = new KaskSessionHandler( Options::fromSavePath( (string)ini_get( 'session.save_path' ) ) );
$session = new Session( new NativeSessionStorage( [], $handler ) );
$session->start();
if ( isset( $_GET['add'] ) ) {
	usleep( 1000 * (int)( $_GET['work_ms'] ?? 0 ) );
	$session->set( $_GET['add'], true );
}
if ( isset( $_GET['keys'] ) ) {
	echo json_encode( array_keys( $session->all() ) );
}
$session->save();
