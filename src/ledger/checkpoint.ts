// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint@v1.0.0): the note text of a signed tree head,
// written and read strictly, plus signing and opening it as a signed note.

import { ValidationError } from '../core/errors.js';
import { openNote, signNote, type NoteSignature, type SignerKey, type VerifierKey } from './note.js';

export interface Checkpoint {
  /** Unique identity of the log; by convention a schema-less URL and the signing key's name. */
  origin: string;
  /** Number of leaves. */
  size: number;
  /** RFC 6962 root hash at that size, 32 bytes. */
  rootHash: Buffer;
  /** Opaque extension lines (NOT RECOMMENDED by the spec), without their newlines. */
  extensions: string[];
}

export type CheckpointInput = Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] };

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
// Control characters other than newline are not allowed in a signed note.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f]/;

/** The checkpoint note text: origin, size, base64 root hash, extension lines, each ending in LF. */
export function formatCheckpoint(checkpoint: CheckpointInput): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  const problem =
    lineProblem('origin', origin) ??
    (Number.isSafeInteger(size) && size >= 0
      ? undefined
      : `tree size ${size} is not a non-negative safe integer`) ??
    (rootHash instanceof Uint8Array && rootHash.length === 32 ? undefined : 'root hash must be 32 bytes') ??
    extensions.map((line, i) => lineProblem(`extension line ${i + 1}`, line)).find(Boolean);
  if (problem) throw new ValidationError(`cannot format checkpoint: ${problem}`);
  let text = `${origin}\n${size}\n${Buffer.from(rootHash).toString('base64')}\n`;
  for (const line of extensions) text += `${line}\n`;
  return text;
}

/** Reads a checkpoint note text (without signatures), rejecting anything the spec does not allow. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) invalid('the text does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) invalid(`it has ${lines.length} lines, at least 3 are needed`);
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = lines;
  const problem =
    lineProblem('origin', origin) ??
    extensions.map((l, i) => lineProblem(`extension line ${i + 1}`, l)).find(Boolean);
  if (problem) invalid(problem);
  if (!DECIMAL.test(sizeLine))
    invalid(`tree size ${JSON.stringify(sizeLine)} is not a decimal without leading zeros`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) invalid(`tree size ${sizeLine} is beyond 2^53 - 1`);
  const rootHash = Buffer.from(rootLine, 'base64');
  if (rootHash.toString('base64') !== rootLine || rootHash.length !== 32) {
    invalid(`root hash ${JSON.stringify(rootLine)} is not standard base64 of 32 bytes`);
  }
  return { origin, size, rootHash, extensions };
}

/** Formats and signs a checkpoint: the signed note a log publishes. */
export function signCheckpoint(
  checkpoint: CheckpointInput,
  signers: SignerKey | readonly SignerKey[],
): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** Opens a signed checkpoint note: verifies it against `verifiers`, then parses its text. */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly VerifierKey[],
): { checkpoint: Checkpoint; signatures: NoteSignature[]; text: string } {
  const opened = openNote(note, verifiers);
  return { checkpoint: parseCheckpoint(opened.text), signatures: opened.signatures, text: opened.text };
}

function lineProblem(what: string, line: string): string | undefined {
  if (typeof line !== 'string' || line.length === 0) return `${what} is empty`;
  if (CONTROL.test(line)) return `${what} contains a newline or control character`;
  return undefined;
}

function invalid(reason: string): never {
  throw new ValidationError(`invalid checkpoint: ${reason}`);
}
