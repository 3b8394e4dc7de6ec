import { Provider } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { Keyring, SecretBox } from '@app/crypto';
import { BitwardenClient, OutboundPolicy } from '@app/bitwarden';

/** Builds the process-wide crypto and Bitwarden client objects from the validated configuration. */
export const infrastructureProviders: Provider[] = [
  {
    provide: Keyring,
    inject: [AppConfig],
    useFactory: (config: AppConfig) => Keyring.fromEnv(config.encryptionKeys),
  },
  { provide: SecretBox, inject: [Keyring], useFactory: (keyring: Keyring) => new SecretBox(keyring) },
  {
    provide: OutboundPolicy,
    inject: [AppConfig],
    useFactory: (config: AppConfig) =>
      new OutboundPolicy({ allowedHosts: config.outboundAllowedHosts, connectTo: config.outboundConnectTo }),
  },
  {
    provide: BitwardenClient,
    inject: [OutboundPolicy, AppConfig],
    useFactory: (policy: OutboundPolicy, config: AppConfig) =>
      new BitwardenClient({ policy, requestTimeoutMs: config.outboundTimeoutMs }),
  },
];
