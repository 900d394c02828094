// The mirror's version for the User-Agent. A constant rather than a read of package.json so the
// core stays free of file and JSON-module imports (it also runs in a Worker); a test keeps the two
// in step.
export const MIRROR_VERSION = '0.1.0'
