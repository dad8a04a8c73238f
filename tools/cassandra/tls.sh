#!/usr/bin/env bash
# Makes throwaway certificates for a test node's TLS (start.sh --tls and --client-tls call it): a CA, the node's
# certificate, a client certificate, and the PKCS12 key and trust stores Cassandra reads.
#   tls.sh DIR ADDRESS [NAMES]   writes DIR/{ca.pem,client.pem,client.key,keystore.p12,truststore.p12} (store password:
#                                cassandra); NAMES is the node certificate's subjectAltName (default IP:ADDRESS)
set -euo pipefail

dir="$1" address="$2" names="${3:-IP:$2}"
keytool="$(dirname "${KASK_CASSANDRA_JAVA:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}")/keytool"
[[ -f "$dir/keystore.p12" ]] && exit 0
mkdir -p "$dir"
cd "$dir"

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=kask-ts test CA' -keyout ca.key -out ca.pem 2>/dev/null
sign() { # name subject extensions
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out "$1.pem" \
    -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm -f "$1.csr"
}
sign node "/CN=$address" "subjectAltName=$names"$'\n'"extendedKeyUsage=serverAuth"
sign client '/CN=kask-ts' 'extendedKeyUsage=clientAuth'
openssl pkcs12 -export -in node.pem -inkey node.key -certfile ca.pem -name node -out keystore.p12 -passout pass:cassandra
# keytool, not openssl: Java trusts only certificates that keytool marks as trusted in a PKCS12 store.
"$keytool" -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass cassandra \
  >/dev/null 2>&1 || { echo "tls.sh: keytool could not write $dir/truststore.p12" >&2; exit 1; }
