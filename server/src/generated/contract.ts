// Generated from openapi/openapi.yaml by scripts/generate.mjs. Do not edit: run `npm run generate`.

/**
 * Every problem the server answers, by name: status, `type` URI, title, default detail, the headers the
 * document fixes (lower-case name: value), and those it requires but leaves the value to the server.
 */
export const problems = {
  "bad_request": {
    "status": 400,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/bad_request",
    "title": "Bad request",
    "detail": "The request was incorrect or malformed",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "not_authorized": {
    "status": 401,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/not_authorized",
    "title": "Not authorized",
    "detail": "Unable to authorize request",
    "headers": {
      "cache-control": "no-store",
      "www-authenticate": "MutualTLS",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "forbidden": {
    "status": 403,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/forbidden",
    "title": "Forbidden",
    "detail": "The client does not have the permission this request needs",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "not_found": {
    "status": 404,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/not_found",
    "title": "Not found",
    "detail": "The value you requested was not found",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "method_not_allowed": {
    "status": 405,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/method_not_allowed",
    "title": "Method not allowed",
    "detail": "The method is not supported for this resource",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": [
      "allow"
    ]
  },
  "payload_too_large": {
    "status": 413,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/payload_too_large",
    "title": "Payload too large",
    "detail": "The value is larger than the server accepts",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "request_header_fields_too_large": {
    "status": 431,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/request_header_fields_too_large",
    "title": "Request header fields too large",
    "detail": "The request has more header fields, or longer ones, than the server accepts",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "not_implemented": {
    "status": 501,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/not_implemented",
    "title": "Not implemented",
    "detail": "The request body's transfer coding is not supported; only chunked is",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "conflict": {
    "status": 409,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/conflict",
    "title": "Conflict",
    "detail": "The key already has a value",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "precondition_failed": {
    "status": 412,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/precondition_failed",
    "title": "Precondition failed",
    "detail": "The value has changed or is absent",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "server_error": {
    "status": 500,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/server_error",
    "title": "Internal server error",
    "detail": "The server encountered an error with your request",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": []
  },
  "too_many_requests": {
    "status": 429,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/too_many_requests",
    "title": "Too many requests",
    "detail": "The request is over a rate limit; retry after Retry-After seconds",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": [
      "retry-after"
    ]
  },
  "service_unavailable": {
    "status": 503,
    "type": "https://www.mediawiki.org/wiki/Kask/errors/service_unavailable",
    "title": "Service unavailable",
    "detail": "The storage is unavailable; retry later",
    "headers": {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff"
    },
    "suppliedHeaders": [
      "retry-after"
    ]
  }
} as const;

/** Media types of the bodies the server answers. */
export const mediaTypes = {
  problem: "application/problem+json",
  sessionValue: "application/octet-stream",
  openapi: "application/x-yaml",
} as const;

/** The methods the document declares on each path, in its order (a route's `Allow` header). */
export const pathMethods = {
  "/sessions/v1/{key}": [
    "GET",
    "PUT",
    "POST",
    "DELETE",
    "HEAD",
    "PATCH"
  ],
  "/healthz": [
    "GET",
    "HEAD"
  ],
  "/readyz": [
    "GET",
    "HEAD"
  ],
  "/metrics": [
    "GET",
    "HEAD"
  ],
  "/insight": [
    "GET",
    "HEAD"
  ],
  "/openapi": [
    "GET",
    "HEAD"
  ]
} as const;

/** The headers of fixed value that every answer of a path other than a problem carries (problems: see `problems`). */
export const pathHeaders = {
  "/sessions/v1/{key}": {
    "cache-control": "no-store"
  },
  "/healthz": {
    "cache-control": "no-store"
  },
  "/readyz": {
    "cache-control": "no-store"
  },
  "/metrics": {
    "cache-control": "no-store"
  },
  "/insight": {
    "cache-control": "no-store"
  },
  "/openapi": {
    "cache-control": "no-cache"
  }
} as const;

/** The session route as the document writes it; the server mounts it under its configured base_uri. */
export const sessionPathTemplate = "/sessions/v1/{key}";

/** The methods of the session route, in the document's order (the `Allow` header of a 405). */
export const sessionMethods = pathMethods[sessionPathTemplate];

/** The permission each method of the session route needs from a listed client (`x-kask-permission`). */
export const sessionPermissions = {
  "GET": "read",
  "PUT": "write",
  "POST": "write",
  "DELETE": "delete",
  "HEAD": "read",
  "PATCH": "write"
} as const;

/** Defaults of the configurable limits. */
export const defaultLimits = {
  maxKeyBytes: 1024,
  maxValueBytes: 1048576,
} as const;

/** More header fields than this answer 431, whatever Node's own limit (not configurable). */
export const maxHeaderFields = 100;

/** The field name of each header component, as the document's responses name it (`KaskTTL` -> `kask-ttl`). */
export const headerNames = {
  "NoStore": "cache-control",
  "ETag": "etag",
  "KaskTTL": "kask-ttl",
  "NoCache": "cache-control",
  "NoSniff": "x-content-type-options",
  "WWWAuthenticate": "www-authenticate",
  "Allow": "allow",
  "RetryAfter": "retry-after"
} as const;

/** What a namespace's name may be (it is also a metric label, a CQL table name and an LMDB database name). */
export const namespaceNamePattern = new RegExp("^[a-z][a-z0-9_]{0,47}$");
