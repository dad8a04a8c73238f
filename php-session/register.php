<?php
/**
 * Sessions in kask-ts from php.ini alone, without a line of code:
 *
 *     auto_prepend_file = /path/to/php-session/register.php
 *     session.save_path = "http://127.0.0.1:8081/sessions/v1/?locking=lock&timeout=2"
 *
 * (options in the query string: see Options).
 *
 * @license Apache-2.0
 * @file
 */

use KaskTs\PhpSession\KaskSessionHandler;
use KaskTs\PhpSession\Options;

require_once __DIR__ . '/autoload.php';

session_set_save_handler( new KaskSessionHandler( Options::fromSavePath( (string)ini_get( 'session.save_path' ) ) ), true );
