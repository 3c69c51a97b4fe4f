// require('timers/promises'): timers that return promises. The `signal` option takes an
// AbortSignal, or anything with `aborted`, `reason` and add/removeEventListener; aborting
// rejects with an AbortError. The `ref` option is accepted and ignored.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;
const timers = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
};

function abortError(signal) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  if (signal.reason !== undefined) error.cause = signal.reason;
  return error;
}

function signalOf(options) {
  if (options === null || typeof options !== 'object') {
    throw errors.invalidArgType('options', 'of type object', options);
  }
  const { signal } = options;
  if (signal !== undefined &&
      (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw errors.invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  return signal;
}

// A promise of `value` once `schedule` fires, unless the signal aborts first.
function settle(schedule, cancel, value, options) {
  let signal;
  try {
    signal = signalOf(options);
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal && signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel(handle);
      reject(abortError(signal));
    };
    const handle = schedule(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

function setTimeout(delay, value, options = {}) {
  return settle((fire) => timers.setTimeout(fire, delay), timers.clearTimeout, value, options);
}

function setImmediate(value, options = {}) {
  return settle((fire) => timers.setImmediate(fire), timers.clearImmediate, value, options);
}

// An async iterator that yields `value` every `delay` ms; ticks that pass while nobody asks
// are counted, and each is yielded.
async function* setInterval(delay, value, options = {}) {
  const signal = signalOf(options);
  if (signal && signal.aborted) throw abortError(signal);
  let due = 0;
  let wake = null;
  const notify = () => {
    if (wake) wake();
    wake = null;
  };
  const handle = timers.setInterval(() => {
    due++;
    notify();
  }, delay);
  if (signal) signal.addEventListener('abort', notify, { once: true });
  try {
    while (true) {
      if (due === 0 && !(signal && signal.aborted)) {
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      if (signal && signal.aborted) throw abortError(signal);
      due--;
      yield value;
    }
  } finally {
    timers.clearInterval(handle);
    if (signal) signal.removeEventListener('abort', notify);
  }
}

const scheduler = {
  wait: (delay, options) => setTimeout(delay, undefined, options),
  yield: () => setImmediate(),
};

module.exports = { setTimeout, setImmediate, setInterval, scheduler };
