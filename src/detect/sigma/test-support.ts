// Helpers for the Sigma tests: a one-rule detector from a detection section.

import { createDetector, type DetectorOptions } from './engine.js';
import { loadRules, type LoadOptions } from './loader.js';

/** A rule YAML with the given `detection:` body (indented by the caller's 4 spaces). */
export function ruleYaml(detection: string, logsource = 'product: test'): string {
  const body = detection
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `title: test rule\nlogsource:\n    ${logsource}\ndetection:\n${body}\n`;
}

/** Loads one rule (throwing with the load error if it fails) and returns a match function. */
export function matcher(
  detection: string,
  options: LoadOptions & Omit<DetectorOptions, 'rules'> & { logsource?: string } = {},
): (event: object) => boolean {
  const loaded = loadRules([{ path: 'test.yml', text: ruleYaml(detection, options.logsource) }], options);
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.reason).join('; '));
  const detector = createDetector({ ...options, rules: loaded.rules });
  return (event) => detector.process(event, 0).length > 0;
}

/** The load error of a rule that must be rejected. */
export function loadError(detection: string, options: LoadOptions = {}): string {
  const loaded = loadRules([{ path: 'test.yml', text: ruleYaml(detection) }], options);
  if (loaded.errors.length !== 1) throw new Error(`expected one load error, got ${loaded.errors.length}`);
  return loaded.errors[0]?.reason ?? '';
}
