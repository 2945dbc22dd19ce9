// The file source: a glob of files followed across rotation and truncation, with saved offsets.
export { startFileSource, type FileSourceConfig, type FileSourceOptions } from './file-source.js';
export { expandGlob } from './glob.js';
