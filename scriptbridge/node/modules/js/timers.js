// require('timers'): the global timer functions, and `promises`, which is
// require('timers/promises'). These are the runner's timers: unlike the setTimeout a script
// sees as a global, they are not tied to the invocation that calls them.
'use strict';

module.exports = {
  setTimeout,
  clearTimeout,
  setImmediate,
  clearImmediate,
  setInterval,
  clearInterval,
  get promises() {
    return require('timers/promises');
  },
};
