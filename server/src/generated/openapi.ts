// Generated from openapi/openapi.yaml by scripts/generate.mjs. Do not edit: run `npm run generate`.
export interface paths {
    "/sessions/v1/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        /**
         * Read a session value
         * @description Answers the exact bytes last stored under the key, or 404 when the key is absent or expired; with the
         *     value, its ETag and the seconds it has left (`Kask-TTL`, not in Kask).
         *
         *     Conditional (see `If-Match` and `If-None-Match`): 412 when `If-Match` does not name the value's ETag;
         *     304 with the ETag and no body when `If-None-Match` names it (or is `*`). An absent key answers 404
         *     whatever the conditions say.
         */
        get: operations["getSession"];
        /**
         * Store a session value only if the key has none
         * @description An atomic set-if-absent (not in Kask): of several concurrent PUTs to one key exactly one gets 201;
         *     the others get 409 and change nothing. An expired value counts as absent. The TTL is the
         *     server's `default_ttl`, or `Cache-Control: max-age` seconds clamped to `max_ttl`.
         *
         *     A key with a value answers 409 whatever the conditions say (RFC 9110 section 13.2.1). So `If-Match`,
         *     which holds only for a present value, makes a PUT to an absent key answer 412 and store nothing: a
         *     PUT with `If-Match` never stores. `If-None-Match` always holds for an absent key: it changes nothing.
         */
        put: operations["createSession"];
        /**
         * Store a session value
         * @description Stores the request body as it is, whatever its Content-Type (MediaWiki sends
         *     `application/octet-stream`, or `application/x-www-form-urlencoded` when none is configured),
         *     replacing any previous value. The value expires after the server's `default_ttl`, or after
         *     `Cache-Control: max-age` seconds when given (clamped to `max_ttl`).
         *     A 201 means the value is durable (on Cassandra: written at LOCAL_QUORUM).
         *
         *     With `If-Match`, the write is a compare-and-set: it happens only if the current value still has
         *     that ETag (from a GET), atomically; otherwise 412 and nothing changes. With `If-None-Match: *` it
         *     stores only if the key has no value (as PUT does, but 412 instead of 409); with ETags, only if the
         *     current value has none of them.
         */
        post: operations["setSession"];
        /**
         * Delete a session value
         * @description Removes the key. Answers 204 also when the key did not exist. No rate limit applies to it: a session
         *     must always be able to end, whatever floods its namespace's writes. On Cassandra the delete is written
         *     at EACH_QUORUM, so a 204 means every data centre has it.
         *
         *     With `If-Match`, the delete is conditional: it happens only if the current value still has that
         *     ETag (`*`: any current value), atomically; otherwise 412 and nothing changes. A key that is also
         *     written with PUT or `If-Match` (a lock, a counter) should be deleted this way: on Cassandra those
         *     writes are lightweight transactions, ordered by Paxos ballots, while a plain DELETE carries its own
         *     timestamp, so a plain DELETE racing a PUT to the same key can shadow a PUT that was answered 201.
         *     With `If-None-Match`, a value it names (or any, for `*`) is kept and the answer is 412.
         */
        delete: operations["deleteSession"];
        options?: never;
        /**
         * Read a session value's headers
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2; not in
         *     Kask): whether the key has a live value, its ETag, the seconds it has left (`Kask-TTL`) and the
         *     `Content-Length` of the value, without transferring it. Conditional as GET is; a problem has its
         *     headers only.
         */
        head: operations["headSession"];
        /**
         * Change the TTL of a stored value
         * @description Sets the time to live of the current value to `Cache-Control: max-age` seconds (clamped to
         *     `max_ttl`) without changing the value (not in Kask). Sends no body. Atomic: it never brings back
         *     a value deleted meanwhile, nor overwrites one written meanwhile.
         *
         *     With `If-Match`, the TTL changes only if the current value still has that ETag, atomically (on
         *     Cassandra, one lightweight transaction); otherwise 412 and nothing changes. `If-None-Match` likewise
         *     refuses (412) a value it names. An absent key answers 404 whatever the conditions say.
         */
        patch: operations["touchSession"];
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness and build information
         * @description Answers 200 while the process runs (also when storage is down; see `/readyz`), with Kask's build fields and the storage state, of every namespace and overall.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Liveness, without the content
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2); load balancers probe with HEAD.
         */
        head: operations["headHealth"];
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description Answers 200 when every namespace's storage answers in every worker process of the service and none uses more than `readyz_max_used_share` of a quota or of its filesystem, 503 (naming the namespaces whose storage does not answer, or that use too much, and why) otherwise; for load balancers and orchestrators.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Readiness, without the content
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2); load balancers probe with HEAD.
         */
        head: operations["headReadiness"];
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Kask's metric names (`http_requests_total`, `http_request_duration_seconds`, `kask_build_info`) plus storage metrics, access denials (`kask_access_denials_total`), requests over a rate limit (`kask_rate_limited_total`), refused TLS handshakes by reason (`kask_tls_handshake_failures_total`), and insight into writes (`kask_written_value_bytes`, `kask_compared_writes_total`, `kask_same_value_writes_total`, and with `insight.secret_file` `kask_written_keys`); every request, storage and write metric has a `namespace` label (`default` on a server configured as Kask is). No label ever holds a key.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Prometheus metrics, without the content
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2); load balancers probe with HEAD.
         */
        head: operations["headMetrics"];
        patch?: never;
        trace?: never;
    };
    "/insight": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * How often keys are written, and the most written keys by keyed hash
         * @description Per namespace, over the last `insight.window_seconds` of the whole service (every worker process): the
         *     writes answered 201 (POST and PUT), how many keys were written once, 2-5, 6-20 and more than 20 times,
         *     and the most written keys. A key is never shown: each stands as its keyed hash, the first 64 bits of
         *     HMAC-SHA256 of the key (its bytes as decoded from the URL) with the secret in `insight.secret_file`, in
         *     hexadecimal. Without the secret nobody can tell which key a hash stands for; with it, an operator can
         *     compute the hash of a known key. Only with `insight.secret_file` set (else 404, with the detail
         *     "No insight: insight.secret_file is not set"), and only for the clients in `metrics_clients` when it is
         *     set.
         */
        get: operations["getInsight"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Key writes, without the content
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2).
         */
        head: operations["headInsight"];
        patch?: never;
        trace?: never;
    };
    "/openapi": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document
         * @description The document with the session route under the first namespace's `base_uri`, and every other namespace's path referring to it.
         */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * This document, without the content
         * @description Answers as GET would, with its status and headers and no content (RFC 9110 section 9.3.2); load balancers probe with HEAD.
         */
        head: operations["headOpenApi"];
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Opaque bytes, stored and returned exactly. Never empty. */
        SessionValue: string;
        /** @description An RFC 7807 problem. Fields come in Kask's order. */
        Problem: {
            /** Format: uri */
            type: string;
            title: string;
            detail: string;
            /** @description The decoded request path. */
            instance: string;
        };
        BadRequestProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/bad_request";
            /** @constant */
            title?: "Bad request";
            /** @default The request was incorrect or malformed */
            detail: unknown;
        } & components["schemas"]["Problem"];
        NotAuthorizedProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/not_authorized";
            /** @constant */
            title?: "Not authorized";
            /** @default Unable to authorize request */
            detail: unknown;
        } & components["schemas"]["Problem"];
        ForbiddenProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/forbidden";
            /** @constant */
            title?: "Forbidden";
            /** @default The client does not have the permission this request needs */
            detail: unknown;
        } & components["schemas"]["Problem"];
        NotFoundProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/not_found";
            /** @constant */
            title?: "Not found";
            /** @default The value you requested was not found */
            detail: unknown;
        } & components["schemas"]["Problem"];
        MethodNotAllowedProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/method_not_allowed";
            /** @constant */
            title?: "Method not allowed";
            /** @default The method is not supported for this resource */
            detail: unknown;
        } & components["schemas"]["Problem"];
        PayloadTooLargeProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/payload_too_large";
            /** @constant */
            title?: "Payload too large";
            /** @default The value is larger than the server accepts */
            detail: unknown;
        } & components["schemas"]["Problem"];
        RequestHeaderFieldsTooLargeProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/request_header_fields_too_large";
            /** @constant */
            title?: "Request header fields too large";
            /** @default The request has more header fields, or longer ones, than the server accepts */
            detail: unknown;
        } & components["schemas"]["Problem"];
        NotImplementedProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/not_implemented";
            /** @constant */
            title?: "Not implemented";
            /** @default The request body's transfer coding is not supported; only chunked is */
            detail: unknown;
        } & components["schemas"]["Problem"];
        ConflictProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/conflict";
            /** @constant */
            title?: "Conflict";
            /** @default The key already has a value */
            detail: unknown;
        } & components["schemas"]["Problem"];
        PreconditionFailedProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/precondition_failed";
            /** @constant */
            title?: "Precondition failed";
            /** @default The value has changed or is absent */
            detail: unknown;
        } & components["schemas"]["Problem"];
        ServerErrorProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/server_error";
            /** @constant */
            title?: "Internal server error";
            /** @default The server encountered an error with your request */
            detail: unknown;
        } & components["schemas"]["Problem"];
        TooManyRequestsProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/too_many_requests";
            /** @constant */
            title?: "Too many requests";
            /** @default The request is over a rate limit; retry after Retry-After seconds */
            detail: unknown;
        } & components["schemas"]["Problem"];
        ServiceUnavailableProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/service_unavailable";
            /** @constant */
            title?: "Service unavailable";
            /** @default The storage is unavailable; retry later */
            detail: unknown;
        } & components["schemas"]["Problem"];
        InsufficientStorageProblem: {
            /** @constant */
            type?: "https://www.mediawiki.org/wiki/Kask/errors/insufficient_storage";
            /** @constant */
            title?: "Insufficient storage";
            /** @default The storage is full; nothing was changed */
            detail: unknown;
        } & components["schemas"]["Problem"];
        Health: {
            version: string;
            /** @description When the server was compiled (not when it started). */
            build_date: string;
            build_host: string;
            /** @description The commit the server was compiled from, with `-modified` when its files differed from it; `unknown` when built outside a git checkout. */
            git_commit: string;
            node_version: string;
            storage: {
                /** @enum {string} */
                backend: "embedded" | "cassandra";
                /** @description Every namespace's storage answers. */
                available: boolean;
                namespaces: components["schemas"]["NamespaceAvailability"];
                full?: components["schemas"]["NamespacesFull"];
                alarms?: components["schemas"]["NamespaceAlarms"];
            };
        };
        Readiness: {
            /** @constant */
            status: "ready";
            namespaces: components["schemas"]["NamespaceAvailability"];
            full?: components["schemas"]["NamespacesFull"];
        };
        Insight: {
            /** @description The window, `insight.window_seconds`, in tenths; the answer covers the current tenth so far and the nine before it. */
            window_seconds: number;
            /** @description Each namespace's writes, by namespace name. */
            namespaces: {
                [key: string]: components["schemas"]["NamespaceInsight"];
            };
        };
        NamespaceInsight: {
            /** @description Writes answered 201 (POST and PUT) in the window. */
            writes: number;
            /**
             * @description Keys written in the window, by how many times each was: exact while the namespace's keys fit the
             *     sample (`keys_sampled_one_in` 1), else estimated from one key in `keys_sampled_one_in`, every write of
             *     each counted.
             */
            keys_by_writes: {
                1: number;
                "2-5": number;
                "6-20": number;
                "21+": number;
            };
            /** @description The sample behind `keys_by_writes` holds one key in this many (a power of 2), chosen by keyed hash. */
            keys_sampled_one_in: number;
            /** @description The most written keys, most first, at most `insight.top_keys` of them, as keyed hashes. */
            top_keys: {
                /** @description The first 64 bits of HMAC-SHA256 of the key with the operator's secret, in hexadecimal. */
                key_hash: string;
                /** @description Writes of the key in the window, at least; at most `top_keys_error_bound` more. */
                writes: number;
            }[];
            /**
             * @description Each listed key was written at most this many times more than its `writes` says (0: the counts are
             *     exact), and any key written more than this many times is among the 1,023 the server follows.
             */
            top_keys_error_bound: number;
        };
        /** @description Whether each namespace's storage answers (in every worker process), by namespace name; `default` is the one namespace of a server configured as Kask is. */
        NamespaceAvailability: {
            [key: string]: boolean;
        };
        /**
         * @description The namespaces whose writes are refused for want of space or by their quota (507 `insufficient_storage`),
         *     each with why, by namespace name; absent when every namespace takes writes. Reads go on. A namespace full
         *     for want of space leaves it when a write succeeds again, or (embedded store) when its filesystem has gained
         *     room since the refusal; one at its quota, when what it holds changes (a write that grew it, a delete, a purge
         *     of expired values, on Cassandra a new size estimate).
         */
        NamespacesFull: {
            [key: string]: string;
        };
        /**
         * @description The namespaces that use more than `readyz_max_used_share` of a quota or of their filesystem, each with why, by
         *     namespace name; absent when none does. A growth alarm, not an outage: their storage answers and they serve
         *     (`available` stays true), but `/readyz` answers 503 naming them.
         */
        NamespaceAlarms: {
            [key: string]: string;
        };
    };
    responses: {
        /** @description `If-None-Match` names the value's ETag (or is `*`): the client's copy is current. No body. */
        NotModified: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                ETag: components["headers"]["ETag"];
                "Kask-TTL": components["headers"]["KaskTTL"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description The request is malformed (empty body, query string, key too long or not UTF-8; a missing, repeated or invalid Host). */
        BadRequest: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["BadRequestProblem"];
            };
        };
        /**
         * @description The server lists its clients (`clients`, or `metrics_clients` on /metrics and /insight) and could not
         *     identify this one: it presented no TLS client certificate naming it, and no trusted proxy forwarded one. Answered
         *     before anything about the key or the request is looked at.
         */
        NotAuthorized: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["NotAuthorizedProblem"];
            };
        };
        /**
         * @description The client is identified but lacks the permission this method needs in this namespace (`read` for GET
         *     and HEAD, `write` for POST, PUT and PATCH, `delete` for DELETE), or is not listed in `metrics_clients`
         *     on /metrics and /insight. Answered before anything about the key or the request is looked at.
         */
        Forbidden: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["ForbiddenProblem"];
            };
        };
        /** @description The key is absent or expired, or the path is not a single key. */
        NotFound: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["NotFoundProblem"];
            };
        };
        /** @description The method is not supported on this route. */
        MethodNotAllowed: {
            headers: {
                Allow: components["headers"]["Allow"];
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["MethodNotAllowedProblem"];
            };
        };
        /**
         * @description The body is larger than `max_value_bytes`; it was not read to its end and nothing changed. A request
         *     to the session route with such a body gets this answer whatever its method, also one that takes no
         *     body (GET, PATCH, DELETE) and one the route does not allow.
         */
        PayloadTooLarge: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["PayloadTooLargeProblem"];
            };
        };
        /**
         * @description The request has more than 100 header fields (Apache's `LimitRequestFields` and Envoy's
         *     `max_headers_count`), or its header section is larger than 16 KiB beyond the longest key. It was
         *     refused before any route saw it, nothing changed, and the connection closes: a field the server did
         *     not keep (an `If-Match`, a client identity) could have changed what the request does.
         */
        RequestHeaderFieldsTooLarge: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["RequestHeaderFieldsTooLargeProblem"];
            };
        };
        /**
         * @description The body is sent with a transfer coding other than `chunked` alone (`gzip, chunked`, `deflate`,
         *     `identity`, ...): RFC 9112 section 6.1, as Kask answers. Values are stored as the bytes sent, so a
         *     coded body is never stored; nothing changed, and the connection closes.
         */
        NotImplemented: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["NotImplementedProblem"];
            };
        };
        /** @description PUT found a live value under the key; nothing changed. */
        Conflict: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["ConflictProblem"];
            };
        };
        /** @description `If-Match` does not name the current value (or there is none), or `If-None-Match` names it; nothing changed. */
        PreconditionFailed: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["PreconditionFailedProblem"];
            };
        };
        /** @description A fault in the server or its storage; nothing can be assumed about a write. */
        ServerError: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["ServerErrorProblem"];
            };
        };
        /**
         * @description The request is over one of the server's rate limits (not in Kask; none unless configured): the namespace's
         *     reads or writes a second from every client together, this client's in the namespace, or the writes a second
         *     to this key (POST, PUT and PATCH; never DELETE). It was refused before its body was read, and nothing
         *     changed: a write may be sent again after `Retry-After` seconds, when the limit would admit it. The detail
         *     says which limit, never the key. A limit holds for the whole server, whichever of its processes answers.
         */
        TooManyRequests: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "Retry-After": components["headers"]["RetryAfter"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["TooManyRequestsProblem"];
            };
        };
        /** @description The storage is unreachable, cannot reach the required consistency, timed out, or is not set up yet (its keyspace or table missing, which the operator creates while the server runs). A write that got this answer may or may not have been applied; retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "Retry-After": components["headers"]["RetryAfter"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["ServiceUnavailableProblem"];
            };
        };
        /**
         * @description The storage refused the write for want of space: the embedded store's filesystem is full (or its LMDB map),
         *     Cassandra's disk usage guardrail refused it, or the namespace's quota (`max_bytes`, `max_keys`) is reached,
         *     which the detail names. Nothing changed; reads go on. Not a transient fault, so no `Retry-After`: writes
         *     succeed again, without a restart, once there is room (values expire or are deleted, or the operator frees
         *     space or raises the quota). A quota never refuses a delete or a TTL change; a full disk may.
         */
        InsufficientStorage: {
            headers: {
                "Cache-Control": components["headers"]["NoStore"];
                "X-Content-Type-Options": components["headers"]["NoSniff"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["InsufficientStorageProblem"];
            };
        };
    };
    parameters: {
        /**
         * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
         *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
         *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
         *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
         */
        Key: string;
        /**
         * @description `max-age=N`: the value expires N seconds after this write (N >= 1), clamped to the server's
         *     `max_ttl`. Other directives are ignored; a header with none sets no TTL. Read as RFC 9111 section
         *     5.2 says: directives are separated by commas outside quoted strings (a `max-age` inside one, as in
         *     `private="a,max-age=9"`, is no directive), names are case-insensitive, and N may be quoted
         *     (`max-age="60"`). The pattern: at most one `max-age` directive, whose value is a whole number of
         *     seconds of at least 1, and every quoted string closed.
         * @example max-age=3600
         */
        CacheControl: string;
        /**
         * @description `max-age=N`: the value now expires N seconds from this request (N >= 1), clamped to the server's `max_ttl`. Read as on POST (see its Cache-Control); `max-age` must appear exactly once.
         * @example max-age=3600
         */
        CacheControlTtl: string;
        /**
         * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
         *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
         *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
         *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
         *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
         * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
         */
        IfMatch: string;
        /**
         * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
         *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
         *     answers 304 and the other methods 412, and nothing changes.
         * @example *
         */
        IfNoneMatch: string;
    };
    requestBodies: never;
    headers: {
        /**
         * @description Session values and keys are credentials, and every answer about them is live state: no cache between
         *     client and server may store any of them (RFC 9111 section 5.2.2.5). Also on problems and on /healthz,
         *     /readyz, /metrics and /insight, whose answers are the state of the moment.
         */
        NoStore: "no-store";
        /** @description The document changes only with a deploy or a new configuration; a cache may keep it, but asks the server again before each use (RFC 9111 section 5.2.2.4). */
        NoCache: "no-cache";
        /** @description Problems are never to be sniffed as another type. */
        NoSniff: "nosniff";
        /**
         * @description The methods the resource supports.
         * @example GET, POST, DELETE
         */
        Allow: string;
        /**
         * @description A strong validator derived from the value; send it back in `If-Match` to compare-and-set.
         * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
         */
        ETag: string;
        /**
         * @description The whole seconds the value has left before it expires, rounded up (so at least 1), as the store
         *     counts them at this read; absent when the value never expires (stored with a TTL of 0). Not in Kask;
         *     a client can renew the value with PATCH before it expires. Named without `X-` (RFC 6648).
         * @example 3600
         */
        KaskTTL: number;
        /**
         * @description RFC 9110 section 11.6.1 requires a challenge with every 401. Clients authenticate with a TLS client
         *     certificate, which no HTTP authentication scheme carries: `MutualTLS` names that (after OpenAPI's
         *     `mutualTLS` security scheme type) and takes no parameters. A client answers it by connecting again with
         *     its certificate, or through the trusted proxy that forwards it.
         */
        WWWAuthenticate: "MutualTLS";
        /** @description Seconds after which a retry may succeed. */
        RetryAfter: number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getSession: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The stored value, byte for byte. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    ETag: components["headers"]["ETag"];
                    "Kask-TTL": components["headers"]["KaskTTL"];
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": components["schemas"]["SessionValue"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createSession: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description `max-age=N`: the value expires N seconds after this write (N >= 1), clamped to the server's
                 *     `max_ttl`. Other directives are ignored; a header with none sets no TTL. Read as RFC 9111 section
                 *     5.2 says: directives are separated by commas outside quoted strings (a `max-age` inside one, as in
                 *     `private="a,max-age=9"`, is no directive), names are case-insensitive, and N may be quoted
                 *     (`max-age="60"`). The pattern: at most one `max-age` directive, whose value is a whole number of
                 *     seconds of at least 1, and every quoted string closed.
                 * @example max-age=3600
                 */
                "Cache-Control"?: components["parameters"]["CacheControl"];
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "*/*": components["schemas"]["SessionValue"];
            };
        };
        responses: {
            /**
             * @description Created. The body is empty; the ETag is the stored value's, as a GET would give it, so that a
             *     client can delete its own value with `If-Match` without reading it first (a lock's release).
             */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
            507: components["responses"]["InsufficientStorage"];
        };
    };
    setSession: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description `max-age=N`: the value expires N seconds after this write (N >= 1), clamped to the server's
                 *     `max_ttl`. Other directives are ignored; a header with none sets no TTL. Read as RFC 9111 section
                 *     5.2 says: directives are separated by commas outside quoted strings (a `max-age` inside one, as in
                 *     `private="a,max-age=9"`, is no directive), names are case-insensitive, and N may be quoted
                 *     (`max-age="60"`). The pattern: at most one `max-age` directive, whose value is a whole number of
                 *     seconds of at least 1, and every quoted string closed.
                 * @example max-age=3600
                 */
                "Cache-Control"?: components["parameters"]["CacheControl"];
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "*/*": components["schemas"]["SessionValue"];
            };
        };
        responses: {
            /** @description Stored. The body is empty; the ETag is the stored value's, as a GET would give it (not in Kask). */
            201: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    ETag: components["headers"]["ETag"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
            507: components["responses"]["InsufficientStorage"];
        };
    };
    deleteSession: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted, or was not there (without `If-Match`). */
            204: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
            507: components["responses"]["InsufficientStorage"];
        };
    };
    headSession: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The headers GET's 200 has (`Content-Length` the value's); no content. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    ETag: components["headers"]["ETag"];
                    "Kask-TTL": components["headers"]["KaskTTL"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    touchSession: {
        parameters: {
            query?: never;
            header: {
                /**
                 * @description `max-age=N`: the value now expires N seconds from this request (N >= 1), clamped to the server's `max_ttl`. Read as on POST (see its Cache-Control); `max-age` must appear exactly once.
                 * @example max-age=3600
                 */
                "Cache-Control": components["parameters"]["CacheControlTtl"];
                /**
                 * @description RFC 9110 section 13.1.1: the request is carried out only if the key has a value and this names its
                 *     ETag (from a GET; strong comparison, so `W/` tags never match), or is `*` (any value); otherwise 412
                 *     and nothing changes. A list of ETags, separated by commas, names any of them. The server evaluates
                 *     `If-Match`, then `If-None-Match`; it ignores `If-Unmodified-Since` and `If-Modified-Since`, as RFC
                 *     9110 sections 13.1.3-4 require of a resource that has no modification date, and `If-Range`.
                 * @example "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                 */
                "If-Match"?: components["parameters"]["IfMatch"];
                /**
                 * @description RFC 9110 section 13.1.2: the request is carried out only if the key has no value, or a value whose
                 *     ETag this does not name (weak comparison: `W/"x"` names `"x"`); `*` names any value. Otherwise GET
                 *     answers 304 and the other methods 412, and nothing changes.
                 * @example *
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The session key: one percent-decoded path segment (MediaWiki sends `rawurlencode(key)`).
                 *     At most `max_key_bytes` bytes of UTF-8 once decoded (by default the `maxLength` below, which counts
                 *     characters: a key of multi-byte characters reaches the limit sooner). An encoded `/`, an extra
                 *     segment or a trailing slash answers 404; a query string answers 400, a bare `?` is no query.
                 */
                key: components["parameters"]["Key"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The TTL was changed. */
            204: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            412: components["responses"]["PreconditionFailed"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
            507: components["responses"]["InsufficientStorage"];
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service is alive. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            400: components["responses"]["BadRequest"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            501: components["responses"]["NotImplemented"];
        };
    };
    headHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The service is alive. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve sessions. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            400: components["responses"]["BadRequest"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            501: components["responses"]["NotImplemented"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    headReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve sessions. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not ready; no content. */
            503: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics in the Prometheus text format. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            501: components["responses"]["NotImplemented"];
        };
    };
    headMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics would be served. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The server restricts /metrics (`metrics_clients`) and the client was not identified; no content. */
            401: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The server restricts /metrics (`metrics_clients`) and does not list the client; no content. */
            403: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getInsight: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The writes of the window, by namespace. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Insight"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["NotAuthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            500: components["responses"]["ServerError"];
            501: components["responses"]["NotImplemented"];
        };
    };
    headInsight: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The insight would be served. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The server restricts /insight (`metrics_clients`) and the client was not identified; no content. */
            401: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The server restricts /insight (`metrics_clients`) and does not list the client; no content. */
            403: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The server has no `insight.secret_file`; no content. */
            404: {
                headers: {
                    "Cache-Control": components["headers"]["NoStore"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document as YAML. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoCache"];
                    [name: string]: unknown;
                };
                content: {
                    "application/x-yaml": string;
                };
            };
            400: components["responses"]["BadRequest"];
            431: components["responses"]["RequestHeaderFieldsTooLarge"];
            501: components["responses"]["NotImplemented"];
        };
    };
    headOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document would be served. */
            200: {
                headers: {
                    "Cache-Control": components["headers"]["NoCache"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
