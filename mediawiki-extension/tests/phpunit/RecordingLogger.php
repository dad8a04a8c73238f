<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore\Tests;

use Psr\Log\AbstractLogger;

/**
 * A PSR-3 logger that keeps every record, to assert what was (and was not) logged.
 */
class RecordingLogger extends AbstractLogger {
	/** @var array[] List of [ 'level' => ..., 'message' => ..., 'context' => ... ] */
	public $records = [];

	/** @inheritDoc */
	public function log( $level, $message, array $context = [] ): void {
		$this->records[] = [ 'level' => $level, 'message' => (string)$message, 'context' => $context ];
	}

	/**
	 * @param string $level A Psr\Log\LogLevel constant
	 * @return array[] The records at that level
	 */
	public function at( string $level ): array {
		return array_values( array_filter( $this->records, static function ( $record ) use ( $level ) {
			return $record['level'] === $level;
		} ) );
	}

	/**
	 * Every record, with its message placeholders filled in from its context, as one string.
	 *
	 * @return string
	 */
	public function text(): string {
		$lines = [];
		foreach ( $this->records as $record ) {
			$replacements = [];
			foreach ( $record['context'] as $name => $value ) {
				$replacements['{' . $name . '}'] = is_scalar( $value ) ? (string)$value : json_encode( $value );
			}
			$lines[] = strtr( $record['message'], $replacements ) . ' ' .
				json_encode( $record['context'], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE );
		}
		return implode( "\n", $lines );
	}
}
