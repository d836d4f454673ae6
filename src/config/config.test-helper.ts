// Helpers of the guardrails-file tests (load, validate, bad-input): what a text's ConfigError says.
import { expect } from 'vitest';
import { ConfigError, parseConfig, type ConfigProblem } from './load.js';

/** The ConfigError a text produces, or fails the test when it parses. */
function configErrorOf(text: string, file: string): ConfigError {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  return expect.fail('expected a ConfigError');
}

/** The problems a text produces, or fails the test when it parses. */
export function problemsOf(text: string, file = 'augur.yaml'): ConfigProblem[] {
  return configErrorOf(text, file).problems;
}

/** The whole message of a text's ConfigError, or fails the test when it parses. */
export function messageOf(text: string, file = 'augur.yaml'): string {
  return configErrorOf(text, file).message;
}

/** 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" not in text`);
  return i + 1;
}
