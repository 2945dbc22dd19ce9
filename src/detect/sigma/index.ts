// Sigma v2 detection and correlation rules over plain JSON events: load, then detect.

export { loadRuleFiles, loadRules, type LoadOptions } from './loader.js';
export { createDetector, type Detector, type DetectorOptions, type DetectorStats } from './engine.js';
export { DEFAULT_LIMITS, type CorrelationLimits } from './correlation.js';
export {
  aliasesFor,
  DATASETS,
  DEFAULT_ALIASES,
  DEFAULT_ROUTES,
  routeLogsource,
  type FieldAliases,
  type Route,
} from './routing.js';
export { compileRegex, RegexProgram } from './regex.js';
export type {
  Alert,
  CorrelationType,
  DetectionItem,
  Level,
  LoadResult,
  LogSource,
  Placeholders,
  RuleLoadError,
  SigmaCorrelationRule,
  SigmaDetectionRule,
  SigmaFilter,
  SigmaRule,
  ValueSpec,
} from './types.js';
