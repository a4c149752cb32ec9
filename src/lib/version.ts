/** This build's version: `hookstream --version`, the help text, and the User-Agent of deliveries. */
export const VERSION = '0.1.0'
