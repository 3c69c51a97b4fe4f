// require('os'): a fixed, minimal description of the machine. Scripts get no real system
// information: there is one CPU-less, memory-less Linux host named 'scriptbridge', whose home
// and working directory is '/'. Some npm packages read these at load time.
'use strict';

const ARCH = process.arch;
const MACHINE = { x64: 'x86_64', arm64: 'aarch64' }[ARCH] || ARCH;

const returns = (value) => () => value;

module.exports = {
  EOL: '\n',
  devNull: '/dev/null',
  arch: returns(ARCH),
  availableParallelism: returns(1),
  constants: Object.freeze({
    signals: Object.freeze({}), errno: Object.freeze({}), priority: Object.freeze({}),
  }),
  cpus: () => [],
  endianness: returns('LE'),
  freemem: returns(0),
  getPriority: returns(0),
  homedir: returns('/'),
  hostname: returns('scriptbridge'),
  loadavg: () => [0, 0, 0],
  machine: returns(MACHINE),
  networkInterfaces: () => ({}),
  platform: returns('linux'),
  release: returns(''),
  setPriority: () => undefined,
  tmpdir: returns('/tmp'),
  totalmem: returns(0),
  type: returns('Linux'),
  uptime: returns(0),
  userInfo: () => ({ uid: -1, gid: -1, username: 'scriptbridge', homedir: '/', shell: null }),
  version: returns(''),
};
