import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { Public } from '../common/auth';
import { Asset, CONNECT_PAGE_CSP, loadConnectAssets } from './connect-assets';

/**
 * The hosted Connect page (`/connect` with its script and style) and the embedding script `/connect.js` that hubs
 * load from their own pages. All public: the page authenticates with the session token from its URL fragment.
 */
@ApiExcludeController()
@Public()
@Controller()
export class ConnectPageController {
  private readonly assets: ReturnType<typeof loadConnectAssets>;

  constructor(private readonly config: AppConfig) {
    this.assets = loadConnectAssets(config.publicUrl);
  }

  private send(res: Response, asset: Asset, cache: string): void {
    if (!this.config.connectPage) throw new AppError('not_found', 'Not found.');
    res.setHeader('Content-Security-Policy', CONNECT_PAGE_CSP);
    res.setHeader('Cache-Control', cache);
    res.type(asset.type).send(asset.body);
  }

  @Get('connect')
  page(@Req() req: Request, @Res() res: Response): void {
    // connect.js talks to this window through window.opener, which a same-origin COOP (helmet's default) would cut.
    res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
    // The page's files are named relative to it; /connect/ puts it one level lower than /connect.
    this.send(res, req.path.endsWith('/') ? this.assets.pageInDirectory : this.assets.page, 'no-store');
  }

  @Get('connect/page.js')
  pageScript(@Res() res: Response): void {
    this.send(res, this.assets.pageScript, 'public, max-age=300');
  }

  @Get('connect/page.css')
  pageStyle(@Res() res: Response): void {
    this.send(res, this.assets.pageStyle, 'public, max-age=300');
  }

  @Get('connect.js')
  embed(@Res() res: Response): void {
    // Loaded by <script src> from the hub's origin: helmet's same-origin resource policy would block exactly that.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    this.send(res, this.assets.embed, 'public, max-age=300');
  }
}
