// require('https'): Node's HTTPS client (see _node_http.js). TLS options (key, cert, ca,
// passphrase, rejectUnauthorized, secureOptions) come from the request's options and its agent;
// https.globalAgent.options applies to requests that name no agent, here and in request, axios
// and node-fetch.
module.exports = nodeHttp('https:');
