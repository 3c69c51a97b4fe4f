// require('mysql') (v2 API), require('mysql2') and require('mysql2/promise') over Python's
// aiomysql pools (modules/mysql.py). FLAVOR ("mysql" or "mysql2") is defined before this text.
//
// Statements are formatted here with the drivers' documented escaping rules (the `sqlstring`
// rules both drivers share) and sent as complete SQL text; nothing is prepared on the server.
// A connection costs nothing until it queries: each query borrows a pooled server connection in
// Python and gives it back, unless it leaves a transaction open, in which case Python *pins* it
// to this connection (this._pin) until COMMIT/ROLLBACK, end() or release(). Queries of one
// connection run one at a time, in the order issued, as node-mysql queues them.
//
// Values cross as JSON: {"$bytes": base64} -> Buffer, {"$date": "YYYY-MM-DD hh:mm:ss"} -> Date
// (in the connection's `timezone`, 'local' by default), {"$big": digits} -> Number (or String
// with supportBigNumbers). DECIMAL, TIME and JSON come back as strings (mysql2 parses JSON and
// honours decimalNumbers), as the drivers do by default.
"use strict";

const TYPES = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7,
  LONGLONG: 8, INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15,
  BIT: 16, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250,
  LONG_BLOB: 251, BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
};
const TYPE_NAMES = {};
for (const name of Object.keys(TYPES)) TYPE_NAMES[TYPES[name]] = name;

// -- events ---------------------------------------------------------------------------------------

// Emitter (from _emitter.js), except that an 'error' event nobody listens to is dropped: a
// script's unhandled connection error must not end its invocation from a library callback.
class QuietEmitter extends Emitter {
  unhandledError() {}
}

// -- escaping: the sqlstring rules ----------------------------------------------------------------

const CHARS_TO_ESCAPE = /[\0\b\t\n\r\x1a"'\\]/g;
const CHAR_ESCAPES = {
  "\0": "\\0", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z",
  '"': '\\"', "'": "\\'", "\\": "\\\\",
};

function escapeString(text) {
  return "'" + String(text).replace(CHARS_TO_ESCAPE, (c) => CHAR_ESCAPES[c]) + "'";
}

function escapeId(value, forbidQualified) {
  if (Array.isArray(value)) return value.map((v) => escapeId(v, forbidQualified)).join(", ");
  const text = String(value).replace(/`/g, "``");
  return "`" + (forbidQualified ? text : text.replace(/\./g, "`.`")) + "`";
}

function zeroPad(number, length) {
  let text = String(number);
  while (text.length < length) text = "0" + text;
  return text;
}

// Minutes east of UTC for 'Z', '+08:00', '-0500'; false when unreadable.
function timezoneOffset(timeZone) {
  if (timeZone === "Z") return 0;
  const m = /([+\- ])(\d\d):?(\d\d)?/.exec(timeZone);
  if (!m) return false;
  return (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + (m[3] ? parseInt(m[3], 10) : 0));
}

function dateToSql(date, timeZone) {
  if (isNaN(date.getTime())) return "NULL";
  let parts;
  if (!timeZone || timeZone === "local") {
    parts = [date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(),
      date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  } else {
    const offset = timezoneOffset(timeZone);
    const shifted = new Date(date.getTime() + (offset ? offset * 60000 : 0));
    parts = [shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate(),
      shifted.getUTCHours(), shifted.getUTCMinutes(), shifted.getUTCSeconds(),
      shifted.getUTCMilliseconds()];
  }
  const [y, mo, d, h, mi, s, ms] = parts;
  return escapeString(
    `${zeroPad(y, 4)}-${zeroPad(mo, 2)}-${zeroPad(d, 2)} ` +
      `${zeroPad(h, 2)}:${zeroPad(mi, 2)}:${zeroPad(s, 2)}.${zeroPad(ms, 3)}`,
  );
}

function arrayToList(array, timeZone) {
  return array
    .map((v) => (Array.isArray(v) ? "(" + arrayToList(v, timeZone) + ")" : escape(v, true, timeZone)))
    .join(", ");
}

function objectToValues(object, timeZone) {
  const pairs = [];
  for (const key in object) {
    const value = object[key];
    if (typeof value === "function") continue;
    pairs.push(escapeId(key) + " = " + escape(value, true, timeZone));
  }
  return pairs.join(", ");
}

function escape(value, stringifyObjects, timeZone) {
  if (value === undefined || value === null) return "NULL";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
    case "bigint":
      return String(value);
    case "object":
      break;
    default:
      return escapeString(value);
  }
  if (value instanceof Date) return dateToSql(value, timeZone);
  if (Array.isArray(value)) return arrayToList(value, timeZone);
  if (ArrayBuffer.isView(value)) {
    return "X" + escapeString(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex"));
  }
  if (typeof value.toSqlString === "function") return String(value.toSqlString());
  if (stringifyObjects) return escapeString(String(value));
  return objectToValues(value, timeZone);
}

// `?` takes the next value, escaped; `??` the next identifier; `???` and longer stay as they are,
// and so do placeholders beyond the last value.
function format(sql, values, stringifyObjects, timeZone) {
  if (values === undefined || values === null) return sql;
  if (!Array.isArray(values)) values = [values];
  let index = 0;
  return String(sql).replace(/\?+/g, (match) => {
    if (match.length > 2 || index >= values.length) return match;
    const value = values[index++];
    return match === "??" ? escapeId(value) : escape(value, stringifyObjects, timeZone);
  });
}

function raw(sql) {
  if (typeof sql !== "string") throw new TypeError("argument sql must be a string");
  return { toSqlString: () => sql };
}

// -- configuration ---------------------------------------------------------------------------------

function parseUrl(url) {
  const m = /^[a-z0-9+.-]+:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::(\d+))?(?:\/([^?#]*))?(?:\?([^#]*))?/i.exec(url);
  if (!m) throw new TypeError(`Invalid connection URL: ${url}`);
  const config = {};
  if (m[1]) config.user = decodeURIComponent(m[1]);
  if (m[2] !== undefined) config.password = decodeURIComponent(m[2]);
  if (m[3]) config.host = decodeURIComponent(m[3]);
  if (m[4]) config.port = Number(m[4]);
  if (m[5]) config.database = decodeURIComponent(m[5]);
  for (const pair of (m[6] || "").split("&")) {
    if (!pair) continue;
    const [key, value = ""] = pair.split("=").map((p) => decodeURIComponent(p.replace(/\+/g, " ")));
    try {
      config[key] = JSON.parse(value);
    } catch (_) {
      config[key] = value;
    }
  }
  return config;
}

function normalize(options) {
  let config = typeof options === "string" ? parseUrl(options) : Object.assign({}, options || {});
  if (typeof config.uri === "string") config = Object.assign(parseUrl(config.uri), config);
  if (typeof config.url === "string" && !config.host) config = Object.assign(parseUrl(config.url), config);
  if (config.db && !config.database) config.database = config.db;
  if (config.username && !config.user) config.user = config.username;
  config.host = config.host || "localhost";
  config.port = Number(config.port) || 3306;
  config.timezone = config.timezone || "local";
  config.connectTimeout = Number(config.connectTimeout) || 10000;
  return config;
}

function wireConfig(config) {
  return {
    host: String(config.host), port: config.port, user: config.user == null ? "" : String(config.user),
    password: config.password == null ? "" : String(config.password),
    database: config.database == null ? "" : String(config.database), connectTimeout: config.connectTimeout,
  };
}

// -- results ----------------------------------------------------------------------------------------

function castDate(text, config, type) {
  const dateStrings = config.dateStrings;
  if (dateStrings === true || (Array.isArray(dateStrings) && dateStrings.includes(TYPE_NAMES[type]))) {
    return text;
  }
  const m = /^(\d{4})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d+))?)?$/.exec(text);
  if (!m || m[2] === "00" || m[3] === "00") return text; // zero dates: the text, as the drivers
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((p) => Number(p || 0));
  const ms = m[7] ? Number((m[7] + "00").slice(0, 3)) : 0;
  if (config.timezone === "local") return new Date(y, mo - 1, d, h, mi, s, ms);
  const offset = timezoneOffset(config.timezone) || 0;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60000);
}

function castBig(digits, config, type) {
  if (config.supportBigNumbers) return digits;
  return type === TYPES.NEWDECIMAL || type === TYPES.DECIMAL ? digits : Number(digits);
}

function cast(value, type, config) {
  if (value === null || value === undefined) return null;
  if (typeof value === "object") {
    if (typeof value.$bytes === "string") return Buffer.from(value.$bytes, "base64");
    if (typeof value.$date === "string") return castDate(value.$date, config, type);
    if (typeof value.$big === "string") return castBig(value.$big, config, type);
    return value;
  }
  if (type === TYPES.LONGLONG && config.supportBigNumbers && config.bigNumberStrings) return String(value);
  if (type === TYPES.NEWDECIMAL || type === TYPES.DECIMAL) {
    return FLAVOR === "mysql2" && config.decimalNumbers ? Number(value) : value;
  }
  if (type === TYPES.JSON && FLAVOR === "mysql2" && typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch (_) {
      return value;
    }
  }
  return value;
}

function buildRows(out, config, nestTables) {
  const fields = out.fields.map((f) => ({ name: f.name, orgName: f.name, type: f.type, columnType: f.type }));
  const rows = out.rows.map((wire) => {
    const row = {};
    for (const f of out.fields) {
      const value = cast(wire[f.name], f.type, config);
      if (nestTables === true) (row[""] || (row[""] = {}))[f.name] = value;
      else if (typeof nestTables === "string") row["" + nestTables + f.name] = value;
      else row[f.name] = value;
    }
    return row;
  });
  return [rows, fields];
}

function buildOk(ok, config) {
  const insertId = cast(ok.insertId, TYPES.LONGLONG, config);
  if (FLAVOR === "mysql2") {
    return {
      fieldCount: 0, affectedRows: ok.affectedRows, insertId, info: ok.message,
      serverStatus: ok.serverStatus, warningStatus: ok.warningCount, changedRows: ok.changedRows,
    };
  }
  return Object.assign({}, ok, { insertId });
}

function makeError(description, sql) {
  const isServer = typeof description.errno === "number" && description.errno > 0;
  const message = FLAVOR === "mysql" && isServer ? `${description.code}: ${description.message}` : description.message;
  const err = new Error(message);
  err.code = description.code;
  if (description.errno !== null && description.errno !== undefined) err.errno = description.errno;
  if (isServer) err.sqlMessage = description.message;
  if (sql !== undefined) err.sql = sql;
  err.fatal = Boolean(description.fatal);
  if (!isServer && description.code && description.code.startsWith("E")) err.syscall = "connect";
  return err;
}

function clientError(code, message) {
  const err = new Error(message);
  err.code = code;
  err.fatal = false;
  return err;
}

// -- Query, Connection, Pool ----------------------------------------------------------------------

class Query extends QuietEmitter {
  constructor(options, callback) {
    super();
    this.sql = options.sql;
    this.values = options.values;
    this.typeCast = options.typeCast;
    this.nestTables = options.nestTables || false;
    this.timeout = options.timeout;
    this._callback = callback;
  }
}

// (sql | options, values?, callback?) in the drivers' forms -> a Query.
function createQuery(sql, values, callback) {
  if (sql instanceof Query) return sql;
  let options;
  if (sql !== null && typeof sql === "object") {
    options = Object.assign({}, sql);
  } else {
    options = { sql };
  }
  if (typeof values === "function") {
    callback = values;
  } else if (values !== undefined) {
    options.values = values;
  }
  return new Query(options, callback);
}

// Connections, pools and their promise wrappers all escape and format with their config.
class Escaping extends QuietEmitter {
  escape(value) {
    return escape(value, this.config.stringifyObjects, this.config.timezone);
  }

  escapeId(value) {
    return escapeId(value);
  }

  format(sql, values) {
    return format(sql, values, this.config.stringifyObjects, this.config.timezone);
  }
}

class Connection extends Escaping {
  constructor(options, pool) {
    super();
    this.config = normalize(options);
    this.state = "disconnected";
    this.threadId = null;
    this._wire = wireConfig(this.config);
    this._pin = null;
    this._tail = Promise.resolve();
    this._fatal = null;
    this._quit = false;
    this._pool = pool || null;
    this._mayPin = true;
  }

  _enqueue(task) {
    const run = this._tail.then(task);
    this._tail = run.catch(() => {});
    return run;
  }

  _fail(err) {
    if (err && err.fatal) {
      this._fatal = err;
      this.state = "protocol_error";
    }
  }

  connect(options, callback) {
    if (typeof options === "function") callback = options;
    this._enqueue(
      () =>
        new Promise((resolve) => {
          host.call("connect", [this._wire], (hostErr, value) => {
            const err = hostErr || (value && value.error ? makeError(value.error) : null);
            if (err) {
              err.fatal = true;
              this._fail(err);
            } else {
              this.state = "authenticated";
              this.threadId = value.threadId;
            }
            resolve();
            if (callback) callback.call(this, err || null);
            else if (err) this.emit("error", err);
            else this.emit("connect");
          });
        }),
    );
  }

  query(sql, values, callback) {
    const query = createQuery(sql, values, callback);
    if (typeof this.config.queryFormat === "function") {
      query.sql = this.config.queryFormat.call(this, query.sql, query.values, this.config.timezone);
    } else {
      query.sql = format(query.sql, query.values, this.config.stringifyObjects, this.config.timezone);
    }
    let early = null;
    if (this._quit) early = clientError("PROTOCOL_ENQUEUE_AFTER_QUIT", "Cannot enqueue Query after invoking quit.");
    else if (this._fatal) early = clientError("PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR", "Cannot enqueue Query after fatal error.");
    else if (this._pool && this._pool._closed) early = clientError("POOL_CLOSED", "Pool is closed.");
    this._enqueue(() => this._run(query, early));
    return query;
  }

  execute(sql, values, callback) {
    // mysql2's prepared statements run as formatted text here, with the same escaping.
    return this.query(sql, values, callback);
  }

  _run(query, early) {
    return new Promise((resolve) => {
      if (early || this._fatal) {
        resolve();
        this._deliver(query, early || this._fatal);
        return;
      }
      host.call("query", [this._wire, this._pin, String(query.sql), this._mayPin], (hostErr, out) => {
        this._pin = out && out.pin !== undefined ? out.pin : null;
        resolve();
        let err = hostErr || null;
        if (!err && out.error) err = makeError(out.error, query.sql);
        if (err) {
          if (err.sql === undefined) err.sql = query.sql;
          this._fail(err);
          this._deliver(query, err);
        } else if (out.rows) {
          const [rows, fields] = buildRows(out, this.config, query.nestTables);
          this._deliver(query, null, rows, fields);
        } else {
          this._deliver(query, null, buildOk(out.ok, this.config), undefined);
        }
      });
    });
  }

  _deliver(query, err, results, fields) {
    if (err) {
      if (query._callback) query._callback.call(query, err);
      else if (query.listenerCount("error")) query.emit("error", err);
      else this.emit("error", err);
      query.emit("end");
      return;
    }
    if (fields) query.emit("fields", fields);
    if (Array.isArray(results)) for (const row of results) query.emit("result", row);
    else query.emit("result", results);
    if (query._callback) query._callback.call(query, null, results, fields);
    query.emit("end");
  }

  beginTransaction(options, callback) {
    if (typeof options === "function") callback = options;
    return this.query("START TRANSACTION", (err) => callback && callback(err || null));
  }

  commit(options, callback) {
    if (typeof options === "function") callback = options;
    return this.query("COMMIT", (err) => callback && callback(err || null));
  }

  rollback(options, callback) {
    if (typeof options === "function") callback = options;
    return this.query("ROLLBACK", (err) => callback && callback(err || null));
  }

  ping(options, callback) {
    if (typeof options === "function") callback = options;
    return this.query("SELECT 1", (err) => callback && callback(err || null));
  }

  _releasePin() {
    return new Promise((resolve) => {
      const pin = this._pin;
      this._pin = null;
      if (pin === null) return resolve();
      host.call("release", [pin], () => resolve());
    });
  }

  end(options, callback) {
    if (typeof options === "function") callback = options;
    this._quit = true;
    this._enqueue(() =>
      this._releasePin().then(() => {
        this.state = "disconnected";
        if (callback) callback.call(this, null);
        this.emit("end");
      }),
    );
  }

  destroy() {
    this._quit = true;
    this.state = "disconnected";
    this._enqueue(() => this._releasePin());
  }

  pause() {}
  resume() {}

  promise() {
    return new PromiseConnection(this);
  }
}

class PoolConnection extends Connection {
  constructor(pool) {
    super(pool.config, pool);
  }

  release() {
    // Back to the pool: an open transaction is rolled back, as when a pool resets a connection.
    this._enqueue(() => this._releasePin());
  }

  end(options, callback) {
    this.release();
    if (typeof options === "function") callback = options;
    if (callback) this._enqueue(() => callback(null));
  }

  destroy() {
    this.release();
  }
}

class Pool extends Escaping {
  constructor(options) {
    super();
    this.config = normalize(options && options.connectionConfig ? options.connectionConfig : options);
    this._closed = false;
  }

  getConnection(callback) {
    if (this._closed) {
      const err = clientError("POOL_CLOSED", "Pool is closed.");
      return void Promise.resolve().then(() => callback(err));
    }
    const connection = new PoolConnection(this);
    host.call("connect", [connection._wire], (hostErr, value) => {
      const err = hostErr || (value && value.error ? makeError(value.error) : null);
      if (err) return callback(err);
      connection.state = "authenticated";
      connection.threadId = value.threadId;
      this.emit("acquire", connection);
      callback(null, connection);
    });
  }

  query(sql, values, callback) {
    // Each pool query borrows a server connection for itself; it never pins one.
    const connection = new PoolConnection(this);
    connection._mayPin = false;
    return connection.query(sql, values, callback);
  }

  execute(sql, values, callback) {
    return this.query(sql, values, callback);
  }

  end(callback) {
    this._closed = true;
    if (callback) Promise.resolve().then(() => callback(null));
  }

  promise() {
    return new PromisePool(this);
  }
}

// -- mysql2's promise wrappers ----------------------------------------------------------------------

function promised(target, method, args) {
  return new Promise((resolve, reject) => {
    target[method](...args, (err, results, fields) => (err ? reject(err) : resolve([results, fields])));
  });
}

class PromiseConnection extends Escaping {
  constructor(connection) {
    super();
    this.connection = connection;
    this.config = connection.config;
  }
  get threadId() {
    return this.connection.threadId;
  }
  connect() {
    return new Promise((resolve, reject) => this.connection.connect((err) => (err ? reject(err) : resolve())));
  }
  query(sql, values) {
    return promised(this.connection, "query", values === undefined ? [sql] : [sql, values]);
  }
  execute(sql, values) {
    return this.query(sql, values);
  }
  beginTransaction() {
    return this.query("START TRANSACTION").then(() => undefined);
  }
  commit() {
    return this.query("COMMIT").then(() => undefined);
  }
  rollback() {
    return this.query("ROLLBACK").then(() => undefined);
  }
  ping() {
    return this.query("SELECT 1").then(() => undefined);
  }
  end() {
    return new Promise((resolve) => this.connection.end(() => resolve()));
  }
  destroy() {
    this.connection.destroy();
  }
  release() {
    this.connection.release();
  }
}

class PromisePool extends Escaping {
  constructor(pool) {
    super();
    this.pool = pool;
    this.config = pool.config;
  }
  getConnection() {
    return new Promise((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(new PromiseConnection(c)))),
    );
  }
  query(sql, values) {
    return promised(this.pool, "query", values === undefined ? [sql] : [sql, values]);
  }
  execute(sql, values) {
    return this.query(sql, values);
  }
  end() {
    return new Promise((resolve) => this.pool.end(() => resolve()));
  }
}

// -- the module ------------------------------------------------------------------------------------

function createConnection(config) {
  return new Connection(config);
}

function createPool(config) {
  return new Pool(config);
}

// Callable, as Auth0's Node 12 global and its docs use it: `mysql({...})` is createConnection.
function mysql(config) {
  return createConnection(config);
}

const shared = {
  escape: (value, stringifyObjects, timeZone) => escape(value, stringifyObjects, timeZone),
  escapeId: (value, forbidQualified) => escapeId(value, forbidQualified),
  format: (sql, values, stringifyObjects, timeZone) => format(sql, values, stringifyObjects, timeZone),
  raw,
  Types: TYPES,
};
Object.assign(mysql, shared, { createConnection, createPool, Connection, Pool, Query });

mysql.promiseApi = Object.assign({}, shared, {
  createConnection(config) {
    const connection = new PromiseConnection(createConnection(config));
    return connection.connect().then(() => connection);
  },
  createPool(config) {
    return new PromisePool(createPool(config));
  },
  PromiseConnection,
  PromisePool,
});
