<?php
/**
 * One GET of the store per request, through a new HttpClient as each request of an application
 * makes (options from session.save_path): prints its milliseconds and the connection it used.
 *
 * @license Apache-2.0
 * @file
 */

use KaskTs\PhpSession\HttpClient;
use KaskTs\PhpSession\Options;

$http = new HttpClient( Options::fromSavePath( (string)ini_get( 'session.save_path' ) ) );
$start = hrtime( true );
$http->request( 'GET', 'latency-probe' );
echo json_encode( [ 'ms' => ( hrtime( true ) - $start ) / 1e6, 'connection' => $http->localAddress() ] );
