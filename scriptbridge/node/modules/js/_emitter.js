// The part of Node's EventEmitter that the bridged modules' objects need: one copy, put in
// front of each facade that uses it (http, pg, mysql). Facades that want the whole of Node's
// events module require('events').
class Emitter {
  #listeners = new Map();

  on(event, listener) {
    if (typeof listener !== 'function') {
      throw new TypeError('The "listener" argument must be of type function');
    }
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  addListener(event, listener) {
    return this.on(event, listener);
  }

  once(event, listener) {
    const wrapper = (...args) => {
      this.removeListener(event, wrapper);
      listener.apply(this, args);
    };
    wrapper.listener = listener;
    return this.on(event, wrapper);
  }

  removeListener(event, listener) {
    const list = this.#listeners.get(event);
    if (!list) return this;
    const index = list.findIndex((fn) => fn === listener || fn.listener === listener);
    if (index >= 0) list.splice(index, 1);
    return this;
  }

  off(event, listener) {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event) {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.delete(event);
    return this;
  }

  listenerCount(event) {
    const list = this.#listeners.get(event);
    return list ? list.length : 0;
  }

  setMaxListeners() {
    return this;
  }

  emit(event, ...args) {
    const list = this.#listeners.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') this.unhandledError(args[0]);
      return false;
    }
    for (const listener of list.slice()) listener.apply(this, args);
    return true;
  }

  // As in Node, an 'error' event nobody listens to is thrown; a class may decide otherwise.
  unhandledError(err) {
    throw err;
  }
}
