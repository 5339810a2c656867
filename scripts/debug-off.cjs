// The `debug` package as bundled into dist/app (scripts/bundle.mjs aliases it here). When DEBUG is not set at start,
// every logger is a function that does nothing and declares no parameters, so the several debug() calls mqtt-packet
// makes for each packet allocate nothing: the real `debug` gathers its arguments into an array before it finds it is
// off, which was 13 % of the bytes the hub allocated under a QoS 1 load (docs/performance.md). With DEBUG set, the
// real package, as usual.
'use strict';
if (process.env.DEBUG) {
  module.exports = require('../node_modules/debug/src/index.js');
} else {
  const create = (namespace) => {
    const debug = function debug() {};
    debug.namespace = namespace;
    debug.enabled = false;
    debug.log = () => undefined;
    debug.destroy = () => true;
    debug.extend = (sub, delimiter = ':') => create(`${namespace}${delimiter}${sub}`);
    return debug;
  };
  create.debug = create;
  create.default = create;
  create.enable = () => undefined;
  create.disable = () => '';
  create.enabled = () => false;
  create.names = [];
  create.skips = [];
  create.formatters = {};
  create.log = () => undefined;
  create.humanize = (ms) => `${ms}ms`;
  module.exports = create;
}
