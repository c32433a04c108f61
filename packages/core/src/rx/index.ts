export { rx, type RxParts } from './load.js';
export { LazySubject } from './lazy-subject.js';
