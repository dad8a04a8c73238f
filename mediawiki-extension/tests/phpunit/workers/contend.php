<?php
/**
 * One of several processes that contend for the same key (see ConcurrentWorkers): prints
 * "ready", waits for a line on stdin (the common start), runs its task with a KaskBagOStuff of
 * its own, prints one JSON object, which also holds the message templates of the errors and
 * warnings the bag logged (`logged`).
 *
 * Usage: php contend.php '<JSON: url, class (KaskBagOStuff or a subclass), task, key, repeat, worker>'
 * Tasks:
 * - tryLock: lock( key, 0 ) once, never released -> { acquired }
 * - lockedIncrement: lock( key, 10 ); a get() then set() of "key:counter" (not atomic by
 *   itself) with a pause between; unlock() -> { acquired, entered, left } (microtime)
 * - incrWithInit: incrWithInit( key, 60 ), repeat times -> { results }
 * - merge: merge() appending this process's number, repeat times -> { results }
 *
 * @license Apache-2.0
 * @file
 */

require_once dirname( __DIR__ ) . '/bootstrap.php';

use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\Tests\RecordingLogger;
use Psr\Log\LogLevel;

$job = json_decode( $argv[1] ?? '', true );
if ( !is_array( $job ) || !is_a( $job['class'] ?? '', KaskBagOStuff::class, true ) ) {
	fwrite( STDERR, "usage: php contend.php '<JSON job>'\n" );
	exit( 2 );
}
$logger = new RecordingLogger();
$bag = new $job['class']( ( $job['tls'] ?? [] ) + [
	'url' => $job['url'],
	'serialization_type' => 'JSON',
	'reqTimeout' => 10,
	'logger' => $logger,
] );
$key = $job['key'];
$repeat = (int)( $job['repeat'] ?? 1 );

echo "ready\n";
fflush( STDOUT );
if ( fgets( STDIN ) === false ) {
	exit( 3 );
}
$report = [ 'pid' => getmypid(), 'started' => microtime( true ) ];

switch ( $job['task'] ) {
	case 'tryLock':
		$report['acquired'] = $bag->lock( $key, 0, 30 );
		break;
	case 'lockedIncrement':
		$report['acquired'] = $bag->lock( $key, 10, 30 );
		if ( $report['acquired'] ) {
			$report['entered'] = microtime( true );
			$count = (int)$bag->get( "$key:counter" );
			// Long enough for another process to read the same count if it got in too
			usleep( 20000 );
			$bag->set( "$key:counter", $count + 1 );
			$report['left'] = microtime( true );
			$bag->unlock( $key );
		}
		break;
	case 'incrWithInit':
		$report['results'] = [];
		for ( $i = 0; $i < $repeat; $i++ ) {
			$report['results'][] = $bag->incrWithInit( $key, 60 );
		}
		break;
	case 'merge':
		$report['results'] = [];
		$me = (int)$job['worker'];
		$append = static function ( $bag, $key, $current ) use ( $me ) {
			$list = is_array( $current ) ? $current : [];
			$list[] = $me;
			return $list;
		};
		for ( $i = 0; $i < $repeat; $i++ ) {
			$report['results'][] = $bag->merge( $key, $append, 60 );
		}
		break;
	default:
		fwrite( STDERR, "unknown task {$job['task']}\n" );
		exit( 2 );
}
$report['logged'] = array_column(
	array_merge( $logger->at( LogLevel::ERROR ), $logger->at( LogLevel::WARNING ) ), 'message'
);
echo json_encode( $report ), "\n";
