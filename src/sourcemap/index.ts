export { SourceMapper, findSourceMappingURL } from './mapper.js';
export type { GeneratedFrame, MappedFrame, MapProblem, MapProblemKind, SourceMapStats, SourceMapperOptions } from './mapper.js';
