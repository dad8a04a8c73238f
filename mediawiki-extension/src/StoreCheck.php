<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use Psr\Log\AbstractLogger;
use Throwable;

/**
 * An end-to-end check of a configured store, run by maintenance/checkStore.php: through the
 * cache class an `$wgObjectCaches` entry names, with that entry's options, it reaches the server
 * (over TLS and with the client's certificate, when configured), writes a value, reads it back,
 * checks how long the server keeps it, deletes it, and says what is wrong when a step fails,
 * naming the setting to check.
 *
 * The result of each step is [ status, step, message ], the status one of OK, WARNING and FAIL;
 * the first failure ends the check. The steps: configuration, reach, tls (https only), identity,
 * write, read, expiry, delete. It writes keys of its own, `kaskstore-check:<random>`, and
 * deletes them.
 */
class StoreCheck {
	/** The step passed */
	public const OK = 'ok';
	/** The step passed, but something is likely to go wrong for the wiki */
	public const WARNING = 'warning';
	/** The step failed; the check ends */
	public const FAIL = 'FAIL';

	/** Seconds the TTL the server reports may differ from the one asked for */
	private const TTL_SLACK = 10;

	/** @var array The `$wgObjectCaches` entry */
	private $params;

	/** @var int $wgObjectCacheSessionExpiry: how long the wiki's sessions should live, seconds */
	private $sessionExpiry;

	/** @var int Expiry of the value that must vanish (KaskTsBagOStuff), seconds */
	private $shortExpiry;

	/** @var KaskBagOStuff */
	private $bag;

	/** @var KaskTransport Raw requests, for what the cache class does not show (Kask-TTL) */
	private $transport;

	/** @var AbstractLogger Keeps what the cache and the transport log, in its public $records */
	private $logger;

	/** @var array[] The results so far */
	private $results = [];

	/** @var string[] Keys written, to delete at the end */
	private $written = [];

	/**
	 * @param array $params An `$wgObjectCaches` entry whose class is KaskBagOStuff or a subclass
	 * @param int $sessionExpiry How long the wiki's sessions should live, in seconds
	 *  ($wgObjectCacheSessionExpiry)
	 * @param int $shortExpiry Expiry in seconds of the value that must be gone a second after it
	 *  (KaskTsBagOStuff only: the check waits that long)
	 */
	public function __construct( array $params, int $sessionExpiry, int $shortExpiry = 2 ) {
		$this->params = $params;
		$this->sessionExpiry = $sessionExpiry;
		$this->shortExpiry = $shortExpiry;
		$this->logger = new class extends AbstractLogger {
			/** @var array[] List of [ level, message with its placeholders filled in, context ] */
			public $records = [];

			/** @inheritDoc */
			public function log( $level, $message, array $context = [] ): void {
				$replacements = [];
				foreach ( $context as $name => $value ) {
					if ( is_scalar( $value ) ) {
						$replacements['{' . $name . '}'] = (string)$value;
					}
				}
				$this->records[] = [ $level, strtr( (string)$message, $replacements ), $context ];
			}
		};
	}

	/**
	 * Run the steps, until one fails.
	 *
	 * @return array[] List of [ status, step, message ]
	 */
	public function run(): array {
		$key = 'kaskstore-check:' . bin2hex( random_bytes( 12 ) );
		$value = [ 'check' => bin2hex( random_bytes( 8 ) ), 'written' => time() ];
		$steps = [
			fn () => $this->configure(),
			fn () => $this->reach( $key ),
			fn () => $this->write( $key, $value ),
			fn () => $this->read( $key, $value ),
			fn () => $this->expiry( $key ),
			fn () => $this->delete( $key ),
		];
		foreach ( $steps as $step ) {
			if ( !$step() ) {
				break;
			}
		}
		$this->cleanUp();
		return $this->results;
	}

	/**
	 * @return bool
	 */
	private function configure(): bool {
		$class = ltrim( (string)( $this->params['class'] ?? '' ), '\\' );
		if ( !is_a( $class, KaskBagOStuff::class, true ) ) {
			return $this->fail( 'configuration', "the cache class is '$class', not " .
				KaskBagOStuff::class . ' or a subclass: nothing to check' );
		}
		try {
			$this->bag = new $class( [ 'logger' => $this->logger ] + $this->params );
			$this->transport = new KaskTransport(
				(string)$this->params['url'],
				$this->params['client'] ?? KaskTransport::newClient( $this->params ),
				static function ( int $error ): void {
				},
				1,
				substr( strrchr( '\\' . $class, '\\' ), 1 ),
				KaskTransport::requestTimeout( $this->params )
			);
		} catch ( Throwable $e ) {
			return $this->fail( 'configuration', "the cache cannot be made from the entry's " .
				'options: ' . $e->getMessage() );
		}
		$this->transport->setLogger( $this->logger );

		$type = $this->params['serialization_type'] ?? ValueEnvelope::TYPE_PHP;
		$signed = (string)( $this->params['hmac_key'] ?? '' ) !== '';
		$this->pass( 'configuration', "$class at {$this->params['url']}; $type serialization, " .
			( $signed ? 'values signed with hmac_key' : 'values not signed' ) );
		if ( !$signed ) {
			$this->warn( 'configuration', 'hmac_key ($wgKaskStoreHmacKey) is empty: whoever can ' .
				'write to the store can forge any session' . ( $type === ValueEnvelope::TYPE_PHP
					? ', and unsigned PHP values holding objects read as misses'
					: '' ) .
				'. Set it to a long random secret, the same on every client of the store' );
		}
		return true;
	}

	/**
	 * @param string $key A key nobody wrote
	 * @return bool
	 */
	private function reach( string $key ): bool {
		$value = $this->bag->get( $key );
		if ( !$this->passedRequest( 'read', 'reach' ) ) {
			return false;
		}
		if ( $value !== false ) {
			return $this->fail( 'read', 'a key nobody wrote read as a value' );
		}
		$this->pass( 'reach', 'GET of a key nobody wrote answered a miss' );

		$https = strncasecmp( (string)$this->params['url'], 'https:', 6 ) === 0;
		if ( $https ) {
			$this->pass( 'tls', 'the server\'s certificate was verified with ' .
				( isset( $this->params['caBundlePath'] )
					? "caBundlePath (\$wgKaskStoreCaBundlePath) {$this->params['caBundlePath']}"
					: 'the system\'s CA bundle' ) );
		}
		if ( isset( $this->params['clientCert'] ) ) {
			$this->pass( 'identity', 'the server accepted the client certificate ' .
				"{$this->params['clientCert']} for a read" );
		} else {
			$this->pass( 'identity', 'no client certificate: the server serves any client that ' .
				'reaches it' . ( $https ? '' : ' (plain http: nobody is identified)' ) );
		}
		return true;
	}

	/**
	 * @param string $key
	 * @param array $value
	 * @return bool
	 */
	private function write( string $key, array $value ): bool {
		$stored = $this->bag->set( $key, $value, $this->sessionExpiry );
		$this->written[] = $key;
		if ( !$this->passedRequest( 'write' ) ) {
			return false;
		}
		if ( !$stored ) {
			return $this->fail( 'write', 'set() returned false' );
		}
		return $this->pass( 'write', 'set() of a value, with the expiry of sessions' );
	}

	/**
	 * @param string $key
	 * @param array $value What write() wrote
	 * @return bool
	 */
	private function read( string $key, array $value ): bool {
		$read = $this->bag->get( $key );
		if ( !$this->passedRequest( 'read' ) ) {
			return false;
		}
		if ( $read === false ) {
			return $this->fail( 'read', 'the value just written read as a miss: the server did not ' .
				'keep it (a default_ttl too short?), or the URL leads to several servers that do ' .
				'not share their storage' );
		}
		if ( $read !== $value ) {
			return $this->fail( 'read', 'the value read back is not the one written: another ' .
				'client wrote the same key at the same time?' );
		}
		return $this->pass( 'read', 'get() read back the value written' );
	}

	/**
	 * @param string $key Written by write(), with the expiry of sessions
	 * @return bool
	 */
	private function expiry( string $key ): bool {
		[ $stored, , $ttl ] = $this->transport->get( [ $key ] )[$key];
		if ( !$this->passedRequest( 'expiry' ) ) {
			return false;
		}
		if ( $stored === null ) {
			return $this->fail( 'expiry', 'the value written had gone already' );
		}
		$extendedApi = $this->bag instanceof KaskTsBagOStuff;
		$asked = 'a value written with the expiry of sessions ($wgObjectCacheSessionExpiry, ' .
			"{$this->sessionExpiry} s)";
		$setBoth = 'Set the server\'s default_ttl and $wgObjectCacheSessionExpiry to the same number';
		if ( $ttl === null ) {
			$this->warn( 'expiry', 'the server does not say how long it keeps values (no Kask-TTL ' .
				'header: Kask, or a kask-ts keeping them forever, default_ttl 0): make sure it ' .
				"keeps them {$this->sessionExpiry} s, as \$wgObjectCacheSessionExpiry" );
		} elseif ( abs( $ttl - $this->sessionExpiry ) <= self::TTL_SLACK ) {
			$this->pass( 'expiry', "$asked has $ttl s to live" );
		} elseif ( $ttl < $this->sessionExpiry ) {
			$this->warn( 'expiry', "$asked has only $ttl s to live: sessions end early. " .
				( $extendedApi ? "Raise the server's max_ttl to {$this->sessionExpiry} s" : $setBoth ) );
		} else {
			$this->warn( 'expiry', "$asked has $ttl s to live, longer than sessions do. " .
				( $extendedApi ? 'The server ignored its expiry: is it kask-ts?' : $setBoth ) );
		}
		return $extendedApi ? $this->vanishes() : true;
	}

	/**
	 * KaskTsBagOStuff sends each value's expiry: one written to expire soon must be gone a
	 * second after.
	 *
	 * @return bool
	 */
	private function vanishes(): bool {
		$key = 'kaskstore-check:' . bin2hex( random_bytes( 12 ) );
		$this->bag->set( $key, 'expires soon', $this->shortExpiry );
		$this->written[] = $key;
		$before = $this->bag->get( $key );
		sleep( $this->shortExpiry + 1 );
		$after = $this->bag->get( $key );
		if ( !$this->passedRequest( 'expiry' ) ) {
			return false;
		}
		$wait = $this->shortExpiry + 1;
		if ( $before !== 'expires soon' ) {
			return $this->fail( 'expiry', 'a value written to expire in ' .
				"{$this->shortExpiry} s could not be read back at once" );
		}
		if ( $after !== false ) {
			return $this->fail( 'expiry', "a value written to expire in {$this->shortExpiry} s " .
				"was still there $wait s later: the server ignores Cache-Control: max-age. Is it " .
				'kask-ts? ($wgKaskStoreExtendedApi = true, KaskTsBagOStuff, needs kask-ts)' );
		}
		return $this->pass( 'expiry', "a value written to expire in {$this->shortExpiry} s was " .
			"gone $wait s later" );
	}

	/**
	 * @param string $key
	 * @return bool
	 */
	private function delete( string $key ): bool {
		$deleted = $this->bag->delete( $key );
		if ( !$this->passedRequest( 'delete' ) ) {
			return false;
		}
		if ( !$deleted ) {
			return $this->fail( 'delete', 'delete() returned false' );
		}
		$after = $this->bag->get( $key );
		if ( !$this->passedRequest( 'delete' ) ) {
			return false;
		}
		if ( $after !== false ) {
			return $this->fail( 'delete', 'the value deleted could still be read' );
		}
		$this->written = array_diff( $this->written, [ $key ] );
		return $this->pass( 'delete', 'delete() removed the value: a read then answered a miss' );
	}

	/**
	 * Delete what the check wrote and did not delete (after a failure), quietly.
	 */
	private function cleanUp(): void {
		if ( $this->written && $this->transport !== null ) {
			$this->transport->delete( array_values( $this->written ) );
		}
	}

	/**
	 * Whether no request failed since the last call; if one did, a FAIL result from what was
	 * logged, under the step its failure points at: tls, reach, identity, or $step.
	 *
	 * @param string $step What was being done
	 * @param string|null $unreachableStep The step of a request that got no response; default $step
	 * @return bool
	 */
	private function passedRequest( string $step, ?string $unreachableStep = null ): bool {
		$records = $this->logger->records;
		$this->logger->records = [];
		foreach ( $records as [ $level, $message, $context ] ) {
			if ( $level !== 'error' ) {
				continue;
			}
			$code = $context['code'] ?? null;
			if ( $code === 0 ) {
				$step = isset( $context['hint'] ) ? 'tls' : ( $unreachableStep ?? $step );
			} elseif ( $code === 401 || $code === 403 ) {
				$step = 'identity';
			}
			return $this->fail( $step, $message );
		}
		foreach ( $records as [ $level, $message ] ) {
			if ( $level === 'warning' ) {
				$this->warn( $step, $message );
			}
		}
		return true;
	}

	/**
	 * @param string $step
	 * @param string $message
	 * @return bool true
	 */
	private function pass( string $step, string $message ): bool {
		$this->results[] = [ self::OK, $step, $message ];
		return true;
	}

	/**
	 * @param string $step
	 * @param string $message
	 */
	private function warn( string $step, string $message ): void {
		$this->results[] = [ self::WARNING, $step, $message ];
	}

	/**
	 * @param string $step
	 * @param string $message
	 * @return bool false
	 */
	private function fail( string $step, string $message ): bool {
		$this->results[] = [ self::FAIL, $step, $message ];
		return false;
	}
}
