export { rx } from './load.js';
export { LazySubject } from './lazy-subject.js';
