import { Injectable } from '@nestjs/common';
import { CryptoError, Keyring, SecretBox } from '@app/crypto';
import { secretContext, tokenContext } from '../account-secrets';
import { EncryptionKeysRepository } from './encryption-keys.repository';
import { KeyRotationRepository, RotatedField } from './key-rotation.repository';

export interface RotationOptions {
  /** Rows read per query. */
  batchSize?: number;
  /** Give up after this many passes that still lost compare-and-sets (someone keeps writing the same rows). */
  maxPasses?: number;
  onProgress?: (p: RotationProgress) => void;
}

export interface RotationProgress {
  pass: number;
  field: RotatedField;
  resealed: number;
  conflicts: number;
  failed: number;
}

export interface RotationFailure {
  accountId: string;
  field: RotatedField;
  /** CryptoError reason (decrypt_failed, bad_format, unknown_key_id); never key or plaintext material. */
  reason: string;
}

export interface RotationResult {
  activeKeyId: string;
  resealedSecrets: number;
  resealedTokens: number;
  /** Compare-and-sets lost to a concurrent writer (each was retried on the next pass). */
  conflicts: number;
  passes: number;
  failures: RotationFailure[];
  /** Blobs still not under the active key when the run ended (failures included). */
  remaining: { secrets: number; tokens: number };
}

export interface KeyStatus {
  activeKeyId: string;
  configuredKeyIds: string[];
  keys: Array<{ keyId: string; secrets: number; tokens: number; configured: boolean; active: boolean }>;
}

const FIELDS: RotatedField[] = ['client_secret', 'access_token'];

/**
 * Re-encrypts every stored client secret and cached access token that is not under the active key
 * (docs/SECURITY.md, "3.3 Rotation procedure, step by step"). Resumable and idempotent: each run looks only at blobs not yet under the active key,
 * and each row is swapped with a compare-and-set, so it is safe next to the API, the worker and other runs.
 */
@Injectable()
export class KeyRotationService {
  constructor(
    private readonly repo: KeyRotationRepository,
    private readonly keysRepo: EncryptionKeysRepository,
    private readonly box: SecretBox,
    private readonly keyring: Keyring,
  ) {}

  async rotate(opts: RotationOptions = {}): Promise<RotationResult> {
    const batchSize = opts.batchSize ?? 200;
    const maxPasses = opts.maxPasses ?? 20;
    const active = this.keyring.activeKeyId;
    const result: RotationResult = {
      activeKeyId: active,
      resealedSecrets: 0,
      resealedTokens: 0,
      conflicts: 0,
      passes: 0,
      failures: [],
      remaining: { secrets: 0, tokens: 0 },
    };
    // A blob that does not open is reported once and skipped, so a damaged row cannot stall the run.
    const failed = new Set<string>();

    for (let pass = 1; pass <= maxPasses; pass++) {
      result.passes = pass;
      let passConflicts = 0;
      for (const field of FIELDS) {
        const progress: RotationProgress = { pass, field, resealed: 0, conflicts: 0, failed: 0 };
        let after: string | null = null;
        for (;;) {
          const rows = await this.repo.pending(field, active, after, batchSize);
          if (!rows.length) break;
          after = rows[rows.length - 1]!.id;
          for (const row of rows) {
            const tag = `${field}:${row.id}`;
            if (failed.has(tag)) continue;
            let resealed: Buffer;
            try {
              resealed = this.box.reseal(row.enc, field === 'client_secret' ? secretContext(row) : tokenContext(row));
            } catch (e) {
              // What we read is one consistent row (id, owner, blob), and opening depends on nothing else, so a
              // failure here is a damaged or foreign blob, not a race: report it and leave the row untouched.
              failed.add(tag);
              result.failures.push({ accountId: row.id, field, reason: e instanceof CryptoError ? e.reason : 'error' });
              progress.failed++;
              continue;
            }
            if (await this.repo.swap(field, row.id, row.keyId, row.enc, resealed, this.box.keyIdOf(resealed))) {
              progress.resealed++;
              if (field === 'client_secret') result.resealedSecrets++;
              else result.resealedTokens++;
            } else {
              progress.conflicts++;
              passConflicts++;
            }
          }
          opts.onProgress?.({ ...progress });
        }
      }
      result.conflicts += passConflicts;
      if (passConflicts === 0) break;
    }
    result.remaining = await this.repo.remaining(active);
    return result;
  }

  async status(): Promise<KeyStatus> {
    const usage = await this.keysRepo.usage();
    const configured = this.keyring.keyIds;
    const ids = [...new Set([...configured, ...usage.map((u) => u.keyId)])];
    return {
      activeKeyId: this.keyring.activeKeyId,
      configuredKeyIds: configured,
      keys: ids.map((keyId) => {
        const u = usage.find((x) => x.keyId === keyId);
        return {
          keyId,
          secrets: u?.secrets ?? 0,
          tokens: u?.tokens ?? 0,
          configured: configured.includes(keyId),
          active: keyId === this.keyring.activeKeyId,
        };
      }),
    };
  }
}
