# Shell helpers for bin/test.sh and bin/e2e-login.sh (sourced, not run).

# Prints the directory that bin/install-mediawiki-1.43.sh unpacks Debian 13's MediaWiki 1.43 into;
# MediaWiki itself is in its usr/share/mediawiki.
mediawiki_143_home() {
	echo "${KASKSTORE_MW143_HOME:-$HOME/.cache/kask-ts/mediawiki-1.43}"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	php -r '$s = stream_socket_server( "tcp://127.0.0.1:0" ); $n = stream_socket_get_name( $s, false ); echo substr( $n, strrpos( $n, ":" ) + 1 );'
}

# wait_for_url URL PID [TRIES]: waits until URL answers 2xx, polling every 0.2 s, at most TRIES
# times (default 150, i.e. 30 s). Fails early if process PID has exited. An https URL is verified
# with the CA file KASK_CA_FILE, presenting the client certificate KASK_CLIENT_CERT (key:
# KASK_CLIENT_KEY) when they are set.
wait_for_url() {
	local url=$1 pid=$2 tries=${3:-150} i
	for (( i = 0; i < tries; i++ )); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "process $pid exited while waiting for $url" >&2
			return 1
		fi
		if php -r '
			$ssl = array_filter( [ "cafile" => getenv( "KASK_CA_FILE" ), "local_cert" => getenv( "KASK_CLIENT_CERT" ),
				"local_pk" => getenv( "KASK_CLIENT_KEY" ) ] );
			$context = stream_context_create( [ "http" => [ "timeout" => 2 ], "ssl" => $ssl ] );
			exit( @file_get_contents( $argv[1], false, $context ) === false ? 1 : 0 );' "$url"; then
			return 0
		fi
		sleep 0.2
	done
	echo "no answer from $url after $tries tries" >&2
	return 1
}

# stop_process PID: SIGTERM, then waits up to 10 s, then SIGKILL. Only for processes this script started.
stop_process() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for (( i = 0; i < 50; i++ )); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "process $pid ignored SIGTERM for 10 s; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

# PHPUnit arguments that write a JUnit report of suite $1 into KASK_TEST_RESULTS, when that is set
# (`npm test` collects them for its summary line).
junit_args() {
	[ -z "${KASK_TEST_RESULTS:-}" ] || echo "--log-junit $KASK_TEST_RESULTS/phpunit-$1.xml"
}

# make_test_pki DIR: with openssl, a CA (DIR/ca.pem), a certificate for 127.0.0.1 (DIR/server.pem,
# DIR/server.key) and a client certificate named `mediawiki` (DIR/client.pem, DIR/client.key).
make_test_pki() {
	local dir=$1 name cn usage
	local ec=( -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes )
	openssl req -x509 "${ec[@]}" -days 1 -subj '/CN=KaskStore test CA' -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
	for name in server client; do
		if [ "$name" = server ]; then
			cn=127.0.0.1 usage='extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1'
		else
			cn=mediawiki usage='extendedKeyUsage=clientAuth'
		fi
		openssl req -new "${ec[@]}" -subj "/CN=$cn" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
		openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
			-extfile <( echo "$usage" ) -out "$dir/$name.pem" 2>/dev/null
	done
}
