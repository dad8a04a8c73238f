<?php
/**
 * The application of the web tests, one session per cookie:
 * - `?ping`: answers without a session (the server is up);
 * - `?add=NAME`: sets $_SESSION[NAME] after `work_ms` milliseconds of work (default 0);
 * - `?keys`: lists the session's variables, as JSON;
 * - `?regenerate`: gives the session a new id, deleting the old one (as a log-in does);
 * - nothing: starts the session and changes nothing.
 * A session that cannot start answers 503.
 *
 * @license Apache-2.0
 * @file
 */

if ( isset( $_GET['ping'] ) ) {
	exit( 'ok' );
}
if ( !session_start() ) {
	http_response_code( 503 );
	exit( 'session not started' );
}
if ( isset( $_GET['add'] ) ) {
	usleep( 1000 * (int)( $_GET['work_ms'] ?? 0 ) );
	$_SESSION[$_GET['add']] = true;
}
if ( isset( $_GET['regenerate'] ) ) {
	session_regenerate_id( true );
}
if ( isset( $_GET['keys'] ) ) {
	echo json_encode( array_keys( $_SESSION ) );
}
