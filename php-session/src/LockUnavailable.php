<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace KaskTs\PhpSession;

use RuntimeException;

/**
 * A session's lock was not had: held by other requests for all of `lock_wait`, or `max_waiters`
 * requests already wait for it. The message never names the session.
 */
final class LockUnavailable extends RuntimeException {
}
