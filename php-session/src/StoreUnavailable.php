<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

use RuntimeException;

/**
 * The store gave no usable answer: no connection, a timeout, a malformed answer, or a status the
 * operation does not expect. Its message names the operation and the cause, never a key or a value.
 */
final class StoreUnavailable extends RuntimeException {
}
