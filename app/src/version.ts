// The app's version, from package.json (inlined into the production bundle).
import pkg from '../../package.json' with { type: 'json' };

export const version: string = pkg.version;
