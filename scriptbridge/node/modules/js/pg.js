// require('pg'): node-postgres 8's API, plus pg <= 6's pg.connect(), over asyncpg pools
// (modules/pg.py).
//
// A Client owns no server connection: Python keeps one pool per connection target and each
// query borrows a connection for itself. A query that leaves a transaction open (BEGIN) pins
// its connection to the client (this._pin) until the transaction ends or the client is
// released (done(), release(), end()); Python releases an idle pin on its own. As in
// node-postgres, one client runs its queries one after another, in the order issued.
//
// Connecting borrows nothing either: connect() only checks that the target answers, so once its
// pool has answered (a connect or a query, within WARM_MS) a connect calls back without asking
// Python again, still asynchronously (host.defer: later in the same pump, like
// process.nextTick). Python finds a target by the JSON text of its configuration (targetKey).
//
// Values: parameters go as node-postgres prepares them (text, null, arrays; Dates as
// {"$date": iso}, Buffers as {"$bytes": base64}, objects as JSON text), and Python converts
// them to the types the statement expects. Results come back typed as node-postgres types them
// (int8 and numeric as strings, dates as Dates, bytea as Buffers, json parsed).
"use strict";

const JSON_TYPES = new Set([114, 3802, 199, 3807]); // json, jsonb and their arrays
const typeParsers = new Map(); // type OID -> parser set by pg.types.setTypeParser
const answered = new Map(); // target key -> Date.now() when its pool last answered
const WARM_MS = 10000;
const stringify = JSON.stringify;

// Emitter (from _emitter.js), except that an 'error' event nobody listens to is dropped: a
// script's unhandled connection error must not end its invocation from a library callback.
class QuietEmitter extends Emitter {
  unhandledError() {}
}

// What Python needs to find a pool: a connection string, or the separate fields.
function normalize(config) {
  if (config === undefined || config === null) return {};
  if (typeof config === "string") return { connectionString: config };
  if (typeof config !== "object") throw new TypeError("pg: a client needs a connection string or a configuration object");
  const out = {};
  for (const key of ["connectionString", "host", "port", "user", "password", "database", "max"]) {
    if (config[key] !== undefined && config[key] !== null) out[key] = key === "port" || key === "max" ? Number(config[key]) : String(config[key]);
  }
  if (out.user === undefined && config.username !== undefined) out.user = String(config.username);
  const ssl = config.ssl;
  if (ssl === true) out.ssl = true;
  else if (ssl && typeof ssl === "object") {
    out.ssl = {};
    if (ssl.rejectUnauthorized === false) out.ssl.rejectUnauthorized = false;
    if (ssl.ca !== undefined) out.ssl.ca = String(ssl.ca);
  }
  return out;
}

// The key Python knows a target by: its normalized configuration as JSON.
function targetKey(config) {
  return stringify(config);
}

// Marks a target as reachable, or not, from a host call's outcome: an error without a
// SQLSTATE code is the connection's, and the next connect asks Python again.
function noteAnswer(key, err) {
  if (!err || isSqlState(err.code)) answered.set(key, Date.now());
  else answered.delete(key);
}

function isSqlState(code) {
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

// done(err): whether the target answers; without a host call when its pool answered lately.
function checkTarget(key, done) {
  const last = answered.get(key);
  if (last !== undefined && Date.now() - last < WARM_MS) {
    host.defer(() => done(null));
    return;
  }
  host.call("connect", [key], (err) => {
    noteAnswer(key, err);
    done(err ? asError(err) : null);
  });
}

// node-postgres's prepareValue, except that Dates and Buffers keep their type for Python.
function toWire(value, seen) {
  if (value === undefined || value === null) return null;
  if (ArrayBuffer.isView(value)) {
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  if (value instanceof Date) return isNaN(value.getTime()) ? "Invalid Date" : { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map((v) => toWire(v, seen));
  if (typeof value === "object") {
    if (typeof value.toPostgres === "function") {
      seen = seen || [];
      if (seen.includes(value)) throw new Error(`circular reference detected while preparing "${value}" for query`);
      seen.push(value);
      return toWire(value.toPostgres(toWire), seen);
    }
    return JSON.stringify(value);
  }
  return String(value);
}

function fromWire(value, json) {
  if (value === null || typeof value !== "object" || json) return value;
  if (Array.isArray(value)) return value.map((v) => fromWire(v, false));
  if (typeof value.$date === "string") return new Date(value.$date);
  if (typeof value.$bytes === "string") return Buffer.from(value.$bytes, "base64");
  if (typeof value.$number === "string") return Number(value.$number);
  return value;
}

function toResult(raw, rowMode) {
  const fields = raw.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, format: "text" }));
  const columns = fields.map((f) => {
    const json = JSON_TYPES.has(f.dataTypeID);
    const parser = typeParsers.get(f.dataTypeID);
    if (!parser) return (v) => fromWire(v, json);
    return (v) => (v === null ? null : parser(typeof v === "string" ? v : v && v.$date !== undefined ? v.$date : JSON.stringify(v)));
  });
  // Python sends each row as an array, in the order of the fields.
  const rows = raw.rows.map((row) => {
    if (rowMode === "array") return row.map((v, i) => columns[i](v));
    const out = {};
    for (let i = 0; i < fields.length; i++) out[fields[i].name] = columns[i](row[i]);
    return out;
  });
  return { command: raw.command, rowCount: raw.rowCount, oid: null, rows, fields, rowAsArray: rowMode === "array" };
}

function asError(err) {
  if (err && isSqlState(err.code)) {
    err.name = "error"; // node-postgres's DatabaseError
    err.severity = "ERROR";
  } else if (err && err.name === "PgError") {
    err.name = "Error";
  }
  return err;
}

// (text | {text, values, rowMode}, values?, callback?) -> [text, values, rowMode, callback]
function queryArguments(config, values, callback) {
  if (typeof values === "function") {
    callback = values;
    values = undefined;
  }
  let text = config;
  let rowMode;
  if (config !== null && typeof config === "object") {
    text = config.text;
    rowMode = config.rowMode;
    if (values === undefined) values = config.values;
    if (typeof config.callback === "function" && !callback) callback = config.callback;
  }
  if (typeof text !== "string") throw new TypeError("Client was passed a null or undefined query");
  return [text, Array.isArray(values) ? values.map((v) => toWire(v)) : [], rowMode, callback];
}

// Calls back (err, value) when no callback: returns a promise.
function settle(callback, start) {
  if (typeof callback === "function") {
    start(callback);
    return undefined;
  }
  return new Promise((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value))));
}

class Client extends QuietEmitter {
  constructor(config) {
    super();
    this._config = normalize(config);
    this._key = targetKey(this._config);
    const c = this._config;
    this.connectionParameters = c;
    this.host = c.host || "localhost";
    this.port = c.port || 5432;
    this.user = c.user;
    this.database = c.database;
    this._pin = null;
    this._queue = [];
    this._busy = false;
    this._connecting = false;
    this._ended = false;
  }

  connect(callback) {
    return settle(callback, (done) => {
      if (this._connecting) {
        done(new Error("Client has already been connected. You cannot reuse a client."));
        return;
      }
      this._connecting = true;
      checkTarget(this._key, (err) => {
        if (err) {
          done(err);
          return;
        }
        this.emit("connect");
        done(null, callback ? this : undefined);
      });
    });
  }

  query(config, values, callback) {
    const [text, params, rowMode, cb] = queryArguments(config, values, callback);
    return settle(cb, (done) => {
      if (this._ended) {
        done(new Error("Client was closed and is not queryable"));
        return;
      }
      this._enqueue((next) => {
        host.call("query", [this._key, this._pin, text, params], (err, answer) => {
          noteAnswer(this._key, err);
          if (!err) this._pin = answer.pin;
          next();
          if (err) done(asError(err));
          else done(null, toResult(answer.result, rowMode));
        });
      });
    });
  }

  end(callback) {
    this._ended = true;
    return settle(callback, (done) => {
      this._enqueue((next) => this._release(() => {
        next();
        this.emit("end");
        done(null);
      }));
    });
  }

  // Gives back a pinned connection (rolling back an open transaction).
  _release(then) {
    const pin = this._pin;
    this._pin = null;
    if (pin === null) {
      if (then) then();
      return;
    }
    host.call("release", [pin], () => then && then());
  }

  _enqueue(work) {
    this._queue.push(work);
    if (!this._busy) this._next();
  }

  _next() {
    const work = this._queue.shift();
    this._busy = work !== undefined;
    if (work) work(() => this._next());
  }

  escapeIdentifier(str) {
    return '"' + String(str).replace(/"/g, '""') + '"';
  }

  escapeLiteral(str) {
    let hasBackslash = false;
    let escaped = "'";
    for (const c of String(str)) {
      if (c === "'") escaped += "''";
      else if (c === "\\") {
        escaped += "\\\\";
        hasBackslash = true;
      } else escaped += c;
    }
    escaped += "'";
    return hasBackslash ? " E" + escaped : escaped;
  }
}

// A client lent by a pool: release() (or done()) gives it back.
function pooledClient(config) {
  const client = new Client(config);
  let released = false;
  client.release = (err) => {
    if (released) return;
    released = true;
    client._ended = true;
    client._enqueue((next) => client._release(next));
  };
  return client;
}

class Pool extends QuietEmitter {
  constructor(config) {
    super();
    this.options = Object.assign({ max: 10, idleTimeoutMillis: 10000 }, config || {});
    this._config = normalize(config);
    this._key = targetKey(this._config);
    this.ending = false;
    this.ended = false;
    this.totalCount = 0;
    this.idleCount = 0;
    this.waitingCount = 0;
  }

  connect(callback) {
    return settle(callback, (done) => {
      if (this.ending) {
        done(new Error("Cannot use a pool after calling end on the pool"));
        return;
      }
      const client = pooledClient(this._config);
      checkTarget(this._key, (err) => {
        if (err) done(err);
        else {
          this.emit("connect", client);
          this.emit("acquire", client);
          done(null, client, client.release);
        }
      });
    });
  }

  query(config, values, callback) {
    const [text, params, rowMode, cb] = queryArguments(config, values, callback);
    return settle(cb, (done) => {
      if (this.ending) {
        done(new Error("Cannot use a pool after calling end on the pool"));
        return;
      }
      host.call("query", [this._key, null, text, params], (err, answer) => {
        noteAnswer(this._key, err);
        // A pool's query never keeps a connection (a BEGIN here is rolled back).
        if (!err && answer.pin !== null) host.call("release", [answer.pin], () => {});
        if (err) done(asError(err));
        else done(null, toResult(answer.result, rowMode));
      });
    });
  }

  // The connections belong to Python's shared pool; ending a Pool only refuses further use.
  end(callback) {
    this.ending = true;
    this.ended = true;
    return settle(callback, (done) => done(null));
  }
}

// pg <= 6: pg.connect(config, (err, client, done) => ...), on a pool shared per target.
function connect(config, callback) {
  if (typeof config === "function") {
    callback = config;
    config = undefined;
  }
  const client = pooledClient(config);
  const done = client.release;
  if (typeof callback !== "function") {
    return new Promise((resolve, reject) => checkTarget(client._key, (err) => (err ? reject(err) : resolve(client))));
  }
  checkTarget(client._key, (err) => {
    if (err) callback(err, undefined, () => {});
    else callback(null, client, done);
  });
  return undefined;
}

const builtins = {
  BOOL: 16, BYTEA: 17, CHAR: 18, INT8: 20, INT2: 21, INT4: 23, TEXT: 25, OID: 26, JSON: 114,
  FLOAT4: 700, FLOAT8: 701, BPCHAR: 1042, VARCHAR: 1043, DATE: 1082, TIME: 1083,
  TIMESTAMP: 1114, TIMESTAMPTZ: 1184, INTERVAL: 1186, NUMERIC: 1700, UUID: 2950, JSONB: 3802,
};

const types = {
  builtins,
  setTypeParser(oid, format, parser) {
    if (typeof format === "function") parser = format;
    typeParsers.set(Number(oid), parser);
  },
  getTypeParser(oid) {
    return typeParsers.get(Number(oid)) || ((value) => value);
  },
};

class DatabaseError extends Error {}

exports.Client = Client;
exports.Pool = Pool;
exports.connect = connect;
exports.end = () => {};
exports.types = types;
exports.defaults = { host: "localhost", port: 5432, poolSize: 10, max: 10, parseInt8: false };
exports.DatabaseError = DatabaseError;
exports.escapeIdentifier = Client.prototype.escapeIdentifier;
exports.escapeLiteral = Client.prototype.escapeLiteral;
exports.native = null;
exports.pools = { all: {}, getOrCreate: () => new Pool() };
