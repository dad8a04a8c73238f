<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use BagOStuff;
use MediaWiki\Extension\KaskStore\KaskBagOStuff;
use MediaWiki\Extension\KaskStore\KaskTsBagOStuff;

/**
 * The requests each BagOStuff operation puts on the wire with KaskBagOStuff (Kask's API: the
 * emulation) and with KaskTsBagOStuff (kask-ts's extensions): one catalogue, checked by the unit
 * tests on the fake server and by the integration tests on a real one, and printed by
 * bin/request-counts.php.
 */
final class WireScenarios {
	/** The classes, in the order of the methods in all() */
	public const CLASSES = [ KaskBagOStuff::class, KaskTsBagOStuff::class ];

	/**
	 * @return array[] Map of (operation => [ setup, operation, methods of KaskBagOStuff, methods
	 *  of KaskTsBagOStuff ]), setup and operation being function ( BagOStuff $bag, string $key );
	 *  only the operation's requests count.
	 */
	public static function all(): array {
		$nothing = static function () {
		};
		$stored = static function ( BagOStuff $bag, string $key ) {
			$bag->set( $key, 1 );
		};
		$lockedElsewhere = static function ( BagOStuff $bag, string $key ) {
			// Another process's lock: this instance does not know it
			$bag->set( "$key:lock", 1, 60 );
		};
		$increment = static function ( BagOStuff $bag, string $key, $current ) {
			return $current + 1;
		};
		return [
			'set( $key, $value, 60 )' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) {
					$bag->set( $key, 1, 60 );
				},
				[ 'POST' ],
				[ 'POST' ],
			],
			'add(), key absent' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) {
					$bag->add( $key, 1, 60 );
				},
				[ 'GET', 'POST' ],
				[ 'PUT' ],
			],
			'add(), key taken' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->add( $key, 2, 60 );
				},
				[ 'GET' ],
				[ 'PUT' ],
			],
			'lock(), free' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) {
					$bag->lock( $key, 0 );
				},
				[ 'GET', 'POST' ],
				[ 'PUT' ],
			],
			'lock(), held elsewhere (timeout 0)' => [
				$lockedElsewhere,
				static function ( BagOStuff $bag, string $key ) {
					$bag->lock( $key, 0 );
				},
				[ 'GET' ],
				[ 'PUT' ],
			],
			'unlock()' => [
				static function ( BagOStuff $bag, string $key ) {
					$bag->lock( $key, 0 );
				},
				static function ( BagOStuff $bag, string $key ) {
					$bag->unlock( $key );
				},
				[ 'DELETE' ],
				[ 'DELETE (If-Match: *)' ],
			],
			'changeTTL( $key, 60 ), key exists' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->changeTTL( $key, 60 );
				},
				[ 'GET', 'POST', 'GET', 'POST', 'DELETE' ],
				[ 'PATCH' ],
			],
			'changeTTL( $key, 60 ), key absent' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) {
					$bag->changeTTL( $key, 60 );
				},
				[ 'GET', 'POST', 'GET', 'DELETE' ],
				[ 'PATCH' ],
			],
			'changeTTL( $key, -1 ) (expire now)' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->changeTTL( $key, -1 );
				},
				[ 'GET', 'POST', 'GET', 'DELETE', 'DELETE' ],
				[ 'PATCH', 'DELETE' ],
			],
			'changeTTL( $key, 0 ) (indefinite)' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->changeTTL( $key, 0 );
				},
				[ 'GET', 'POST', 'GET', 'POST', 'DELETE' ],
				[ 'GET', 'POST (If-Match: ETag)' ],
			],
			'merge(), key exists (cas)' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) use ( $increment ) {
					$bag->merge( $key, $increment, 60 );
				},
				[ 'GET', 'GET', 'POST', 'GET', 'POST', 'DELETE' ],
				[ 'GET', 'POST (If-Match: ETag)' ],
			],
			'merge(), key absent (add)' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) use ( $increment ) {
					$bag->merge( $key, $increment, 60 );
				},
				[ 'GET', 'GET', 'POST' ],
				[ 'GET', 'PUT' ],
			],
			'incrWithInit(), key absent' => [
				$nothing,
				static function ( BagOStuff $bag, string $key ) {
					$bag->incrWithInit( $key, 60 );
				},
				[ 'GET', 'POST' ],
				[ 'GET', 'PUT' ],
			],
			'incrWithInit(), key exists' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->incrWithInit( $key, 60 );
				},
				[ 'GET', 'POST' ],
				[ 'GET', 'POST (If-Match: ETag)' ],
			],
			'incr(), key exists' => [
				$stored,
				static function ( BagOStuff $bag, string $key ) {
					$bag->incr( $key );
				},
				[ 'GET', 'POST' ],
				[ 'GET', 'POST (If-Match: ETag)' ],
			],
		];
	}

	/**
	 * @param string $class One of CLASSES
	 * @return array[] The scenarios as a data provider's cases: name => [ name, methods ]
	 */
	public static function casesFor( string $class ): array {
		$column = 2 + array_search( $class, self::CLASSES, true );
		$cases = [];
		foreach ( self::all() as $name => $scenario ) {
			$cases[$name] = [ $name, $scenario[$column] ];
		}
		return $cases;
	}

	/**
	 * Run one scenario and answer the methods of the operation's requests, with
	 * the If-Match of the conditional ones.
	 *
	 * @param string $name A key of all()
	 * @param BagOStuff $bag A fresh instance of one of CLASSES
	 * @param RecordingHttpClient $client The bag's HTTP client
	 * @param string $key
	 * @return string[]
	 */
	public static function methodsOf(
		string $name, BagOStuff $bag, RecordingHttpClient $client, string $key
	): array {
		[ $setup, $operation ] = self::all()[$name];
		$setup( $bag, $key );
		$client->clear();
		$operation( $bag, $key );
		return $client->conditionalMethods();
	}
}
