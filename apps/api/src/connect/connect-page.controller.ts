import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/error-responses';
import { Request, Response } from 'express';
import { AppError } from '@app/common';
import { AppConfig } from '@app/config';
import { Public } from '../common/auth';
import { Asset, CONNECT_PAGE_CSP, loadConnectAssets } from './connect-assets';

/**
 * The hosted Connect page (`/connect` with its script and style) and the embedding script `/connect.js` that hubs
 * load from their own pages. All public: the page authenticates with the session token from its URL fragment.
 */
@ApiTags('connect page')
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
  @ApiOperation({ operationId: 'connectPage', summary: 'The hosted Connect page; the session token comes in the URL fragment (#session=...), never to a server' })
  @ApiOkResponse({ description: 'the page (strict Content-Security-Policy, no inline script or style)', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrors('not_found')
  page(@Req() req: Request, @Res() res: Response): void {
    // connect.js talks to this window through window.opener, which a same-origin COOP (helmet's default) would cut.
    res.setHeader('Cross-Origin-Opener-Policy', 'unsafe-none');
    // The page's files are named relative to it; /connect/ puts it one level lower than /connect.
    this.send(res, req.path.endsWith('/') ? this.assets.pageInDirectory : this.assets.page, 'no-store');
  }

  @Get('connect/page.js')
  @ApiExcludeEndpoint()
  pageScript(@Res() res: Response): void {
    this.send(res, this.assets.pageScript, 'public, max-age=300');
  }

  @Get('connect/page.css')
  @ApiExcludeEndpoint()
  pageStyle(@Res() res: Response): void {
    this.send(res, this.assets.pageStyle, 'public, max-age=300');
  }

  @Get('connect.js')
  @ApiOperation({ operationId: 'connectScript', summary: 'connect.js for hub pages: BitwardenConnect.open({ sessionToken }) resolves with the linked Account' })
  @ApiOkResponse({ description: 'the embedding script', content: { 'text/javascript': { schema: { type: 'string' } } } })
  @ApiErrors('not_found')
  embed(@Res() res: Response): void {
    // Loaded by <script src> from the hub's origin: helmet's same-origin resource policy would block exactly that.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    this.send(res, this.assets.embed, 'public, max-age=300');
  }
}
