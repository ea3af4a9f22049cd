'use strict'
// The web UI from Node: the same server as `mlops ui` (the mlops-ui crate),
// started in this process on threads of the engine. Pages, API and safety
// rules: docs/ui.md. This module only keeps Node's event loop alive while
// the server runs (a script that starts one serves until it stops it).
const { native, typed, codedError } = require('./native')

/** A running UI server: `url`, `port`, `running`, `stop()`. */
class UiServer {
  constructor(handle) {
    this._native = handle
    // Native threads do not keep Node alive; this timer does, until stop().
    this._alive = setInterval(() => {}, 1 << 30)
  }

  /** Its URL, `http://127.0.0.1:5210/`. */
  get url() {
    return this._native.url
  }

  /** The port it listens on. */
  get port() {
    return this._native.port
  }

  /** Whether it still serves. */
  get running() {
    return this._native.running
  }

  /** Stops it (the requests under way finish); stopping twice is fine. */
  stop() {
    clearInterval(this._alive)
    typed(() => this._native.stop())
  }
}

/**
 * Serves the UI over `store` (a URL or folder; unset: $MLOPS_STORE, else
 * `.mlops`) and returns the running `UiServer`. `host` other than a
 * loopback address needs `token` (`'PRINCIPAL=SECRET'` or `'SECRET'`, or
 * an array of them), which every request must then carry; `allowWrites`
 * turns on alias moves, tags and archiving from the pages, through the
 * policy as the token's principal (`principal` otherwise); `port: 0` picks
 * a free port. Unset options are the server's defaults (127.0.0.1:5210).
 * A store that is not there, a port taken or a public address without a
 * token throw before anything is served.
 *
 * @param {string | undefined} [store]
 * @param {{ host?: string, port?: number, token?: string | string[], allowWrites?: boolean, principal?: string }} [options]
 */
function serve(store, { host, port, token, allowWrites, principal } = {}) {
  if (store !== undefined && store !== null && typeof store !== 'string') {
    throw codedError('INVALID_INPUT', 'invalid input: serve expects a store URL or folder (a string)')
  }
  const tokens = token === undefined || token === null ? undefined : Array.isArray(token) ? token : [token]
  const handle = typed(() =>
    native.uiStart({ store: store ?? undefined, host, port, tokens, allowWrites, principal }),
  )
  return new UiServer(handle)
}

const ui = { serve, UiServer }

module.exports = { ui }
