// require('sqlite3'): the node-sqlite3 API (v5) over Python's aiosqlite (modules/sqlite3.py).
//
// Scripts open a Database on every call and rarely close it; Python shares one connection per
// file, so that costs nothing. Statements run in the order they are issued on a Database
// (aiosqlite queues them on the connection's thread), so serialize() just runs its function.
// Parameters: an array, an object ({$name}, {:name}, {@name}), or values after the SQL.
// Binary values cross as {"$bytes": base64} and come back as Buffers.
"use strict";

const OPEN_READONLY = 0x00000001;
const OPEN_READWRITE = 0x00000002;
const OPEN_CREATE = 0x00000004;

function toWire(value) {
  if (value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  if (value !== null && typeof value === "object" && ArrayBuffer.isView(value)) {
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  return value;
}

function fromWire(row) {
  if (row === null || typeof row !== "object") return row;
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (value !== null && typeof value === "object" && typeof value.$bytes === "string") {
      row[key] = Buffer.from(value.$bytes, "base64");
    }
  }
  return row;
}

// (sql, ...params, callback?) in all their node-sqlite3 forms -> [params, callback].
function splitArguments(rest) {
  let callback = null;
  if (rest.length && typeof rest[rest.length - 1] === "function") callback = rest.pop();
  let params;
  if (rest.length === 1 && Array.isArray(rest[0])) {
    params = rest[0].map(toWire);
  } else if (rest.length === 1 && rest[0] !== null && typeof rest[0] === "object" && !ArrayBuffer.isView(rest[0])) {
    params = {};
    for (const key of Object.keys(rest[0])) params[key] = toWire(rest[0][key]);
  } else {
    params = rest.map(toWire);
  }
  return [params, callback];
}

class Database {
  constructor(filename, mode, callback) {
    if (typeof mode === "function") {
      callback = mode;
      mode = OPEN_READWRITE | OPEN_CREATE;
    }
    this.filename = String(filename);
    this.open = false;
    this._handle = host.promise("open", [this.filename, mode === undefined ? OPEN_READWRITE | OPEN_CREATE : mode]);
    this._handle.then(
      () => {
        this.open = true;
        if (callback) callback.call(this, null);
      },
      (err) => {
        if (callback) callback.call(this, err);
      },
    );
    // An unhandled open failure must not end the invocation on its own: statements report it.
    this._handle.catch(() => {});
  }

  _run(method, sql, rest, deliver) {
    const [params, callback] = splitArguments(rest);
    this._handle.then(
      (handle) =>
        host.call(method, [handle, String(sql), params], (err, result) => deliver(err, result, callback)),
      (err) => deliver(err, null, callback),
    );
    return this;
  }

  get(sql, ...rest) {
    return this._run("get", sql, rest, (err, row, cb) => cb && cb.call(this, err, err ? undefined : fromWire(row === null ? undefined : row)));
  }

  all(sql, ...rest) {
    return this._run("all", sql, rest, (err, rows, cb) => cb && cb.call(this, err, err ? undefined : rows.map(fromWire)));
  }

  run(sql, ...rest) {
    return this._run("run", sql, rest, (err, info, cb) => {
      if (!cb) return;
      // As in node-sqlite3, the callback's `this` carries lastID and changes.
      const statement = { sql: String(sql), lastID: info ? info.lastID : undefined, changes: info ? info.changes : undefined };
      cb.call(statement, err);
    });
  }

  exec(sql, callback) {
    return this._run("exec", sql, callback ? [callback] : [], (err, _, cb) => cb && cb.call(this, err));
  }

  each(sql, ...rest) {
    // each(sql, params..., rowCallback, completeCallback?)
    let complete = null;
    if (rest.length >= 2 && typeof rest[rest.length - 1] === "function" && typeof rest[rest.length - 2] === "function") {
      complete = rest.pop();
    }
    return this._run("all", sql, rest, (err, rows, rowCallback) => {
      if (err) {
        if (rowCallback) rowCallback.call(this, err);
        else if (complete) complete.call(this, err);
        return;
      }
      for (const row of rows) if (rowCallback) rowCallback.call(this, null, fromWire(row));
      if (complete) complete.call(this, null, rows.length);
    });
  }

  serialize(fn) {
    if (typeof fn === "function") fn();
    return this;
  }

  parallelize(fn) {
    return this.serialize(fn);
  }

  close(callback) {
    this._handle.then(
      (handle) => host.call("close", [handle], (err) => callback && callback.call(this, err)),
      (err) => callback && callback.call(this, err),
    );
    this.open = false;
  }

  configure() {
    return this;
  }

  on() {
    return this;
  }
}

exports.Database = Database;
exports.OPEN_READONLY = OPEN_READONLY;
exports.OPEN_READWRITE = OPEN_READWRITE;
exports.OPEN_CREATE = OPEN_CREATE;
exports.verbose = () => exports;
exports.cached = { Database };
