// The README.md of an evidence bundle: what the bundle proves and how to check it, by tool and by
// hand, written for an auditor who has never heard of Stele.

import type { Manifest } from './evidence-format.js';

export function bundleReadme(m: Manifest): string {
  const query = m.query.trim() === '' ? '(every event)' : '`' + m.query.replace(/`/g, "'") + '`';
  return `# Evidence bundle from the Stele audit log \`${m.origin}\`

Created ${m.created}. It holds the ${m.events} event(s) selected by the query ${query}, and the
proof that each of them is recorded, unchanged, in the log's tamper-evident ledger as it stood at
${m.treeSize} entries.

## What this proves

The audit log keeps every event as an entry in an append-only hash tree (RFC 9162, the structure
Certificate Transparency uses). The log signs the tree's root hash with its Ed25519 key: that
signed statement is the *checkpoint*. Nobody can change, remove or reorder an event recorded
before a checkpoint without the checkpoint's root hash changing, and nobody can forge a new
checkpoint without the log's private key.

If this bundle verifies, then each event in \`events.ndjson\` is exactly the event recorded at its
position (\`stele.seq\`) in the log whose key is in \`verifier-key\`. Personal data (user names, IP
addresses, free text) is recorded in the ledger only as a salted commitment; the salts in
\`entries.ndjson\` let you check each personal value against its commitment.

**Trust the key, not the bundle.** Anyone can make a bundle with a key of their own. Obtain the
log's verifier key from a source you trust (the operator's published key, a witness, an earlier
audit) and check that it is the one in \`verifier-key\`, or pass it with \`--key\`.

## Files

| file | what it is |
|---|---|
| \`events.ndjson\` | the events, one JSON object per line, in ledger order; \`stele.seq\` is each one's position |
| \`entries.ndjson\` | per event: \`index\` (its position), \`entry\` (base64 of the exact bytes hashed into the tree), \`salts\` (base64 salt of each personal field) and, if some were erased, \`erased\` (their commitments) |
| \`proofs.json\` | per event: its leaf hash and the inclusion proof (\`hashes\`, RFC 9162 order) in the tree of \`treeSize\` entries |
| \`checkpoint\` | the signed checkpoint: the log's name, the tree size and the base64 root hash, then the signature |
| \`verifier-key\` | the log's public key, \`name+keyid+base64key\` (C2SP signed-note verifier key) |
| \`manifest.json\` | what was exported, the log's personal-field list, and the SHA-256 of every other file |
| \`README.md\` | this text |

Only the checkpoint is signed. The SHA-256 sums in \`manifest.json\` catch accidental damage to a
file; a deliberate change to an event, entry, proof or salt is caught by the checks below.

## Checking it with Stele

    stele verify-bundle ${'<this directory>'} --key '<the verifier key you trust>'

It needs no server and no database, and exits 0 only if every check passes; otherwise it prints the
first problem found (exit code 3).

## Checking it by hand

Any language with SHA-256, HMAC-SHA256 and Ed25519 will do. For each event (line \`i\` of
\`events.ndjson\`, \`entries.ndjson\` and \`proofs.proofs[i]\`):

1. **The signature.** In \`checkpoint\`, the signed message is every line before the empty line,
   each with its final newline; each line after the empty line is
   \`— <name> <base64>\`. The base64 decodes to a 4-byte key id and a 64-byte Ed25519 signature.
   The verifier key \`name+keyid+base64\` decodes (after its second \`+\`) to the byte 0x01 and the
   32-byte public key. The signature must verify over the message with that key. The message's
   lines are the log name (which must equal the key's name), the tree size and the root hash.
2. **The entry is in the tree.** Decode \`entry\` from base64. Its leaf hash is
   SHA-256(0x00 || entry bytes) and must equal \`leafHash\`. Fold the proof as RFC 9162 section
   2.1.3.2 describes (node hash = SHA-256(0x01 || left || right)), starting from the leaf hash at
   index \`index\` in a tree of \`treeSize\` entries: the result must be the checkpoint's root hash.
3. **The event is the entry.** The entry is the RFC 8785 canonical JSON of the event, except that
   each personal field present in the event (listed in \`manifest.json\` \`personalFields\`) holds
   \`"hmac-sha256:" + base64(HMAC-SHA256(salt, canonical JSON of the value))\` instead of the value.
   For each field in \`salts\`, compute that commitment from the event's value and the salt and
   compare it with the entry. Then replace those fields in the event by their commitments,
   canonicalize (RFC 8785: keys sorted by UTF-16 code units, no whitespace, shortest numbers) and
   compare with the entry bytes: they must be identical. A value that reads \`[erased]\` was
   deleted at a person's request, with its salt: its commitment, kept in \`erased\`, takes its
   place, so the entry still checks but the value cannot be recovered.

The full format, for writing an independent verifier, is in the Stele repository, \`docs/ledger.md\`.
`;
}
