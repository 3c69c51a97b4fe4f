// The login script to install once every user has migrated: it never reaches the legacy
// store again. Auth0 users may still hold a password there; this stub answers "no such user".
function login(email, password, callback) {
  return callback(null, null);
}
