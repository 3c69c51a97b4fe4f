// require('http'): Node's HTTP client (see _node_http.js).
module.exports = nodeHttp('http:');
