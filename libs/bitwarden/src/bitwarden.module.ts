import { Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ApiBudget } from './api-budget';
import { ApiGateway } from './api-gateway';
import { ApiUpstream } from './api-upstream';
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
    {
      provide: ApiUpstream,
      inject: [OutboundPolicy, AppConfig],
      useFactory: (policy: OutboundPolicy, config: AppConfig) => new ApiUpstream({ policy, timeoutMs: config.outboundTimeoutMs }),
    },
    IdentityBudget,
    ApiBudget,
    GatewayMetrics,
    ApiGateway,
    BitwardenGateway,
    HostBreaker,
  ],
  exports: [OutboundPolicy, BitwardenGateway, IdentityBudget, HostBreaker, ApiGateway, ApiUpstream, GatewayMetrics],
})
export class BitwardenModule implements OnApplicationShutdown {
  constructor(
    private readonly client: BitwardenClient,
    private readonly upstream: ApiUpstream,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.client.close(), this.upstream.close()]);
  }
}
