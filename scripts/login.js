// Login script of the default connection: checks an email and password against the demo
// legacy store, a SQLite file of users with bcrypt password hashes (configuration.LEGACY_DB).
// Written as a team writes one for its own legacy database.
function login(email, password, callback) {
  const sqlite3 = require('sqlite3');
  const bcrypt = require('bcrypt');
  // Read-only: a login never writes to the legacy store, and a wrong path fails
  // instead of creating an empty database.
  const db = new sqlite3.Database(configuration.LEGACY_DB, sqlite3.OPEN_READONLY);

  const query =
    'SELECT id, email, name, nickname, password_hash, email_verified, plan ' +
    'FROM users WHERE email = ? COLLATE NOCASE';
  db.get(query, [email], (err, row) => {
    if (err) return callback(err);
    if (!row) return callback(new WrongUsernameOrPasswordError(email));

    bcrypt.compare(password, row.password_hash, (err, isValid) => {
      if (err) return callback(err);
      if (!isValid) return callback(new WrongUsernameOrPasswordError(email));

      callback(null, {
        user_id: String(row.id),
        email: row.email,
        name: row.name,
        nickname: row.nickname,
        email_verified: !!row.email_verified,
        user_metadata: { plan: row.plan },
      });
    });
  });
}
