// `amu kek export`: prints the KEK of an Edge vault as hex (the only thing on stdout).
import { promises as fsp } from 'node:fs';
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { InputError } from '../../cli/errors.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';

interface KekExportValues {
  [key: string]: unknown;
  src?: 'opdk';
  vault?: string;
  storepass?: string;
  keypass?: string;
  alias: string;
}

async function readVault(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw new InputError(`cannot read the vault ${file}: ${(err as Error).message}`);
  }
}

export const kekExportCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<KekExportValues>(
    {
      command: 'export',
      describe: 'Print the KEK (key-encryption key) as lowercase hex',
      options: { src: { ...OPTION.src, choices: ['opdk'] }, ...pick('vault', 'storepass', 'keypass', 'alias') },
      examples: [
        [
          'STOREPASS=... amu kek export --src opdk --vault /opt/apigee/data/apigee-mgmt-server/vault.dat',
          'KEK of an Edge management server (store password from the variable, kept out of ps)',
        ],
      ],
      required: () => ['src', 'vault', 'storepass'],
      run: async (values, ctx) => {
        const { readJceksSecretKey } = await import('../../core/jceks/jceks.js');
        const { toHex } = await import('../../core/crypto/hex.js');
        const vault = await readVault(values.vault!);
        const key = readJceksSecretKey(
          vault,
          { storepass: values.storepass!, alias: values.alias, ...(values.keypass ? { keypass: values.keypass } : {}) },
          values.vault,
        );
        const hex = toHex(key.key);
        ctx.out.debug(`alias ${key.alias}: ${key.algorithm} key of ${key.key.length} bytes`);
        ctx.out.result(hex);
      },
    },
    pending,
    env,
  );
