// require('buffer'): Buffer (the global) with the module's constants, atob/btoa, isUtf8 and
// isAscii. Not provided: Blob, File, transcode, resolveObjectURL.
'use strict';

void globalThis.__sb_util; // loads the prelude's shared internals (and inspect, for messages)
const { errors } = globalThis.__sb_internals;

// 64-bit Node's limits: the largest Buffer, and V8's longest string.
const MAX_LENGTH = 2 ** 32;
const MAX_STRING_LENGTH = 2 ** 29 - 24;

function bytesOf(input, name) {
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (input instanceof ArrayBuffer || input instanceof SharedArrayBuffer) {
    return new Uint8Array(input);
  }
  throw errors.invalidArgType(name, 'an instance of ArrayBuffer, Buffer, or TypedArray', input);
}

function isAscii(input) {
  return bytesOf(input, 'input').every((byte) => byte < 0x80);
}

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
function isUtf8(input) {
  const bytes = bytesOf(input, 'input');
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    let size;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) size = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) size = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      size = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      size = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else {
      return false;
    }
    if (i + size > bytes.length) return false;
    for (let k = 1; k < size; k++) {
      const byte = bytes[i + k];
      if (byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return false;
    }
    i += size;
  }
  return true;
}

function SlowBuffer(size) {
  return Buffer.allocUnsafeSlow(size);
}

module.exports = {
  Buffer,
  SlowBuffer,
  isUtf8,
  isAscii,
  kMaxLength: MAX_LENGTH,
  kStringMaxLength: MAX_STRING_LENGTH,
  btoa: globalThis.btoa,
  atob: globalThis.atob,
  constants: { MAX_LENGTH, MAX_STRING_LENGTH },
  INSPECT_MAX_BYTES: 50,
};
