'use strict'
// Model packages and signatures: `Package`, `Signature`, `generateKey()`.
const { native, ipcBuffer } = require('./native')

/**
 * A model's input and output schema: columns `{name, type, nullable}` with
 * Arrow type names (`Float64`, `Utf8`, ...), tensors with a `shape`.
 */
class Signature {
  /** @param {{inputs?: object[], outputs?: object[], input_example?: any}} spec */
  constructor(spec) {
    this.inputs = spec.inputs || []
    this.outputs = spec.outputs || []
    if (spec.input_example !== undefined) this.input_example = spec.input_example
  }

  /** Infers a signature from an ONNX model file's graph inputs and outputs. */
  static async fromOnnx(file) {
    return new Signature(await native.signatureFromOnnx(file))
  }

  /**
   * Checks an apache-arrow Table (or Arrow IPC bytes) against the inputs;
   * resolves to `{ok, problems, messages}` with every problem: missing
   * columns, type mismatches (lossless widening is accepted), nulls in
   * non-nullable columns (count and first row).
   */
  async validate(data) {
    return native.signatureValidateIpc(JSON.stringify(this.toJSON()), ipcBuffer(data))
  }

  toJSON() {
    const out = { inputs: this.inputs, outputs: this.outputs }
    if (this.input_example !== undefined) out.input_example = this.input_example
    return out
  }
}

/**
 * A model package: a folder (or `.tar.zst` archive) of files listed with
 * their sizes and BLAKE3 hashes in `mlops-package.json`. Heavy calls return
 * Promises and run off the JavaScript thread.
 */
class Package {
  /** @param {string} path @param {object} manifest */
  constructor(path, manifest) {
    this.path = path
    this.manifest = manifest
  }

  /**
   * Makes `dir` a package (or, with `files`, copies them into the new folder
   * `dir` first). Options: `name`, `version`, `flavor` (required),
   * `flavorVersion`, `metrics`, `params`, `signature`, `lineage`,
   * `requirements`, `card`, `files`.
   */
  static async build(dir, { name, version, flavor, flavorVersion, metrics, params, signature, lineage, requirements, card, files } = {}) {
    const spec = { name, version, flavor }
    if (flavorVersion !== undefined) spec.flavor_version = flavorVersion
    if (metrics !== undefined) spec.metrics = metrics
    if (params !== undefined) spec.params = params
    if (signature !== undefined) spec.signature = signature instanceof Signature ? signature.toJSON() : signature
    if (lineage !== undefined) spec.lineage = lineage
    if (requirements !== undefined) spec.requirements = requirements
    if (card !== undefined) spec.card = card
    const m = await native.packageBuild(dir, JSON.stringify(spec), files || null)
    return new Package(dir, m)
  }

  /** Opens a package folder or `.tar.zst` archive (the manifest is checked). */
  static async load(file) {
    return new Package(file, await native.packageLoad(file))
  }

  /** Reads an MLflow model folder into the new package folder `out`. */
  static async fromMlflow(dir, out, { name, version } = {}) {
    return new Package(out, await native.packageFromMlflow(dir, out, name ?? null, version ?? null))
  }

  /** The signature, or null. */
  get signature() {
    return this.manifest.signature ? new Signature(this.manifest.signature) : null
  }

  /** Checks every file's size and hash; rejects with code `INTEGRITY` naming the file. */
  async verify() {
    await native.packageVerify(this.path)
  }

  /** Signs the package with a secret key file; resolves to the key id. */
  sign(keyFile) {
    return native.packageSign(this.path, keyFile)
  }

  /** Checks the signature against trusted public key files, then every file; resolves to the key id. */
  verifySignature(trusted) {
    return native.packageVerifySignature(this.path, trusted)
  }

  /** Writes the package as one `.tar.zst` archive. */
  async saveArchive(out) {
    await native.packageSaveArchive(this.path, out)
  }

  /** Writes the package as a new MLflow model folder. */
  async toMlflow(out) {
    await native.packageToMlflow(this.path, out)
  }

  /**
   * Exports the package for a model server (`target`: `mlserver`, `kserve`,
   * `triton` or `tfserving`) into the new (or empty) folder `out`, after
   * checking its files and its signature against the `trusted` public key
   * files. An unsigned package is refused (code `PERMISSION_DENIED`) unless
   * `allowUnsigned`; a tampered one always (`INTEGRITY`); a flavor the target
   * cannot hold is `UNSUPPORTED`. Resolves to the sidecar (`mlops.json`).
   */
  export(out, target, { trusted, allowUnsigned, version } = {}) {
    return native.packageExport(this.path, out, target, trusted || [], allowUnsigned === true, version ?? null)
  }
}

/** Generates an Ed25519 key pair: `file` (secret, mode 0600) and `file.pub`; returns the key id. */
function generateKey(file) {
  return native.generateKey(file)
}

module.exports = { Signature, Package, generateKey }
