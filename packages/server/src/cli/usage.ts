/** The text of `syncline --help`. */
export const USAGE = `Usage:
  syncline serve --schema <module> --db <url> [--port 8787] [--host 127.0.0.1] [--dev]
                 [--static <dir>] [--no-migrate] [--gc-every 1h [--gc-older-than 30d]]
                 [--jwks-url <url>] [--jwt-issuer <iss>] [--jwt-audience <aud>] [--jwt-clock-skew 30s]
                 [--rate-limit 100/s,burst=1000|off] [--rate-limit-ip 5/s,burst=20|off] [--trust-proxy <n>]
                 [--cors-origin <origin>]... [--headers-timeout 15s] [--body-idle-timeout 15s]
                 [--max-connections-per-ip 256|off] [--metrics-token <token>]
  syncline serve --config <module> [--port <n>] [--host <addr>] [--dev]
  syncline migrate --schema <module> --db <url>
  syncline gc --schema <module> --db <url> [--older-than 30d]
  syncline bump-generation --schema <module> --db <url>

Commands:
  serve    Serve the sync API (migrates the tables first unless --no-migrate).
  migrate  Create or additively migrate the tables for the schema, then exit.
  gc       Remove tombstones older than --older-than, then exit. Clients whose cursor is
           older than what was removed start over (reset) at their next pull.
  bump-generation
           Start a new database generation, then exit: every client downloads again at
           its next pull and takes the server's state (pending writes are kept and pushed).
           Run it after restoring a PostgreSQL backup or promoting a replica, before
           serving. A restored SQLite file is detected without it.

Options:
  --schema <module>     A .ts or .js module exporting the schema (default export or "schema"),
                        and optionally "rules".
  --db <url>            sqlite:<path> (the directory is created) or postgres://user:pass@host/db;
                        default $DATABASE_URL. A postgres URL may end in ?schema=<name>.
  --pg-schema <name>    PostgreSQL schema (namespace) for the tables (default: ?schema= or public).
  --config <module>     A module whose default export is { schema, rules, database, port, host, dev }.
  --data-dir <dir>      Dev-mode files (the dev secret) with PostgreSQL or a store from --config
                        (default ./data; with SQLite, the database file's directory).
  --port <n>            TCP port (default $PORT or 8787; 0 picks a free one).
  --host <addr>         Interface to bind (default 127.0.0.1; 0.0.0.0 serves the network).
  --dev                 Dev mode: loopback only, generated token secret, POST /dev/token.
  --static <dir>        serve: also serve the files of <dir> (a built web app) at /, its
                        index.html at / (the dev page of curl commands moves to /dev).
  --no-migrate          serve: do not migrate on start (run "syncline migrate" in your deploy).
  --gc-every <d>        serve: run garbage collection this often, e.g. 1h (default: never).
  --gc-older-than <d>   serve: what the scheduled GC removes (default 30d).
  --older-than <d>      gc: remove tombstones older than this (default 30d).
                        Durations take a unit: s, m, h or d.
  --jwks-url <url>      serve: verify tokens with your identity provider's JWKS (RS256, ES256,
                        EdDSA…; tokens must name their "kid"). Overrides SYNCLINE_JWKS_URL.
  --jwt-issuer <iss>    serve: required "iss" of tokens. Overrides SYNCLINE_JWT_ISSUER.
  --jwt-audience <aud>  serve: required "aud" (one of a comma-separated list).
                        Overrides SYNCLINE_JWT_AUDIENCE.
  --jwt-clock-skew <d>  serve: clock skew tolerated for exp/nbf/iat, e.g. 30s (default 0).
                        Overrides SYNCLINE_JWT_CLOCK_SKEW (seconds).
  --rate-limit <rate>   serve: push and pull requests per user, a token bucket: 100/s,burst=1000
                        (the default; without --dev), 600/m, or off. Answered 429 + Retry-After.
  --rate-limit-ip <rate>
                        serve: push and pull requests with a missing or refused token, per
                        client address (default 5/s,burst=20; without --dev), or off.
  --trust-proxy <n>     serve: n reverse proxies stand in front; the client address is taken
                        from X-Forwarded-For (default 0: the TCP peer). Also turns the default
                        connection cap off (every connection comes from the proxy).
  --cors-origin <origin>
                        serve: let pages of this origin (https://app.example.com) call the API
                        and open the socket; repeat for more; * for any (default: none).
  --headers-timeout <d> serve: time to send the request headers (default 15s).
  --body-idle-timeout <d>
                        serve: a request body silent this long is closed (default 15s; 0s: off).
                        An idle timeout: a large push on a slow but steady link finishes.
  --max-connections-per-ip <n>
                        serve: open connections per client address (default 256 without --dev
                        or --trust-proxy; off to lift it). Over it: 503 and closed.
  --metrics-token <t>   serve: serve GET /metrics to "Authorization: Bearer <t>" only (at least
                        16 characters). Overrides SYNCLINE_METRICS_TOKEN. Without a token,
                        /metrics is off (with --dev: served to anyone on loopback).
  -h, --help            Show this help.

Environment:
  SYNCLINE_JWT_SECRET  HS256 secret (at least 32 bytes) that verifies bearer tokens.
  SYNCLINE_JWKS_URL    JWKS of your identity provider (instead of the secret).
  SYNCLINE_JWT_KID     With the secret: the "kid" tokens must name (others are refused).
  SYNCLINE_JWT_ISSUER, SYNCLINE_JWT_AUDIENCE, SYNCLINE_JWT_CLOCK_SKEW
                       As --jwt-issuer, --jwt-audience, --jwt-clock-skew (seconds).
  Dev mode signs its tokens with its own dev secret, never SYNCLINE_JWT_SECRET;
  a server without --dev refuses them. See docs/security.md.
  SYNCLINE_METRICS_TOKEN
                       As --metrics-token (the flag shows in the process list; prefer this).
  DATABASE_URL         Used when --db is not given.

The server answers GET /healthz and GET /readyz (503 while the database does not answer)
and, with a metrics token, GET /metrics (Prometheus text format). Rate limits are kept per
server process: with N instances a user may get up to N times the rate. See docs/security.md.`;
