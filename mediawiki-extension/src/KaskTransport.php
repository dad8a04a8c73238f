<?php
/**
 * @license Apache-2.0
 * @file
 */

namespace MediaWiki\Extension\KaskStore;

use BagOStuff;
use InvalidArgumentException;
use MediaWiki\Http\Telemetry;
use MultiHttpClient;
use Psr\Log\LoggerAwareInterface;
use Psr\Log\LoggerInterface;
use Psr\Log\NullLogger;

/**
 * The session route of kask-ts or Kask, `{url}{key}` (see pathSegment()), over HTTP: GET, POST,
 * PUT, PATCH and DELETE, each sent for several keys concurrently, with the extra headers of
 * kask-ts's conditional and expiring requests.
 *
 * Several keys are sent in windows of at most maxConnsPerHost requests, one window after the
 * other, each request on a connection of its own, so that each request's timeout counts from
 * when it is sent. Given all at once, MultiHttpClient would queue the requests beyond its
 * connection limit inside cURL, whose timeout runs from when a request is queued: the end of a
 * batch larger than one round of connections timed out without having been sent.
 *
 * It knows which statuses each method of the route answers: any other status, or no response, is
 * a failure, which it logs and reports to its caller as a BagOStuff error (ERR_UNREACHABLE for no
 * response, for 503, kask-ts's "storage unavailable", and for 429, "over a rate limit";
 * ERR_UNEXPECTED otherwise). What an answered status means for a cache operation (409: the key is
 * taken, 412: it changed) is the caller's to decide.
 *
 * A 429 is a refusal to retry later: the server read nothing and changed nothing, and says in
 * `Retry-After` when the limit would admit the request. The request is sent again after that
 * many seconds if it can still be answered within the request timeout (reqTimeout), counted from
 * when it was first sent: never later. A request that got 429 is logged once, whether a retry
 * then succeeded (a warning) or not (the failure).
 *
 * Keys and values are credentials: a log line holds the operation, the status, the transport
 * error and the members of the server's RFC 7807 problem body with the key redacted (see
 * ProblemDetails), never the key or the value. The HTTP client it creates gets no logger, since
 * MultiHttpClient logs request URLs. A line starts with the name of the cache class that sent
 * the request, and when the failure points at a setting (a refused TLS handshake, a server that
 * did not identify the client or did not give it the permission), it names that setting: see
 * hint().
 *
 * On MediaWiki 1.43 and later, every request carries MediaWiki's `X-Request-Id` (and its
 * `traceparent` and `tracestate`, when configured), as RESTBagOStuff's do: kask-ts logs the id as
 * the `request_id` of any line about that request.
 */
class KaskTransport implements LoggerAwareInterface {
	/**
	 * Default connection timeout in seconds, as RESTBagOStuff's: the kernel retransmits
	 * a SYN after 1 second, so 1.2 seconds allows one retransmission.
	 */
	public const DEFAULT_CONN_TIMEOUT = 1.2;

	/** Default request timeout in seconds, as RESTBagOStuff's */
	public const DEFAULT_REQ_TIMEOUT = 3.0;

	/** Default number of concurrent connections (and requests) to the server: MultiHttpClient's */
	public const DEFAULT_MAX_CONNS_PER_HOST = 50;

	/** Statuses that mean a write succeeded (as RESTBagOStuff) */
	private const WRITE_OK_STATUSES = [ 200, 201, 204 ];

	/** PATCH: the key has no value */
	private const STATUS_NOT_FOUND = 404;

	/** PUT: the key already has a value */
	public const STATUS_CONFLICT = 409;

	/** POST or DELETE with If-Match: the value changed (or went away) since it was read */
	public const STATUS_PRECONDITION_FAILED = 412;

	/** Statuses that mean the key no longer exists after a DELETE (as RESTBagOStuff) */
	private const DELETE_OK_STATUSES = [ 200, 204, 205, 404, 410 ];

	/** Statuses that mean the key is absent on GET */
	private const MISS_STATUSES = [ 404, 410 ];

	/** kask-ts: the storage behind the server is unavailable */
	private const STATUS_UNAVAILABLE = 503;

	/** kask-ts: the request is over a rate limit; it may be sent again after Retry-After seconds */
	private const STATUS_TOO_MANY_REQUESTS = 429;

	/** kask-ts: the server requires a client identity and saw none */
	private const STATUS_NOT_AUTHORIZED = 401;

	/** kask-ts: the client is identified but lacks the permission the request needs */
	private const STATUS_FORBIDDEN = 403;

	/**
	 * cURL errors (as MultiHttpClient reports them, `(curl error: N) ...`) that point at a TLS
	 * setting: map of (error number => hint, or null for "depends on the URL's scheme")
	 */
	private const CURL_HINTS = [
		// CURLE_PEER_FAILED_VERIFICATION (51 before cURL 7.62), CURLE_SSL_ISSUER_ERROR
		51 => self::HINT_SERVER_CERTIFICATE,
		60 => self::HINT_SERVER_CERTIFICATE,
		83 => self::HINT_SERVER_CERTIFICATE,
		// CURLE_SSL_CACERT_BADFILE
		77 => 'the CA bundle cannot be read: check $wgKaskStoreCaBundlePath (caBundlePath)',
		// CURLE_SSL_CERTPROBLEM
		58 => 'the client certificate cannot be used: check $wgKaskStoreClientCert and ' .
			'$wgKaskStoreClientKey (clientCert, clientKey): PEM files, the key unencrypted and ' .
			'matching the certificate',
		// CURLE_SSL_CONNECT_ERROR, CURLE_GOT_NOTHING, CURLE_RECV_ERROR: over https, a server that
		// requires client certificates ends the connection during or right after the handshake
		35 => null,
		52 => null,
		56 => null,
	];

	/** Hint: the server's certificate was not verified */
	private const HINT_SERVER_CERTIFICATE = 'the server\'s certificate was not accepted: check ' .
		'$wgKaskStoreCaBundlePath (caBundlePath), which must hold the CA that issued it, and that ' .
		'the certificate names the host of $wgKaskStoreUrl (url)';

	/** @var string Base URL, ending with '/' */
	private $url;

	/** @var MultiHttpClient */
	private $client;

	/** @var int Most requests sent at once */
	private $maxConnsPerHost;

	/** @var float Seconds a request may take, waiting for a retry after a 429 included */
	private $reqTimeout;

	/** @var callable function ( int $error ): void, given a BagOStuff::ERR_* constant */
	private $onError;

	/** @var LoggerInterface */
	private $logger;

	/** @var string Name of the class whose requests these are, which starts each log line */
	private $clientName;

	/**
	 * @param string $url Base URL of the session route, e.g. `http://127.0.0.1:8081/sessions/v1/`
	 * @param MultiHttpClient $client
	 * @param callable $onError function ( int $error ): void, called with a BagOStuff::ERR_*
	 *  constant for each failed request
	 * @param int $maxConnsPerHost Most requests to send at once, each on a connection of its own
	 * @param string $clientName Name of the class whose requests these are, e.g. KaskTsBagOStuff:
	 *  each log line starts with it
	 * @param float $reqTimeout Seconds a request may take, retries after a 429 included (see
	 *  requestTimeout())
	 * @throws InvalidArgumentException When $maxConnsPerHost is less than 1
	 */
	public function __construct(
		string $url, MultiHttpClient $client, callable $onError, int $maxConnsPerHost,
		string $clientName, float $reqTimeout
	) {
		if ( $maxConnsPerHost < 1 ) {
			throw new InvalidArgumentException( 'maxConnsPerHost must be 1 or more' );
		}
		$this->url = rtrim( $url, '/' ) . '/';
		$this->client = $client;
		$this->onError = $onError;
		$this->maxConnsPerHost = $maxConnsPerHost;
		$this->clientName = $clientName;
		$this->reqTimeout = $reqTimeout;
		$this->logger = new NullLogger();
	}

	/**
	 * The request timeout a BagOStuff's parameters give, in seconds.
	 *
	 * @param array $params With reqTimeout, or without for the default
	 * @return float
	 */
	public static function requestTimeout( array $params ): float {
		return (float)( $params['reqTimeout'] ?? self::DEFAULT_REQ_TIMEOUT );
	}

	/**
	 * The HTTP client for the constructor, from a BagOStuff's parameters.
	 *
	 * @param array $params connTimeout, reqTimeout, maxConnsPerHost, caBundlePath, clientCert and
	 *  clientKey (see ClientCertificateHttpClient), proxy and telemetry (a
	 *  TelemetryHeadersInterface; default on MediaWiki 1.43+: MediaWiki's request telemetry)
	 * @return MultiHttpClient
	 */
	public static function newClient( array $params ): MultiHttpClient {
		$clientParams = [
			'connTimeout' => $params['connTimeout'] ?? self::DEFAULT_CONN_TIMEOUT,
			'reqTimeout' => $params['reqTimeout'] ?? self::DEFAULT_REQ_TIMEOUT,
		];
		$options = [
			'maxConnsPerHost', 'caBundlePath', 'clientCert', 'clientKey', 'proxy', 'telemetry'
		];
		foreach ( $options as $option ) {
			if ( isset( $params[$option] ) ) {
				$clientParams[$option] = $params[$option];
			}
		}
		// NOTE: MediaWiki 1.43's ObjectCacheFactory hands its telemetry to RESTBagOStuff only
		if ( !isset( $clientParams['telemetry'] ) && class_exists( Telemetry::class ) ) {
			$clientParams['telemetry'] = Telemetry::getInstance();
		}
		return new ClientCertificateHttpClient( $clientParams );
	}

	/** @inheritDoc */
	public function setLogger( LoggerInterface $logger ): void {
		$this->logger = $logger;
	}

	/**
	 * GET the keys.
	 *
	 * @param string[] $keys
	 * @return array[] Map of (key => [ stored bytes, or null when absent or failed; ETag or
	 *  null; the seconds the value has left (kask-ts's `Kask-TTL`) or null ]), once per key,
	 *  in the order of $keys
	 */
	public function get( array $keys ): array {
		$results = [];
		foreach ( $this->send( 'GET', array_fill_keys( $keys, null ) ) as $key => $response ) {
			[ $code, , $headers, $body ] = self::unpack( $response );
			$failed = $code === 0 || ( $code >= 400 && !in_array( $code, self::MISS_STATUSES, true ) );
			$this->report( 'get', (string)$key, $response, $failed );
			$ttl = $headers['kask-ttl'] ?? null;
			$results[$key] = ( $code === 200 && is_string( $body ) )
				? [
					$body,
					isset( $headers['etag'] ) ? (string)$headers['etag'] : null,
					is_numeric( $ttl ) ? (int)$ttl : null,
				]
				: [ null, null, null ];
		}
		return $results;
	}

	/**
	 * POST the bodies, each with the same extra headers.
	 *
	 * @param string $operation get, set, or a BagOStuff::METRIC_OP_* name, for logs
	 * @param string[] $bodyByKey Map of (key => body)
	 * @param string[] $headers Lower-case names: `cache-control`, `if-match` (then 412 is an
	 *  answer, not a failure)
	 * @return int[] Map of (key => status; 0 when no response came)
	 */
	public function post( string $operation, array $bodyByKey, array $headers = [] ): array {
		$answers = isset( $headers['if-match'] ) ? [ self::STATUS_PRECONDITION_FAILED ] : [];
		return $this->write( $operation, 'POST', $bodyByKey, $headers, $answers );
	}

	/**
	 * PUT a body: create the key only if it has no value (kask-ts).
	 *
	 * @param string $operation A BagOStuff::METRIC_OP_* name, for logs
	 * @param string $key
	 * @param string $body
	 * @param string[] $headers Lower-case names: `cache-control`
	 * @return int The status (409: the key is taken); 0 when no response came
	 */
	public function put( string $operation, string $key, string $body, array $headers = [] ): int {
		return $this->write(
			$operation, 'PUT', [ $key => $body ], $headers, [ self::STATUS_CONFLICT ]
		)[$key];
	}

	/**
	 * PATCH the TTL of the keys (kask-ts).
	 *
	 * @param string $operation A BagOStuff::METRIC_OP_* name, for logs
	 * @param string[] $keys
	 * @param int $maxAge Seconds
	 * @return int[] Map of (key => status, 404 when the key has no value; 0 when no response came)
	 */
	public function patch( string $operation, array $keys, int $maxAge ): array {
		return $this->write(
			$operation, 'PATCH', array_fill_keys( $keys, null ),
			[ 'cache-control' => "max-age=$maxAge" ], [ self::STATUS_NOT_FOUND ]
		);
	}

	/**
	 * DELETE the keys.
	 *
	 * @param string[] $keys
	 * @return bool[] Map of (key => whether the key is now absent)
	 */
	public function delete( array $keys ): array {
		$deleted = [];
		foreach ( $this->send( 'DELETE', array_fill_keys( $keys, null ) ) as $key => $response ) {
			$deleted[$key] = in_array( self::unpack( $response )[0], self::DELETE_OK_STATUSES, true );
			$this->report( 'delete', (string)$key, $response, !$deleted[$key] );
		}
		return $deleted;
	}

	/**
	 * DELETE a key only if its value matches (kask-ts).
	 *
	 * @param string $key
	 * @param string $ifMatch An ETag, or `*` for any value
	 * @return int The status (412: another value, or none); 0 when no response came
	 */
	public function deleteIfMatch( string $key, string $ifMatch ): int {
		return $this->write(
			'delete', 'DELETE', [ $key => null ], [ 'if-match' => $ifMatch ],
			[ self::STATUS_PRECONDITION_FAILED ]
		)[$key];
	}

	/**
	 * A key as the last path segment of its URL: rawurlencode()d, as RESTBagOStuff sends it,
	 * except the keys `.` and `..`, whose dots are percent-encoded too.
	 *
	 * NOTE: RFC 3986 section 5.2.4: a client removes the dot segments `.` and `..` from a path
	 * (libcurl does), so `{url}..` would reach `{url}`'s parent. The server decodes `%2E` back to
	 * `.`; rawurlencode() encodes `/`, so no other key is a dot segment.
	 *
	 * @param string $key
	 * @return string
	 */
	public static function pathSegment( string $key ): string {
		$segment = rawurlencode( $key );
		return ( $segment === '.' || $segment === '..' )
			? str_replace( '.', '%2E', $segment )
			: $segment;
	}

	/**
	 * Whether a status of POST, PUT, PATCH or a conditional DELETE means the request took effect.
	 *
	 * @param int $code
	 * @return bool
	 */
	public static function succeeded( int $code ): bool {
		return in_array( $code, self::WRITE_OK_STATUSES, true );
	}

	/**
	 * @param string $operation
	 * @param string $method
	 * @param array $bodyByKey Map of (key => body or null)
	 * @param string[] $headers
	 * @param int[] $answers Statuses besides WRITE_OK_STATUSES that are not failures
	 * @return int[] Map of (key => status)
	 */
	private function write(
		string $operation, string $method, array $bodyByKey, array $headers, array $answers
	): array {
		$codes = [];
		foreach ( $this->send( $method, $bodyByKey, $headers ) as $key => $response ) {
			$codes[$key] = self::unpack( $response )[0];
			$failed = !self::succeeded( $codes[$key] ) && !in_array( $codes[$key], $answers, true );
			$this->report( $operation, (string)$key, $response, $failed );
		}
		return $codes;
	}

	/**
	 * Send one request per key, concurrently, in windows of at most maxConnsPerHost requests.
	 *
	 * @param string $method
	 * @param array $bodyByKey Map of (key => request body, or null for none)
	 * @param string[] $headers Extra headers of every request, lower-case names
	 * @return array[] Map of (key => MultiHttpClient response), in the order of $bodyByKey
	 */
	private function send( string $method, array $bodyByKey, array $headers = [] ): array {
		if ( !$bodyByKey ) {
			return [];
		}
		$keys = [];
		$requests = [];
		foreach ( $bodyByKey as $key => $body ) {
			$keys[] = $key;
			$request = [
				'method' => $method,
				'url' => $this->url . self::pathSegment( (string)$key ),
				'headers' => $headers,
			];
			if ( $body !== null ) {
				$request['body'] = $body;
				$request['headers']['content-type'] = 'application/octet-stream';
			}
			$requests[] = $request;
		}
		$responses = [];
		foreach ( array_chunk( $requests, $this->maxConnsPerHost, true ) as $window ) {
			foreach ( $this->runWindow( $window ) as $i => $response ) {
				$responses[$keys[$i]] = $response;
			}
		}
		// In the order of the keys, whatever order the client answered in
		return array_replace( array_fill_keys( $keys, null ), $responses );
	}

	/**
	 * Send a window of requests at once; send those the server refused with 429 again after the
	 * longest `Retry-After` it gave them, while the retry can be answered within reqTimeout of when
	 * the window was first sent (each retry's own timeout is what is left of it, and a retry is
	 * expected to take as long as the attempt before it). The last response to a request that was
	 * sent again says how long it waited in all, in `retriedAfter` (seconds).
	 *
	 * @param array[] $window MultiHttpClient requests, by index
	 * @return array[] Map of (index => the last response to that request)
	 */
	private function runWindow( array $window ): array {
		$started = hrtime( true );
		// A client given to the constructor may allow fewer connections: it gets the window's number
		$options = [ 'maxConnsPerHost' => $this->maxConnsPerHost ];
		$responses = [];
		$waited = [];
		$pending = $window;
		while ( $pending ) {
			$sent = hrtime( true );
			$refused = [];
			$wait = 0;
			foreach ( $this->client->runMulti( $pending, $options ) as $i => $request ) {
				$responses[$i] = $request['response'];
				$retryAfter = self::retryAfter( $request['response'] );
				if ( $retryAfter !== null ) {
					$refused[$i] = $window[$i];
					$wait = max( $wait, $retryAfter );
				}
			}
			$now = hrtime( true );
			$left = $this->reqTimeout - ( $now - $started ) / 1e9 - $wait;
			if ( $refused && $left >= ( $now - $sent ) / 1e9 ) {
				usleep( $wait * 1000000 );
				$options['reqTimeout'] = $left;
				foreach ( $refused as $i => $request ) {
					$waited[$i] = ( $waited[$i] ?? 0 ) + $wait;
				}
			} else {
				$refused = [];
			}
			$pending = $refused;
		}
		foreach ( $waited as $i => $seconds ) {
			$responses[$i]['retriedAfter'] = $seconds;
		}
		return $responses;
	}

	/**
	 * The seconds a 429 says to wait before sending the request again; null for another answer, or
	 * a 429 without a delay in seconds (an HTTP date is not followed: clocks differ).
	 *
	 * @param array $response A MultiHttpClient response
	 * @return int|null
	 */
	private static function retryAfter( array $response ): ?int {
		[ $code, , $headers ] = self::unpack( $response );
		$retryAfter = trim( (string)( $headers['retry-after'] ?? '' ) );
		return ( $code === self::STATUS_TOO_MANY_REQUESTS && ctype_digit( $retryAfter ) )
			? (int)$retryAfter
			: null;
	}

	/**
	 * Log a request's outcome, once: a failure (see handleError()), or a success that needed a
	 * retry after a 429.
	 *
	 * @param string $operation get, set, delete, or a BagOStuff::METRIC_OP_* name
	 * @param string $key The request's key, only to redact it from the server's problem body
	 * @param array $response The last MultiHttpClient response to the request
	 * @param bool $failed
	 */
	private function report( string $operation, string $key, array $response, bool $failed ): void {
		if ( $failed ) {
			$this->handleError( $operation, $key, $response );
		} elseif ( isset( $response['retriedAfter'] ) ) {
			$this->logger->warning(
				$this->clientName . ': {operation} was over the server\'s rate limit (429): ' .
				'sent again after {retried_after} s',
				[ 'operation' => $operation, 'retried_after' => $response['retriedAfter'] ]
			);
		}
	}

	/**
	 * @param array $response A MultiHttpClient response
	 * @return array [ int code, string reason, array headers, mixed body, string error ]
	 */
	private static function unpack( array $response ): array {
		return [
			(int)( $response['code'] ?? 0 ),
			(string)( $response['reason'] ?? '' ),
			(array)( $response['headers'] ?? [] ),
			$response['body'] ?? '',
			(string)( $response['error'] ?? '' ),
		];
	}

	/**
	 * Log a failed request and report its error; never logs the key or the value.
	 *
	 * @param string $operation get, set, delete, or a BagOStuff::METRIC_OP_* name
	 * @param string $key The request's key, only to redact it from the server's problem body
	 * @param array $response A MultiHttpClient response
	 */
	private function handleError( string $operation, string $key, array $response ): void {
		[ $code, $reason, $headers, $body, $error ] = self::unpack( $response );
		if ( $error === '' ) {
			$error = $code === 0 ? 'no response' : $reason;
		}
		if ( $error === '' ) {
			$error = 'unexpected status';
		}
		$message = $this->clientName . ': {operation} failed: ({code}) {error}';
		$context = [ 'operation' => $operation, 'code' => $code, 'error' => $error ];

		$problem = ProblemDetails::fromResponse( $headers, $body );
		if ( $problem ) {
			$context += $problem->toLogContext( $key );
			foreach ( ProblemDetails::FIELDS as $field ) {
				if ( isset( $context["problem_$field"] ) ) {
					$message .= " : ($field) {problem_$field}";
				}
			}
		}
		if ( isset( $headers['retry-after'] ) ) {
			$context['retry_after'] = $headers['retry-after'];
		}
		if ( isset( $response['retriedAfter'] ) ) {
			$message .= ' : (sent again after {retried_after} s)';
			$context['retried_after'] = $response['retriedAfter'];
		}
		$hint = $this->hint( $code, $error );
		if ( $hint !== null ) {
			$message .= ' : {hint}';
			$context['hint'] = $hint;
		}

		$this->logger->error( $message, $context );
		$transient = [ 0, self::STATUS_UNAVAILABLE, self::STATUS_TOO_MANY_REQUESTS ];
		( $this->onError )(
			in_array( $code, $transient, true ) ? BagOStuff::ERR_UNREACHABLE : BagOStuff::ERR_UNEXPECTED
		);
	}

	/**
	 * The setting to check when a request failed this way, if the failure points at one.
	 *
	 * @param int $code HTTP status; 0 when no response came
	 * @param string $error Transport error, as MultiHttpClient reports cURL's
	 * @return string|null
	 */
	private function hint( int $code, string $error ): ?string {
		if ( $code === self::STATUS_NOT_AUTHORIZED ) {
			return 'the server did not identify this client: it requires a TLS client certificate ' .
				'($wgKaskStoreClientCert and $wgKaskStoreClientKey; clientCert, clientKey) that it ' .
				'names in its `clients` setting';
		}
		if ( $code === self::STATUS_TOO_MANY_REQUESTS ) {
			return 'the server refused it as over one of its rate limits (kask-ts: limits), and ' .
				'Retry-After left no time for a retry within the request timeout ' .
				'($wgKaskStoreReqTimeout, reqTimeout)';
		}
		if ( $code === self::STATUS_FORBIDDEN ) {
			return 'the server identified this client, but its `clients` setting does not give ' .
				'it the permission this request needs (read for GET, write for POST, PUT and ' .
				'PATCH, delete for DELETE)';
		}
		if ( $code !== 0 || !preg_match( '/^\(curl error: (\d+)\)/', $error, $match ) ) {
			return null;
		}
		$errno = (int)$match[1];
		if ( !array_key_exists( $errno, self::CURL_HINTS ) ) {
			return null;
		}
		if ( self::CURL_HINTS[$errno] !== null ) {
			return self::CURL_HINTS[$errno];
		}
		if ( strncasecmp( $this->url, 'https:', 6 ) === 0 ) {
			return 'the TLS connection was refused or ended: if the server requires a client ' .
				'certificate (kask-ts: tls.client_ca), check $wgKaskStoreClientCert and ' .
				'$wgKaskStoreClientKey (clientCert, clientKey), a certificate issued by that CA; ' .
				'and check that the server serves https on this port';
		}
		return $errno === 52
			? 'the server sent nothing back: if it serves https, $wgKaskStoreUrl (url) must ' .
				'start with https://'
			: null;
	}
}
