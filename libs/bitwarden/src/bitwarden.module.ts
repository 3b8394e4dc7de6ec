import { Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { BitwardenClient } from './bitwarden.client';
import { BitwardenGateway } from './bitwarden.gateway';
import { GatewayMetrics } from './gateway.metrics';
import { HostBreaker } from './host-breaker';
import { IdentityBudget } from './identity-budget';
import { OutboundPolicy } from './outbound-policy';

/** Everything that talks to Bitwarden: the outbound policy, the one client, the shared budget and the gateway. */
@Module({
  providers: [
    {
      provide: OutboundPolicy,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new OutboundPolicy({ allowedHosts: config.outboundAllowedHosts, connectTo: config.outboundConnectTo }),
    },
    {
      provide: BitwardenClient,
      inject: [OutboundPolicy, AppConfig],
      useFactory: (policy: OutboundPolicy, config: AppConfig) => new BitwardenClient({ policy, requestTimeoutMs: config.outboundTimeoutMs }),
    },
    IdentityBudget,
    GatewayMetrics,
    BitwardenGateway,
    HostBreaker,
  ],
  exports: [OutboundPolicy, BitwardenGateway, IdentityBudget, HostBreaker],
})
export class BitwardenModule implements OnApplicationShutdown {
  constructor(private readonly client: BitwardenClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
