/** The stand-in some conformance tests were written against, now backends.ts itself. */
export { type BackendFixture, forEachBackend } from './backends'
