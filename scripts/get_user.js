// Get User script of the default connection: finds a user of the demo legacy store by email
// (configuration.LEGACY_DB), without a password. Runs on signup, to refuse an email the legacy
// store already has, and on a password reset, to migrate a user who has not logged in yet.
function getByEmail(email, callback) {
  const sqlite3 = require('sqlite3');
  const db = new sqlite3.Database(configuration.LEGACY_DB, sqlite3.OPEN_READONLY);

  const query =
    'SELECT id, email, name, nickname, email_verified, plan ' +
    'FROM users WHERE email = ? COLLATE NOCASE';
  db.get(query, [email], (err, row) => {
    if (err) return callback(err);
    if (!row) return callback(null); // not in the legacy store

    callback(null, {
      user_id: String(row.id),
      email: row.email,
      name: row.name,
      nickname: row.nickname,
      email_verified: !!row.email_verified,
      user_metadata: { plan: row.plan },
    });
  });
}
