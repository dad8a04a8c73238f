<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

/**
 * A class whose magic methods record that they ran: what an attacker who can write to the store
 * would reach through unserialize() (PHP object injection) with a class of the wiki's.
 */
class InjectionProbe {
	/** @var string[] The magic methods that ran, in order */
	public static $calls = [];

	public function __wakeup() {
		self::$calls[] = '__wakeup';
	}

	public function __destruct() {
		self::$calls[] = '__destruct';
	}

	/**
	 * @return string The serialize()d form of an instance
	 */
	public static function serialized(): string {
		return 'O:' . strlen( self::class ) . ':"' . self::class . '":0:{}';
	}
}
