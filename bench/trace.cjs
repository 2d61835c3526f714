'use strict';
// Preloaded by bench/startup.mjs (NODE_OPTIONS="--require bench/trace.cjs" BIN ARGS) to
// time the phases of one start-up from outside the tools' code: it wraps
// the compile of the bundle (node:vm or Module._compile), the loading of
// koffi (Module._load), koffi.load and the native calls the library
// declares (lib.func), and writes the marks as JSON lines to the file
// named by STARTUP_TRACE when the process exits. Times are milliseconds
// on the system's monotonic clock (process.hrtime), which the parent
// reads too.

// What of Node's own was loaded before the tool's first line, taken
// first: a module loaded after it is compiled at every start, from source
// under the tools' V8 flags, which reject Node's code cache for its
// modules. So this file loads none: fs is loaded by Node's start, Module
// is this file's module's constructor, and vm is wrapped when the tool
// loads it.
const atStart = new Set(process.moduleLoadList);
const fs = require('node:fs');
const Module = module.constructor;

const marks = [];
const now = () => Number(process.hrtime.bigint()) / 1e6;
const mark = (name, extra) => marks.push({ name, t: now(), ...extra });
mark('preload');

// The bundle: compiled by bin/TOOL with vm.Script on Node 20, by
// require() where Node has a compile cache of its own. Either way its
// value is the function its code is in, which bin/TOOL then calls.
function evaluated(code) {
  return function evaluate(...call) {
    const result = code.apply(this, call);
    mark('bundle-end');
    return result;
  };
}
function wrapVm(vm) {
  if (vm.Script.traced) return;
  const { Script } = vm;
  vm.Script = class extends Script {
    static traced = true;

    constructor(code, options) {
      mark('bundle-start');
      super(code, options);
      mark('bundle-compiled', { cached: Boolean(options?.cachedData), rejected: this.cachedDataRejected === true });
    }

    runInThisContext(...args) {
      return evaluated(super.runInThisContext(...args));
    }
  };
}
const compile = Module.prototype._compile;
Module.prototype._compile = function tracedCompile(content, filename) {
  const bundle = /\/dist\/(pseudo|contain|inject)\.js$/.test(filename);
  if (bundle) mark('bundle-start');
  const result = compile.call(this, content, filename);
  if (bundle && typeof this.exports === 'function') this.exports = evaluated(this.exports);
  return result;
};

// Each native call: its name, when it started and ended, what it returned.
function traced(name, fn) {
  return new Proxy(fn, {
    apply(target, self, args) {
      // contain execs its supervisor, pseudo and inject end at once:
      // neither returns, so the marks are written first.
      if (name === 'ct_exec' || name === 'ct_exit_like') flush();
      const start = now();
      const result = Reflect.apply(target, self, args);
      marks.push({ name, t: start, end: now(), args: args.filter((a) => typeof a === 'number'), result });
      return result;
    },
  });
}

function wrapKoffi(koffi) {
  if (!koffi || typeof koffi.load !== 'function' || koffi.load.traced) return;
  const load = koffi.load;
  koffi.load = Object.assign((...args) => {
    mark('library-load-start');
    const lib = load(...args);
    mark('library-load-end');
    const func = lib.func.bind(lib);
    return new Proxy(lib, {
      get(target, key) {
        if (key !== 'func') return Reflect.get(target, key);
        return (...declaration) => {
          const fn = traced(/\b(ct_\w+)\(/.exec(declaration.join(' '))?.[1] ?? 'native', func(...declaration));
          mark('declared');
          return fn;
        };
      },
    });
  }, { traced: true });
}

// koffi: its platform module, opened with process.dlopen by native.ts,
// or require('koffi') where that fails.
const dlopen = process.dlopen;
process.dlopen = function tracedDlopen(module, filename, ...rest) {
  const koffi = /koffi/.test(filename);
  if (koffi) mark('koffi-start');
  const result = dlopen.call(this, module, filename, ...rest);
  if (koffi) {
    wrapKoffi(module.exports);
    mark('koffi-end');
  }
  return result;
};

let depth = 0;
const load = Module._load;
Module._load = function tracedLoad(request, ...rest) {
  const koffi = /koffi/.test(request);
  if (koffi && depth++ === 0) mark('koffi-start');
  try {
    const result = load.call(this, request, ...rest);
    if (request === 'node:vm' || request === 'vm') wrapVm(result);
    if (koffi && depth === 1) {
      wrapKoffi(result);
      mark('koffi-end');
    }
    return result;
  } finally {
    if (koffi) depth--;
  }
};

let flushed = false;
function flush() {
  if (flushed) return;
  flushed = true;
  const loaded = process.moduleLoadList.filter((m) => !atStart.has(m) && m.startsWith('NativeModule '));
  mark('exit', { loaded: loaded.map((m) => m.slice('NativeModule '.length)) });
  if (process.env.STARTUP_TRACE) fs.appendFileSync(process.env.STARTUP_TRACE, `${JSON.stringify(marks)}\n`);
}
process.on('exit', flush);
