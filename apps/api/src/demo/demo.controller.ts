import { Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { Response } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccountsService } from '@app/accounts';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { Public } from '../common/auth';

export const DEMO_OWNER = 'demo-owner';

class DemoSessionDto {
  @IsOptional() @IsUUID('all') accountId?: string;
}

const asset = (name: string) => readFileSync(join(__dirname, '../../../../../apps/api/src/demo/static', name), 'utf8');

/**
 * The reference hub page (DEMO_PAGE=true only). `/demo/hub/*` plays the hub backend for one demo owner: it holds
 * the service-side powers (sessions, list, verify); the page opens the hosted Connect page through /connect.js with
 * the session token, as a real hub would.
 */
@ApiExcludeController()
@Public()
@Controller('demo')
export class DemoController {
  constructor(
    private readonly config: AppConfig,
    private readonly accounts: AccountsService,
    private readonly sessions: ConnectSessionsService,
  ) {}

  private enabled(): void {
    if (!this.config.demoPage) throw new AppError('not_found', 'Not found.');
  }

  @Get()
  page(@Res() res: Response): void {
    this.enabled();
    // helmet's same-origin COOP would sever the popup's window.opener, and with it connect.js's answer.
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin-allow-popups');
    res.type('html').send(asset('index.html'));
  }

  @Get('app.js')
  script(@Res() res: Response): void {
    this.enabled();
    res.type('application/javascript').send(asset('app.js'));
  }

  @Get('app.css')
  style(@Res() res: Response): void {
    this.enabled();
    res.type('text/css').send(asset('app.css'));
  }

  @Post('hub/sessions')
  session(@Body() dto: DemoSessionDto) {
    this.enabled();
    return this.sessions.create({ ownerId: DEMO_OWNER, accountId: dto.accountId ?? null, expiresInSeconds: 600 });
  }

  @Get('hub/accounts')
  async list() {
    this.enabled();
    return { ownerId: DEMO_OWNER, ...(await this.accounts.list({ ownerId: DEMO_OWNER, limit: 200 })) };
  }

  @Post('hub/accounts/:id/verify')
  @HttpCode(200)
  async verify(@Param('id') id: string) {
    this.enabled();
    await this.accounts.visible({ kind: 'session', sessionId: 'demo', ownerId: DEMO_OWNER, accountId: id.toLowerCase(), label: null }, id);
    return this.accounts.verify(id);
  }
}
